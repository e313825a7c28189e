// Prompt-file features of the engine: which open documents are prompts, their bloat diagnostics
// (debounced per document), code lenses (cost per call, weekly cost, per-section shares), hovers
// (a paragraph's cost on each tier of the model's family) and code actions (quick fixes, Fix all).
// The analysis itself is pure and lives in src/core/prompt; this file maps offsets to LSP positions.
import fs from 'node:fs';
import { overLimit } from './tokenMeter';
import { afterHeavyWork } from './idleGc';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeAction, CodeActionKind, CodeActionParams, CodeLens, CodeLensParams, CreateFile, Diagnostic, DiagnosticSeverity,
  Hover, HoverParams, MarkupKind, Range, TextDocumentEdit, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { inputCost } from '../core/cost';
import { looksBinary } from '../core/documentCount';
import { applyFactor, countingFor, EncodingName } from '../core/encodings';
import { formatPercent, formatTokens, formatUSD } from '../core/format';
import { getCounter } from '../core/tokenizer';
import { fixAll, matchesAnyGlob, parseFrontMatter, PromptAnalysis, PromptAnalyzer, targetModel } from '../core/prompt';
import type { Finding, Fix, TextEdit as OffsetEdit } from '../core/prompt';
import type { Engine } from './engine';
import { AnalyzeAsPromptRequest, AnalyzeAsPromptResult } from './protocol';
import { onRequest, schemas } from './requests';
import { uriToPath, type Workspace } from './workspace';
import type { PromptInfo } from './tokenMeter';

export interface PromptFeatures extends PromptInfo {
  /** The latest analysis of an open prompt document (tests, the CLI bridge). */
  analysis(uri: string): PromptAnalysis | undefined;
}

export interface PromptDeps {
  /** The workspace folders (paths relative to them match prompt globs; a file's project is its folder). */
  workspace: Workspace;
  /**
   * Requests per week that agents make in a project (from the usage index); undefined when unknown,
   * and the lens then states `tokenomics.assumedRequestsPerWeek` as its assumption.
   */
  weeklyRequests: (projectPath: string) => number | undefined;
  /** Whether the client can be asked to re-request code lenses (`workspace/codeLens/refresh`). */
  lensRefreshSupported: boolean;
}

const DEBOUNCE_MS = 150;
/**
 * Documents whose per-block caches stay warm: the ones being edited. The others keep their last
 * analysis (diagnostics, lenses, hovers) but not the caches, so 20 large prompts open stay light.
 */
const WARM_DOCUMENTS = 4;

interface DocState {
  analyzer: PromptAnalyzer;
  encoding: EncodingName;
  analysis?: PromptAnalysis;
  /** Kept when a cold document's analysis is dropped: the status bar still shows it. */
  findingsCount?: number;
  version: number;
  timer?: NodeJS.Timeout;
  running?: Promise<PromptAnalysis | undefined>;
}

export { uriToPath };

/** Above this a prompt is not analysed (about 0.2 s a million characters, on each edit): said with one diagnostic. */
const MAX_ANALYSED_CHARS = 4_000_000;

