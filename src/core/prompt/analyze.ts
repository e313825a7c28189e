// Prompt-file analysis: structure, counts, sections and every bloat rule, for one document.
// A PromptAnalyzer lives as long as its document: it keeps the incremental whole-file counter and
// the per-block facts, so re-analysing after a keystroke re-counts only what changed.
import type { Catalog } from '../catalog';
import { inputCost } from '../cost';
import { applyFactor, countingFor } from '../encodings';
import { IncrementalCounter, TextCounter } from '../incremental';
import { AgentLoad, agentsLoading, LoadWhen } from './loaders';
import { makeHelpers, PromptSettings, RuleContext, ruleEnabled, TargetModel } from './context';
import { BlockFacts, FactCache } from './facts';
import { BUILT_IN_FILLER, fillerMatcher, parseFillerSetting } from './filler';
import { FrontMatter, parseFrontMatter } from './frontMatter';
import { headingTitle, parseStructure } from './markdown';
import { blockScopes } from './scope';
import { cacheHostile } from './cacheHostile';
import { findImports } from './references';
import { directoryTrees, exampleHeavy, unreadFrontMatter } from './shape';
import { broadAttach, crossFileDuplicates, staleReferences } from './workspaceRules';
import type { WorkspaceView } from './workspace';
import { textKey } from './textHash';
import * as rules from './rules';
import type { Block, Finding, Fix, RuleCode, Section, TextEdit } from './types';

export type { PromptSettings, TargetModel } from './context';

export interface AnalyzeInput {
  text: string;
  /** The prompt's file path (or URI path): decides "always loaded" and names files moved out of it. */
  path: string;
  settings: PromptSettings;
  catalog: Catalog;
  /** `tokenomics.model`, used when the front matter names no model. */
  defaultModel: string;
  /** The whole text's raw count when the caller already keeps one (the engine's document counter). */
  totalRaw?: number;
  /** The project folder holding the file, when known: decides whether a CLAUDE.md or AGENTS.md is nested. */
  root?: string;
  /** The project around the file (existing paths, scripts, sibling instruction files), when known. */
  workspace?: WorkspaceView;
  /** Sessions per week of the given agents (usage-index ids) in this project, when known. */
  sessionsPerWeek?: (agents: readonly string[]) => number | undefined;
}

/** A file the prompt imports, loaded with it. */
export interface ImportedFile { rel: string; written: string; start: number; end: number; raw: number; tokens: number }

/** The file's size as one agent that loads it counts it. */
export interface AgentCount {
  agent: string;
  tokens: number;
  exact: boolean;
  label: string;
  when: LoadWhen;
  scope?: string;
  /** For an estimate: the o200k count, which the estimate's factor (≥ 1) only raises. */
  lowerBound: number;
}

export interface PromptAnalysis {
  path: string;
  target: TargetModel;
  frontMatter: FrontMatter;
  bodyStart: number;
  alwaysLoaded: boolean;
  /** The agents that load the file, and when. */
  loads: AgentLoad[];
  /** The whole file on each loading agent's tokenizer, imports included. */
  agentCounts: AgentCount[];
  /** Files it imports (`@AGENTS.md`, `#file:x`) that exist: the agent loads them with it. */
  imports: ImportedFile[];
  /** Sub-agents: the `description` tokens that sit in the main context on every request. */
  descriptionTokens: number;
  budget: number;
  /** Raw encoding tokens of the whole file, and on the target model. */
  raw: number;
  tokens: number;
  /** True when `tokens` is an estimate (show ≈). */
  estimate: boolean;
  costPerCall: number | null;
  contextShare: number | null;
  /** Number of blocks (paragraphs, list items, fences, tables, headings). */
  blockCount: number;
  /** The block at an offset (hover); kept compactly, since an engine may hold 20 large prompts. */
  blockAt(offset: number): Block | undefined;
  sections: Section[];
  findings: Finding[];
  /** Every safe fix, including those of findings past the per-rule cap. */
  safeFixes: Fix[];
  /** Raw tokens -> target-model tokens. */
  tok(raw: number): number;
  fmt(tokens: number): string;
  line(offset: number): number;
}

