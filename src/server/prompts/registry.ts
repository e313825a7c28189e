// Which open documents are prompts, and their analyses: debounced per document, serialised (a request
// never races a debounced run), warm caches for the few documents being edited, and the published
// diagnostics. Lenses, hovers and code actions ask it for the analysis of the current version.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { looksBinary } from '../../core/documentCount';
import type { EncodingName } from '../../core/encodings';
import { getCounter } from '../../core/tokenizer';
import { matchesAnyGlob, PromptAnalysis, PromptAnalyzer, targetModel } from '../../core/prompt';
import type { WorkspaceView } from '../../core/prompt';
import type { Engine } from '../engine';
import { afterHeavyWork } from '../idleGc';
import { overLimit } from '../tokenMeter';
import { uriToPath } from '../workspace';
import { toDiagnostic } from './convert';

const DEBOUNCE_MS = 150;
/** Above this a prompt is not analysed (about 0.2 s a million characters, on each edit): said with one diagnostic (3: Information). */
const MAX_ANALYSED_CHARS = 4_000_000;
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
  /** The registry's `epoch` (settings and folders) the analyzer was made for. */
  epoch: number;
  timer?: NodeJS.Timeout;
  running?: Promise<PromptAnalysis | undefined>;
}

export interface RegistryDeps {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  engine: Engine;
  /** The path relative to its workspace folder, or undefined outside every folder. */
  relative(abs: string): string | undefined;
  /** The workspace folder holding a file, if any. */
  rootOf(abs: string): string | undefined;
  /** The workspace folder holding a file, else its own folder. */
  projectOf(abs: string): string;
  /** The workspace a prompt's references, imports and sibling instruction files are checked against. */
  workspaceFor(path: string): WorkspaceView | undefined;
  /** Sessions per week of these agents (usage-index ids) in a project, when the logs say. */
  sessionsPerWeek(project: string, agents: readonly string[]): number | undefined;
  /** Called after the first analysis of a document (lenses asked for earlier got none). */
  analysedFirst(): void;
}

export class PromptRegistry {
  private readonly states = new Map<string, DocState>();
  private readonly forced = new Set<string>();
  private readonly prompts = new Set<string>();
  /** Open documents whose prompt status is known for the current settings and folders. */
  private readonly decided = new Set<string>();
  private readonly recent: string[] = [];
  /** Bumped by each settings or folder change: an analysis made before it is stale. */
  private epoch = 0;

  constructor(private readonly d: RegistryDeps) {
    d.documents.onDidChangeContent((e: { document: TextDocument }) => this.changed(e.document.uri));
    d.documents.onDidClose((e: { document: TextDocument }) => {
      const uri = e.document.uri;
      this.forced.delete(uri);
      this.decided.delete(uri);
      if (this.prompts.delete(uri) || this.states.has(uri)) this.clear(uri);
    });
  }

  isPrompt(uri: string): boolean { return this.prompts.has(uri); }
  findings(uri: string): number | undefined { return this.prompts.has(uri) ? this.states.get(uri)?.findingsCount : undefined; }
  analysis(uri: string): PromptAnalysis | undefined { return this.states.get(uri)?.analysis; }
  /** Open prompt documents (for cross-file checks). */
  openPrompts(): string[] { return [...this.prompts]; }

  /** Makes a document a prompt whatever the globs say (`Analyze Current File as Prompt`). */
  force(uri: string): void { this.forced.add(uri); this.prompts.add(uri); }

  /**
   * Settings or folders changed: every open document is decided again now (a glob match each), and
   * analysed afresh after the usual debounce, so a burst of changes (a settings sync sends thousands)
   * costs one analysis per prompt, not one per change.
   */
  recheckAll(): void {
    this.epoch++;
    this.decided.clear();
    for (const doc of this.d.documents.all()) {
      this.decided.add(doc.uri);
      if (this.matches(doc.uri)) { this.prompts.add(doc.uri); this.schedule(doc.uri, this.states.has(doc.uri) ? DEBOUNCE_MS : 0); }
      else if (this.prompts.delete(doc.uri)) this.clear(doc.uri);
    }
  }

  /** Re-analyses the other open prompts (a sibling instruction file changed). */
  reanalyseOthers(uri: string): void {
    for (const other of this.prompts) if (other !== uri && this.states.has(other)) this.schedule(other, 300);
  }

  /** The analysis of the document's current version, computed now if the debounced one is pending. */
  async fresh(uri: string): Promise<{ doc: TextDocument; a: PromptAnalysis } | undefined> {
    const doc = this.d.documents.get(uri);
    if (!doc || !this.prompts.has(uri)) return undefined;
    const s = this.states.get(uri);
    if (s?.analysis && s.version === doc.version && s.epoch === this.epoch) return { doc, a: s.analysis };
    if (s?.timer) { clearTimeout(s.timer); s.timer = undefined; }
    if (s?.running) await s.running;
    const s2 = this.states.get(uri);
    if (s2?.analysis && s2.version === doc.version && s2.epoch === this.epoch) return { doc, a: s2.analysis };
    const a = await this.run(uri);
    const dd = this.d.documents.get(uri);
    return a && dd ? { doc: dd, a } : undefined;
  }

  private changed(uri: string): void {
    if (!this.prompts.has(uri) && !this.states.has(uri)) {
      // Decided once per document (and again when settings or folders change), not on every keystroke.
      if (this.decided.has(uri)) return;
      this.decided.add(uri);
      this.recheck(uri);
      return;
    }
    this.schedule(uri);
  }