export function registerPromptFeatures(connection: Connection, documents: TextDocuments<TextDocument>, engine: Engine, deps: PromptDeps): PromptFeatures {
  const { workspace, weeklyRequests, lensRefreshSupported } = deps;
  const states = new Map<string, DocState>();
  const forced = new Set<string>();
  const prompts = new Set<string>();
  /** Open documents whose prompt status is known for the current settings and folders. */
  const decided = new Set<string>();
  const recent: string[] = [];
  let lensRefresh: NodeJS.Timeout | undefined;
  const refreshLenses = () => {
    if (!lensRefreshSupported || lensRefresh) return;
    lensRefresh = setTimeout(() => {
      lensRefresh = undefined;
      connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    }, 50);
  };
  const touch = (uri: string) => {
    const i = recent.indexOf(uri);
    if (i >= 0) recent.splice(i, 1);
    recent.unshift(uri);
    // Cold documents keep only their published diagnostics and a count; a lens, hover or code action
    // on one re-analyses it (~0.2 s for 1 MB). This is what keeps 20 large prompt files affordable.
    for (const old of recent.splice(WARM_DOCUMENTS)) {
      const st = states.get(old);
      if (!st) continue;
      st.analyzer.release();
      st.analysis = undefined;
    }
  };

  const relative = (abs: string): string | undefined => {
    const f = workspace.folderOf(abs);
    return f === undefined ? undefined : abs.replace(/\\/g, '/').slice(f.length + 1);
  };
  const projectOf = (abs: string): string => workspace.folderOf(abs) ?? path.dirname(abs);

  const matches = (uri: string): boolean => {
    if (forced.has(uri)) return true;
    if (!/^(?:file|vscode-remote|vscode-vfs):/.test(uri)) return false;
    const abs = uriToPath(uri);
    return matchesAnyGlob(engine.settings.promptFiles, abs, relative(abs));
  };

  const clear = (uri: string) => {
    const r = recent.indexOf(uri);
    if (r >= 0) recent.splice(r, 1);
    const s = states.get(uri);
    if (s?.timer) clearTimeout(s.timer);
    states.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  };

  async function analyzeNow(uri: string): Promise<PromptAnalysis | undefined> {
    const doc = documents.get(uri);
    if (!doc || !prompts.has(uri)) return undefined;
    const version = doc.version;
    // The length from the line index, without joining the text: this runs on every edit.
    const length = doc.offsetAt({ line: doc.lineCount, character: 0 });
    if (length > MAX_ANALYSED_CHARS) {
      // Analysing this much text takes seconds on the engine's one thread, on every edit: the token meter
      // would stop. Said with one diagnostic; the meter still counts it.
      if (states.has(uri)) clear(uri);
      void connection.sendDiagnostics({ uri, version, diagnostics: [{ range: Range.create(0, 0, 0, 0), severity: DiagnosticSeverity.Information, source: 'tokenomics', code: 'tokenomics.too-large-to-analyse',
        message: `Too large to analyse as a prompt (${(length / 1e6).toFixed(1)} M characters, over ${MAX_ANALYSED_CHARS / 1e6} M): no lenses or bloat checks; the token meter still counts it.` }] });
      return undefined;
    }
    const text = doc.getText();
    if (overLimit(text, engine.settings.maxFileSizeMB * 1024 * 1024) || looksBinary(text)) { clear(uri); return undefined; }
    const target = targetModel(text, engine.catalog, engine.defaultModel);
    const encoding = target.counting.encoding;
    const counter = await getCounter(encoding);
    let s = states.get(uri);
    if (!s || s.encoding !== encoding) {
      if (s?.timer) clearTimeout(s.timer);
      s = { analyzer: new PromptAnalyzer(counter), encoding, version: -1 };
      states.set(uri, s);
    }
    const totalRaw = await engine.countDocument(uri, encoding, text);
    if (states.get(uri) !== s) return undefined; // closed while counting
    const analysis = s.analyzer.analyze({ text, path: uriToPath(uri), settings: engine.settings, catalog: engine.catalog, defaultModel: engine.defaultModel, totalRaw });
    const first = s.version === -1;
    s.analysis = analysis;
    s.findingsCount = analysis.findings.length;
    if (text.length > 200_000) afterHeavyWork();
    s.version = version;
    touch(uri);
    if (documents.get(uri)?.version === version) {
      void connection.sendDiagnostics({ uri, version, diagnostics: analysis.findings.map(f => toDiagnostic(doc, uri, f)) });
    }
    // The editor may have asked for lenses before the document was known to be a prompt (or before
    // settings re-started its analysis) and got none; it asks again only when told to.
    if (first) refreshLenses();
    return analysis;
  }

  /** Serialises analyses of one document: a request never races a debounced run. */
  function run(uri: string): Promise<PromptAnalysis | undefined> {
    const s = states.get(uri);
    const prev = s?.running ?? Promise.resolve(undefined);
    const next = prev.catch(() => undefined).then(() => analyzeNow(uri)).catch(e => {
      connection.console.error(`prompt analysis of ${uri} failed: ${(e as Error)?.stack ?? e}`);
      return undefined;
    });
    const cur = states.get(uri);
    if (cur) cur.running = next;
    return next;
  }

  function schedule(uri: string, delay = DEBOUNCE_MS): void {
    let s = states.get(uri);
    if (!s) {
      // first sight: analyse right away (creating the state inside analyzeNow)
      void run(uri);
      return;
    }
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => { s!.timer = undefined; void run(uri); }, delay);
  }

  /** The analysis of the document's current version, computed now if the debounced one is pending. */
  async function fresh(uri: string): Promise<{ doc: TextDocument; a: PromptAnalysis } | undefined> {
    const doc = documents.get(uri);
    if (!doc || !prompts.has(uri)) return undefined;
    const s = states.get(uri);
    if (s?.analysis && s.version === doc.version) return { doc, a: s.analysis };
    if (s?.timer) { clearTimeout(s.timer); s.timer = undefined; }
    if (s?.running) await s.running;
    const s2 = states.get(uri);
    if (s2?.analysis && s2.version === doc.version) return { doc, a: s2.analysis };
    const a = await run(uri);
    const d = documents.get(uri);
    return a && d ? { doc: d, a } : undefined;
  }

  function recheck(uri: string): void {
    const is = matches(uri);
    if (is) { prompts.add(uri); schedule(uri, 0); }
    else if (prompts.delete(uri)) clear(uri);
  }
  function recheckAll(): void {
    decided.clear();
    for (const d of documents.all()) {
      decided.add(d.uri);
      // settings may change the encoding, the model or the rules: start every analysis afresh
      const s = states.get(d.uri);
      if (s) { if (s.timer) clearTimeout(s.timer); states.delete(d.uri); }
      recheck(d.uri);
    }
  }

  documents.onDidChangeContent((e: { document: TextDocument }) => {
    const uri = e.document.uri;
    if (!prompts.has(uri) && !states.has(uri)) {
      // Decided once per document (and again when settings or folders change), not on every keystroke.
      if (decided.has(uri)) return;
      decided.add(uri);
      recheck(uri);
      return;
    }
    schedule(uri);
  });
  documents.onDidClose((e: { document: TextDocument }) => {
    const uri = e.document.uri;
    forced.delete(uri);
    decided.delete(uri);
    if (prompts.delete(uri) || states.has(uri)) clear(uri);
  });
  engine.onSettingsChanged(() => recheckAll());
  workspace.onDidChange(() => recheckAll());

  onRequest(connection, AnalyzeAsPromptRequest, schemas.analyzeAsPrompt, async (p): Promise<AnalyzeAsPromptResult> => {
    if (!documents.get(p.uri)) return { uri: p.uri, isPrompt: false, reason: 'not open in the engine yet' };
    forced.add(p.uri);
    prompts.add(p.uri);
    const r = await fresh(p.uri);
    if (!r) return { uri: p.uri, isPrompt: false, reason: 'too large or binary' };
    return { uri: p.uri, isPrompt: true, tokens: r.a.tokens, estimate: r.a.estimate, findings: r.a.findings.length };
  });

  connection.onCodeLens(async (p: CodeLensParams): Promise<CodeLens[]> => {
    const r = await fresh(p.textDocument.uri);
    return r ? codeLenses(r.doc, r.a, engine.settings.assumedRequestsPerWeek, weeklyRequests(projectOf(uriToPath(r.doc.uri)))) : [];
  });

  connection.onHover(async (p: HoverParams): Promise<Hover | null> => {
    const r = await fresh(p.textDocument.uri);
    return r ? hover(r.doc, r.a, engine, p.position) : null;
  });

  connection.onCodeAction(async (p: CodeActionParams): Promise<CodeAction[]> => {
    const r = await fresh(p.textDocument.uri);
    return r ? codeActions(r.doc, r.a, p) : [];
  });

  return {
    isPrompt: uri => prompts.has(uri),
    findings: uri => (prompts.has(uri) ? states.get(uri)?.findingsCount : undefined),
    modelFor: uri => {
      if (!prompts.has(uri)) return undefined;
      const doc = documents.get(uri);
      return doc ? parseFrontMatter(doc.getText()).fields.get('model')?.value.trim() || undefined : undefined;
    },
    analysis: uri => states.get(uri)?.analysis,
  };
}