/** The model a prompt is written for: its front-matter `model:`, else the setting. */
export function targetModel(text: string, catalog: Catalog, defaultModel: string, fm = parseFrontMatter(text)): TargetModel {
  let declared = fm.fields.get('model')?.value.trim();
  // Copilot lists fallbacks (`model: ['Claude Sonnet 4.5', 'GPT-5']`): the first is the one used
  if (declared?.startsWith('[')) declared = declared.slice(1).split(',')[0]!.replace(/[\]'"]/g, '').trim();
  // a Claude Code sub-agent with `model: inherit` runs on the main conversation's model
  if (declared && /^inherit$/i.test(declared)) declared = '';
  const id = declared || defaultModel;
  const model = catalog.resolve(id);
  return { id, model, counting: countingFor(model, id), fromFrontMatter: !!declared };
}

function stemOf(p: string): string {
  const base = p.replace(/\\/g, '/').split('/').pop() ?? 'prompt';
  const stem = base.replace(/^\.+/, '').replace(/\.(?:prompt|instructions|chatmode|agent)?\.?(?:md|mdc|prompty)$/i, '').replace(/\.md$/i, '');
  return stem || 'prompt';
}

export class PromptAnalyzer {
  private readonly facts: FactCache;
  private readonly whole: IncrementalCounter;
  private readonly gapSavings = new Map<string, number>();

  constructor(private readonly counter: TextCounter) {
    this.facts = new FactCache(counter);
    this.whole = new IncrementalCounter(counter);
  }

  analyze(input: AnalyzeInput): PromptAnalysis {
    const { text, settings, catalog } = input;
    const fm = parseFrontMatter(text);
    const target = targetModel(text, catalog, input.defaultModel, fm);
    const helpers = makeHelpers(target.counting, text);
    const raw = input.totalRaw ?? this.whole.update(text);
    const tokens = helpers.tok(raw);
    const loads = agentsLoading(input.path, fm, input.root);
    const alwaysLoaded = loads.some(l => l.when === 'always');
    const everyRequestSomewhere = loads.some(l => l.when === 'always' || l.when === 'below');
    const budget = everyRequestSomewhere ? settings.promptBudgetTokens.alwaysLoaded : settings.promptBudgetTokens.other;
    const ws = input.workspace;
    const honours = (a: string) => loads.some(l => l.agent === a);
    const structure = parseStructure(text, fm.end);
    const imports: ImportedFile[] = ws ? findImports(text, fm.end, structure.blocks as Block[], input.path, ws, honours('Claude Code') || honours('Gemini CLI'), honours('Copilot') || /\.prompt\.md$/i.test(input.path))
      .map(i => { const r = this.importRaw(ws.read(i.rel) ?? ''); return { ...i, raw: r, tokens: helpers.tok(r) }; }) : [];
    const importRaw = imports.reduce((s, i) => s + i.raw, 0);
    const agentCounts = countsPerAgent(loads, raw + importRaw, target, catalog);
    const desc = /(?:^|\/)\.claude\/agents\//.test(input.path.replace(/\\/g, '/')) ? fm.fields.get('description')?.value : undefined;
    const descriptionTokens = desc ? helpers.tok(this.counter.count(desc)) : 0;
    const sessions = input.sessionsPerWeek?.(loads.filter(l => l.when === 'always' && l.logId).map(l => l.logId!));

    const phrases = [...BUILT_IN_FILLER, ...parseFillerSetting(settings.fillerPhrases)];
    const fillerOn = ruleEnabled(settings, 'filler');
    const matcher = fillerOn ? fillerMatcher(phrases) : null;
    this.facts.begin(fillerOn ? JSON.stringify(settings.fillerPhrases) : 'off');
    // parseStructure's blocks become Blocks in place: no copy of thousands of objects per keystroke
    const blocks = structure.blocks as Block[];
    const facts = new Array<BlockFacts>(blocks.length);
    for (let i = 0; i < blocks.length; i++) {
      const f = this.facts.facts(text, blocks[i]!, matcher);
      blocks[i]!.raw = f.raw;
      facts[i] = f;
    }
    this.facts.end();
    const blockRawSum = blocks.reduce((s, b) => s + b.raw, 0);

    const secs = sections(text, blocks, helpers.tok, blockRawSum);
    const ctx: RuleContext = {
      text, path: input.path, stem: stemOf(input.path), settings, frontMatter: fm, bodyStart: fm.end,
      blocks, facts, scopes: blockScopes(text, blocks), gaps: structure.gaps, sections: secs, target, alwaysLoaded, loads, agentCounts, budget, tokens, raw, blockRawSum, filler: matcher,
      count: t => this.counter.count(t),
      alternatives: m => catalog.cheaperAlternatives(m),
      ...helpers, claimed: new Set(), safeFixes: [], workspace: ws, sessionsPerWeek: sessions,
    };
    const findings: Finding[] = [];
    const run = (code: RuleCode, fn: () => Finding[]) => { if (ruleEnabled(settings, code)) findings.push(...fn()); };
    run('over-budget', () => rules.overBudget(ctx));
    run('long-context-cliff', () => rules.longContextCliff(ctx));
    run('cheaper-tier', () => rules.cheaperTier(ctx));
    run('high-entropy-blob', () => rules.highEntropyBlobs(ctx));
    run('log-dump', () => rules.logDumps(ctx));
    run('duplicate-block', () => rules.duplicateBlocks(ctx));
    const large = rules.largeBlocks(ctx);
    run('large-code-block', () => large.filter(f => f.rule === 'large-code-block'));
    run('large-data-block', () => large.filter(f => f.rule === 'large-data-block'));
    run('whitespace', () => rules.whitespace(ctx, (gap, ideal) => this.gapSaving(gap, ideal)));
    run('filler', () => rules.filler(ctx));
    run('lost-in-the-middle', () => rules.lostInTheMiddle(ctx));
    run('stale-reference', () => staleReferences(ctx));
    run('cross-file-duplicate', () => crossFileDuplicates(ctx));
    run('broad-attach', () => broadAttach(ctx));
    run('cache-hostile', () => cacheHostile(ctx));
    run('directory-tree', () => directoryTrees(ctx));
    run('example-heavy', () => exampleHeavy(ctx));
    run('unread-front-matter', () => unreadFrontMatter(ctx));
    findings.sort((a, b) => a.start - b.start || a.end - b.end);

    return {
      path: input.path, target, frontMatter: fm, bodyStart: fm.end, alwaysLoaded, loads, agentCounts, imports, descriptionTokens, budget, raw, tokens,
      estimate: !target.counting.exact, costPerCall: inputCost(target.model, tokens),
      contextShare: target.model?.contextWindow ? tokens / target.model.contextWindow : null,
      blockCount: blocks.length, blockAt: compactBlocks(blocks),
      sections: secs, findings, safeFixes: ctx.safeFixes,
      // a fresh line index for later callers: the rules' one (25k numbers for 1 MB) is not kept
      tok: helpers.tok, fmt: helpers.fmt, line: offset => makeHelpers(target.counting, text).line(offset),
    };
  }

  /**
   * Frees the per-block caches (about 2 MB per 1 MB of prompt) of a document that is not being
   * edited; its next analysis is a cold one again (~170 ms for 1 MB).
   */
  release(): void {
    this.facts.clear();
    this.gapSavings.clear();
  }

  private readonly importCounts = new Map<string, number>();
  private importRaw(text: string): number {
    const key = textKey(text);
    let v = this.importCounts.get(key);
    if (v === undefined) {
      v = this.counter.count(text);
      if (this.importCounts.size > 100) this.importCounts.clear();
      this.importCounts.set(key, v);
    }
    return v;
  }

  private gapSaving(gap: string, ideal: string): number {
    // a content key, not the gap itself: a slice of the text would keep that whole version alive
    const key = textKey(gap, 0, gap.length, ideal ? 'n' : 'e');
    let v = this.gapSavings.get(key);
    if (v === undefined) {
      // measured in context: the gap follows a line break and, unless at the end, precedes text
      const after = ideal === '' ? '' : 'b';
      v = Math.max(0, this.counter.count(`a\n${gap}${after}`) - this.counter.count(`a\n${ideal}${after}`));
      if (this.gapSavings.size > 2000) this.gapSavings.clear();
      if (gap.length < 4096) this.gapSavings.set(key, v);
    }
    return v;
  }
}

/**
 * The file counted as each loading agent counts it: Codex on o200k (exact), Claude Code on the
 * Claude tokenizer estimate, Gemini CLI on Gemini's; multi-model agents on the configured model.
 */
function countsPerAgent(loads: readonly AgentLoad[], raw: number, target: TargetModel, catalog: Catalog): AgentCount[] {
  const out: AgentCount[] = [];
  const seen = new Set<string>();
  for (const l of loads) {
    if (seen.has(l.agent)) continue;
    seen.add(l.agent);
    let counting = target.counting;
    // every count below is o200k-based; a cl100k target keeps its own count for everyone
    if (target.counting.encoding === 'o200k_base' && l.countOn) {
      const m = l.countOn === 'claude' ? (target.model?.provider === 'anthropic' ? target.model : catalog.resolve('sonnet'))
        : l.countOn === 'o200k' ? catalog.resolve('gpt-5') : catalog.resolve('gemini-2.5-pro');
      counting = countingFor(m, l.countOn === 'o200k' ? 'gpt-5' : l.countOn === 'gemini' ? 'gemini-2.5-pro' : 'claude-sonnet');
    }
    out.push({ agent: l.agent, tokens: applyFactor(raw, counting), exact: counting.exact, label: counting.label, when: l.when, scope: l.scope, lowerBound: counting.exact ? applyFactor(raw, counting) : Math.min(applyFactor(raw, counting), raw) });
  }
  return out;
}

const KINDS: readonly Block['kind'][] = ['heading', 'paragraph', 'list-item', 'fence', 'table'];

/** Blocks as four numbers each in one typed array, found by binary search on their offsets. */
function compactBlocks(blocks: readonly Block[]): (offset: number) => Block | undefined {
  const n = blocks.length;
  const data = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const b = blocks[i]!;
    data[i * 4] = b.start; data[i * 4 + 1] = b.end; data[i * 4 + 2] = b.raw;
    data[i * 4 + 3] = KINDS.indexOf(b.kind) + 8 * (b.level ?? 0);
  }
  return offset => {
    let lo = 0, hi = n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (data[mid * 4]! > offset) hi = mid - 1;
      else if (data[mid * 4 + 1]! < offset) lo = mid + 1;
      else {
        const code = data[mid * 4 + 3]!;
        const b: Block = { kind: KINDS[code % 8]!, start: data[mid * 4]!, end: data[mid * 4 + 1]!, raw: data[mid * 4 + 2]! };
        if (code >= 8) b.level = Math.floor(code / 8);
        return b;
      }
    }
    return undefined;
  };
}