  private matches(uri: string): boolean {
    if (this.forced.has(uri)) return true;
    if (!/^(?:file|vscode-remote|vscode-vfs):/.test(uri)) return false;
    const abs = uriToPath(uri);
    return matchesAnyGlob(this.d.engine.settings.promptFiles, abs, this.d.relative(abs));
  }

  private recheck(uri: string): void {
    if (this.matches(uri)) { this.prompts.add(uri); this.schedule(uri, 0); }
    else if (this.prompts.delete(uri)) this.clear(uri);
  }

  private touch(uri: string): void {
    const i = this.recent.indexOf(uri);
    if (i >= 0) this.recent.splice(i, 1);
    this.recent.unshift(uri);
    // Cold documents keep only their published diagnostics and a count; a lens, hover or code action
    // on one re-analyses it (~0.2 s for 1 MB). This is what keeps 20 large prompt files affordable.
    for (const old of this.recent.splice(WARM_DOCUMENTS)) {
      const st = this.states.get(old);
      if (!st) continue;
      st.analyzer.release();
      st.analysis = undefined;
    }
  }

  private clear(uri: string): void {
    const r = this.recent.indexOf(uri);
    if (r >= 0) this.recent.splice(r, 1);
    const s = this.states.get(uri);
    if (s?.timer) clearTimeout(s.timer);
    this.states.delete(uri);
    void this.d.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private async analyzeNow(uri: string): Promise<PromptAnalysis | undefined> {
    const { documents, engine, connection } = this.d;
    const doc = documents.get(uri);
    if (!doc || !this.prompts.has(uri)) return undefined;
    const version = doc.version;
    const epoch = this.epoch;
    // The length from the line index, without joining the text: this runs on every edit.
    const length = doc.offsetAt({ line: doc.lineCount, character: 0 });
    if (length > MAX_ANALYSED_CHARS) {
      // Analysing this much text takes seconds on the engine's one thread, on every edit: the token meter
      // would stop. Said with one diagnostic; the meter still counts it.
      if (this.states.has(uri)) this.clear(uri);
      void connection.sendDiagnostics({ uri, version, diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 3, source: 'tokenomics', code: 'tokenomics.too-large-to-analyse',
        message: `Too large to analyse as a prompt (${(length / 1e6).toFixed(1)} M characters, over ${MAX_ANALYSED_CHARS / 1e6} M): no lenses or bloat checks; the token meter still counts it.` }] });
      return undefined;
    }
    const text = doc.getText();
    // resource-scoped settings (rules, budgets, filler phrases) as the user set them for this file's folder
    const settings = await engine.settingsFor(uri);
    if (documents.get(uri)?.version !== version) return undefined; // edited while asking: the next run takes it
    if (overLimit(text, settings.maxFileSizeMB * 1024 * 1024) || looksBinary(text)) { this.clear(uri); return undefined; }
    const target = targetModel(text, engine.catalog, engine.defaultModel);
    const encoding = target.counting.encoding;
    const counter = await getCounter(encoding);
    let s = this.states.get(uri);
    // settings may change the encoding, the model or the rules: an analysis from before starts afresh
    if (!s || s.encoding !== encoding || s.epoch !== epoch) {
      if (s?.timer) clearTimeout(s.timer);
      s = { analyzer: new PromptAnalyzer(counter), encoding, version: -1, epoch, findingsCount: s?.findingsCount, running: s?.running };
      this.states.set(uri, s);
    }
    const totalRaw = await engine.countDocument(uri, encoding, text);
    if (this.states.get(uri) !== s) return undefined; // closed while counting
    const path = uriToPath(uri);
    const analysis = s.analyzer.analyze({
      text, path, settings, catalog: engine.catalog, defaultModel: engine.defaultModel, totalRaw,
      root: this.d.rootOf(path), workspace: this.d.workspaceFor(path),
      sessionsPerWeek: agents => this.d.sessionsPerWeek(this.d.projectOf(path), agents),
    });
    const first = s.version === -1;
    s.analysis = analysis;
    s.findingsCount = analysis.findings.length;
    if (text.length > 200_000) afterHeavyWork();
    s.version = version;
    this.touch(uri);
    if (documents.get(uri)?.version === version) {
      void connection.sendDiagnostics({ uri, version, diagnostics: analysis.findings.map(f => toDiagnostic(doc, uri, f)) });
    }
    // The editor may have asked for lenses before the document was known to be a prompt (or before
    // settings re-started its analysis) and got none; it asks again only when told to.
    if (first) this.d.analysedFirst();
    return analysis;
  }

  /** Serialises analyses of one document: a request never races a debounced run. */
  private run(uri: string): Promise<PromptAnalysis | undefined> {
    const s = this.states.get(uri);
    const prev = s?.running ?? Promise.resolve(undefined);
    const next = prev.catch(() => undefined).then(() => this.analyzeNow(uri)).catch(e => {
      this.d.connection.console.error(`prompt analysis of ${uri} failed: ${(e as Error)?.stack ?? e}`);
      return undefined;
    });
    const cur = this.states.get(uri);
    if (cur) cur.running = next;
    return next;
  }

  private schedule(uri: string, delay = DEBOUNCE_MS): void {
    const s = this.states.get(uri);
    if (!s) {
      // first sight: analyse right away (creating the state inside analyzeNow)
      void this.run(uri);
      return;
    }
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => { s.timer = undefined; void this.run(uri); }, delay);
  }
}