// ---- conversions --------------------------------------------------------------------------------

function range(doc: TextDocument, start: number, end: number): Range {
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

function toDiagnostic(doc: TextDocument, uri: string, f: Finding): Diagnostic {
  return {
    range: range(doc, f.start, f.end),
    severity: f.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: f.code,
    source: 'tokenomics',
    message: f.message,
    relatedInformation: f.related.map(r => ({ location: { uri, range: range(doc, r.start, r.end) }, message: r.message })),
    data: { start: f.start, end: f.end },
  };
}

function textEdits(doc: TextDocument, edits: readonly OffsetEdit[]): TextEdit[] {
  return edits.map(e => TextEdit.replace(range(doc, e.start, e.end), e.newText));
}

/** A file next to the prompt that does not exist yet: `name`, else `name` with -2, -3 ... */
function freeSibling(docPath: string, name: string): string {
  const dir = path.dirname(docPath);
  let candidate = path.join(dir, name);
  const dot = name.indexOf('.');
  for (let k = 2; fs.existsSync(candidate) && k < 1000; k++) {
    candidate = path.join(dir, dot > 0 ? `${name.slice(0, dot)}-${k}${name.slice(dot)}` : `${name}-${k}`);
  }
  return candidate;
}

export function workspaceEdit(doc: TextDocument, fix: Fix): WorkspaceEdit | null {
  const own = TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, fix.edits));
  if (!fix.createFile) return { documentChanges: [own] };
  if (!doc.uri.startsWith('file:')) return null;
  const target = freeSibling(uriToPath(doc.uri), fix.createFile.name);
  const targetName = path.basename(target);
  const newUri = pathToFileURL(target).toString();
  // the reference in the prompt names the file actually created
  const edits = targetName === fix.createFile.name ? fix.edits
    : fix.edits.map(e => ({ ...e, newText: e.newText.split(fix.createFile!.name).join(targetName) }));
  return {
    documentChanges: [
      CreateFile.create(newUri, { overwrite: false, ignoreIfExists: false }),
      TextDocumentEdit.create({ uri: newUri, version: null }, [TextEdit.insert({ line: 0, character: 0 }, fix.createFile.content)]),
      TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, edits)),
    ],
  };
}