/** Markdown sections: each heading up to the next heading of the same or a higher level. */
export function sections(text: string, blocks: readonly Block[], tok: (raw: number) => number, rawSum: number): Section[] {
  const out: Section[] = [];
  const open: { s: Section; raw: number }[] = [];
  const all: { s: Section; raw: number }[] = [];
  for (const b of blocks) {
    if (b.kind === 'heading') {
      const level = b.level ?? 1;
      while (open.length && open[open.length - 1]!.s.level >= level) open.pop()!.s.end = b.start;
      const entry = { s: { title: headingTitle(text.slice(b.start, b.end)), level, start: b.start, headingEnd: b.end, end: text.length, tokens: 0, share: 0 }, raw: 0 };
      open.push(entry);
      all.push(entry);
    }
    for (const o of open) o.raw += b.raw;
  }
  for (const { s, raw } of all) {
    s.tokens = tok(raw);
    s.share = rawSum > 0 ? raw / rawSum : 0;
    out.push(s);
  }
  return out;
}

/**
 * The safe fixes merged into one set of non-overlapping edits (whitespace, exact duplicates): what
 * "Fix all safe bloat" applies. Null when there is nothing safe to do.
 */
export function fixAll(a: Pick<PromptAnalysis, 'safeFixes'>): { edits: TextEdit[]; saving: number } | null {
  // Safe fixes are local (a block, a gap, a repeated paragraph): each is taken whole, by its span,
  // unless it overlaps one already taken (a removed duplicate swallows the blank line after it).
  const spans = a.safeFixes.filter(f => f.edits.length).map(f => {
    let start = Infinity, end = -1;
    for (const e of f.edits) { start = Math.min(start, e.start); end = Math.max(end, e.end); }
    return { f, start, end };
  }).sort((x, y) => x.start - y.start || x.end - y.end);
  const edits: TextEdit[] = [];
  let saving = 0, reach = -1, lastZero = false;
  for (const s of spans) {
    if (s.start < reach || (s.start === reach && (lastZero || s.start === s.end))) continue;
    edits.push(...s.f.edits);
    saving += s.f.saving;
    reach = s.end;
    lastZero = s.start === s.end;
  }
  edits.sort((x, y) => x.start - y.start);
  return edits.length ? { edits, saving } : null;
}

/** Applies offset edits (non-overlapping) to a text: for tests, the CLI and previews. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}