// ---- lenses -------------------------------------------------------------------------------------

function codeLenses(doc: TextDocument, a: PromptAnalysis, assumedPerWeek: number, measuredPerWeek: number | undefined): CodeLens[] {
  const top = Range.create(0, 0, 0, 0);
  const approx = a.estimate ? '≈' : '';
  const model = a.target.model;
  const cost = formatUSD(a.costPerCall, { unpriced: `${a.target.id} is unpriced` });
  const share = a.contextShare === null ? 'context window unknown' : `${formatPercent(a.contextShare)} of the ${formatTokens(model!.contextWindow!)}-token context`;
  const lenses: CodeLens[] = [{
    range: top,
    command: { title: `${a.fmt(a.tokens)} tokens · ${a.costPerCall === null ? cost : `${approx}${cost} per call`} on ${model?.id ?? a.target.id} · ${share}`, command: 'tokenomics.selectModel' },
  }];
  if (a.alwaysLoaded && a.costPerCall !== null) {
    const measured = measuredPerWeek !== undefined;
    const perWeek = measured ? measuredPerWeek : assumedPerWeek;
    const basis = measured ? `at ${formatTokens(perWeek)} requests/week (this project's agent sessions)` : `at an assumed ${formatTokens(perWeek)} requests/week (tokenomics.assumedRequestsPerWeek)`;
    lenses.push({
      range: top,
      command: { title: `Loaded on every request: ≈${formatUSD(a.costPerCall * perWeek)}/week ${basis}, uncached; ${a.fmt(a.tokens * perWeek)} tokens/week`, command: '' },
    });
  }
  for (const s of a.sections) {
    lenses.push({
      range: range(doc, s.start, s.start),
      command: { title: `${a.fmt(s.tokens)} tokens · ${formatPercent(s.share)} of the file`, command: '' },
    });
  }
  return lenses;
}

// ---- hover --------------------------------------------------------------------------------------

const KIND_LABEL = { heading: 'Heading', paragraph: 'Paragraph', 'list-item': 'List item', fence: 'Code block', table: 'Table' } as const;

function hover(doc: TextDocument, a: PromptAnalysis, engine: Engine, position: { line: number; character: number }): Hover | null {
  const b = a.blockAt(doc.offsetAt(position));
  if (!b) return null;
  const lines = [`**${KIND_LABEL[b.kind]}: ${a.fmt(a.tok(b.raw))} tokens** (${formatPercent(a.raw > 0 ? b.raw / a.raw : 0)} of the file)`, ''];
  const model = a.target.model;
  if (!model) {
    lines.push(`${a.target.id} is not in the price catalog: unpriced.`);
  } else {
    lines.push('| Model | Tier | Tokens | Cost per call |', '|---|---|---:|---:|');
    for (const m of engine.catalog.familyTiers(model)) {
      const counting = countingFor(m);
      const tokens = applyFactor(b.raw, counting);
      const approx = !counting.exact || counting.encoding !== a.target.counting.encoding ? '≈' : '';
      lines.push(`| ${m.id}${m.id === model.id ? ' (target)' : ''} | ${m.tier} | ${approx}${formatTokens(tokens)} | ${approx}${formatUSD(inputCost(m, tokens))} |`);
    }
    if (a.estimate) lines.push('', `≈: ${a.target.counting.label}`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: range(doc, b.start, b.end) };
}

// ---- code actions -------------------------------------------------------------------------------

function wanted(only: string[] | undefined, kind: string): boolean {
  return !only || only.some(o => kind === o || kind.startsWith(`${o}.`));
}

function codeActions(doc: TextDocument, a: PromptAnalysis, p: CodeActionParams): CodeAction[] {
  const from = doc.offsetAt(p.range.start), to = doc.offsetAt(p.range.end);
  const only = p.context.only;
  const out: CodeAction[] = [];
  const titles = new Set<string>();
  const fixAllSet = fixAll(a);
  const fixAllTitle = fixAllSet ? `Fix all safe bloat (${a.estimate ? '≈ ' : ''}−${formatTokens(fixAllSet.saving)} tokens)` : '';
  const fixAllEdit = (): WorkspaceEdit | null => (fixAllSet ? { documentChanges: [TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, fixAllSet.edits))] } : null);

  const hits = a.findings.filter(f => f.start <= to && f.end >= from);
  for (const f of hits) {
    const diagnostic = toDiagnostic(doc, doc.uri, f);
    for (const fix of f.fixes) {
      const kind = fix.createFile || f.rule === 'lost-in-the-middle' ? CodeActionKind.RefactorRewrite : CodeActionKind.QuickFix;
      if (!wanted(only, kind) && !(kind === CodeActionKind.RefactorRewrite && wanted(only, CodeActionKind.QuickFix))) continue;
      if (titles.has(fix.title)) continue;
      const edit = workspaceEdit(doc, fix);
      if (!edit) continue;
      titles.add(fix.title);
      out.push({ title: fix.title, kind: wanted(only, kind) ? kind : CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred, edit });
    }
  }
  if (fixAllSet) {
    if (hits.length && wanted(only, CodeActionKind.QuickFix)) {
      out.push({ title: fixAllTitle, kind: CodeActionKind.QuickFix, edit: fixAllEdit()! });
    }
    if (only?.some(o => CodeActionKind.SourceFixAll === o || CodeActionKind.SourceFixAll.startsWith(`${o}.`) || o === CodeActionKind.Source)) {
      out.push({ title: fixAllTitle, kind: CodeActionKind.SourceFixAll, edit: fixAllEdit()! });
    }
  }
  return out;
}
