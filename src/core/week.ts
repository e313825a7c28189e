// The weekly personal usage summary: what the week cost, where it went, what it bought and what was
// wasted. Pure over usage records, transcript facts and the catalog, so the engine, the CLI and tests
// compute the same numbers; the webview, Markdown, CSV and text only format them.
import path from 'node:path';
import { z } from 'zod';
import type { Catalog, ModelInfo, Tier } from './catalog';
import { promptTokens, ratesFor, requestCost, TokenUsage } from './cost';
import type { Agent, UsageRecord } from './agents/records';
import { ActivityCache, FileActivity, SessionActivity, mergeActivity } from './activity';
import { Totals, dayKeyer, isValidDate } from './report';
import { globToRegExp } from './prompt/glob';

export const WEEK_SUMMARY_VERSION = 1;
export type WeekStartsOn = 'monday' | 'sunday' | 'saturday';
const WEEKDAY_NUM: Record<WeekStartsOn, number> = { sunday: 0, monday: 1, saturday: 6 };

/** Share of the context window above which a session is bloated, and above which it is critical. */
export const BLOAT_WARN = 0.6;
export const BLOAT_CRITICAL = 0.85;
/** The size a bloated turn is compared against: the same turn after a compaction. */
export const COMPACTED_SHARE = 0.3;
/** A frontier request with less output than this is a small turn a cheaper tier could do. */
export const SMALL_TURN_OUTPUT = 1000;
/** A session whose last request wrote at least this much to the cache, never read back. */
export const LARGE_CACHE_WRITE = 20_000;
/** Tool-result size (estimated tokens) a capped command would keep. */
export const CAPPED_RESULT_TOKENS = 1000;

// ---- public shapes ----------------------------------------------------------------------------------

export interface QuotaSpec { name: string; projects: string[]; weeklyUSD: number }
export interface QuotaProblem { name: string; field: string; message: string }
export interface QuotaResult extends QuotaSpec { spentUSD: number; share: number; status: 'ok' | 'warning' | 'over'; sessions: number }

export interface InstructionFile { project: string; agent: Agent; path: string; tokens: number; approximate: boolean }

export interface WeekOptions {
  /** Any date inside the wanted week (YYYY-MM-DD in `timezone`, or an instant); the current week when absent. */
  weekStart?: string | Date;
  timezone: string;
  weekStartsOn?: WeekStartsOn;
  wasteThresholdUSD?: number;
  /** Raw `tokenomics.quotas`: validated here, invalid entries reported and ignored. */
  quotas?: unknown[];
  /** Project folder -> the name the user knows it by (a workspace folder's name). */
  projectNames?: Record<string, string>;
  /** Always-loaded instruction files per project, measured by `measureInstructionFiles`. */
  instructionFiles?: readonly InstructionFile[];
  warnAtPercent?: number;
  malformedLines?: number;
  /** "Now", for tests: decides the current week and whether a session may still be running. */
  now?: number;
}

export interface WeekRange {
  weekStart: string;
  /** Last calendar day of the week, inclusive. */
  weekEnd: string;
  days: string[];
  timezone: string;
  weekStartsOn: WeekStartsOn;
  /** Epoch ms of local midnight at the start and the end of the week. */
  startMs: number;
  endMs: number;
  /** 168, or 167 / 169 for a week with a daylight-saving change. */
  hours: number;
  previousWeek: string;
  nextWeek: string;
  isCurrent: boolean;
}

export interface Change { spendUSD: number; spendPercent: number | null; tokensPercent: number | null; requestsPercent: number | null; sessionsPercent: number | null }

export interface Headline {
  spendUSD: number; tokens: number; requests: number; sessions: number;
  previous: { spendUSD: number; tokens: number; requests: number; sessions: number };
  change: Change;
}

export interface DaySpend { date: string; costUSD: number; requests: number; tokens: number; byAgent: Partial<Record<Agent, number>> }
export interface DayRow extends Totals { date: string; agent: Agent; model: string }
export interface ModelRow extends Totals { model: string; tier: Tier | null; priced: boolean }
export interface ProjectRow extends Totals { project: string; name: string }

export interface CacheSection {
  /** Cache reads over everything read as prompt (uncached + cache read + cache write). */
  readShare: number | null;
  cacheReadTokens: number;
  promptTokens: number;
  cacheWriteTokens: number;
  /** What the cache reads would have cost at the full input price, minus what they cost. */
  savingsUSD: number;
  /** What the cache writes cost over plain input. */
  writePremiumUSD: number;
}

export interface SessionValue {
  agent: Agent; sessionId: string; project: string; projectName: string; model: string;
  start: number; end: number; durationMs: number;
  costUSD: number; requests: number; outputTokens: number; totalTokens: number;
  filesChanged: number; linesChanged: number; linesAdded: number; linesRemoved: number; commits: number; testRuns: number;
  costPerChangedLine: number | null;
  outputTokensPerChangedLine: number | null;
  file: string;
  maxContextShare: number | null;
}

export type WasteKind = 'repeated-reads' | 'big-tool-results' | 'unread-cache-writes' | 'retry-loops';
export interface WasteItem { sessionId: string; project: string; detail: string; count: number; tokens: number; costUSD: number }
export interface WasteFinding { kind: WasteKind; title: string; tokens: number; costUSD: number; fix: string; items: WasteItem[] }

export interface BloatSession {
  agent: Agent; sessionId: string; project: string; projectName: string; model: string;
  contextWindow: number; maxContextTokens: number; maxShare: number; level: 'warning' | 'critical';
  longTurns: number; longTurnsUSD: number; compactedUSD: number; savingsUSD: number;
}

export interface CheaperRow { model: string; alternative: string; requests: number; actualUSD: number; alternativeUSD: number; savingsUSD: number }

export interface InstructionCost extends InstructionFile { projectName: string; requests: number; model: string | null; costUSD: number | null }

export interface WeekSummary {
  version: number;
  generatedAt: number;
  range: WeekRange;
  headline: Headline;
  /** The same shape as `tokenomics report --json`'s totals. */
  totals: Totals;
  days: DaySpend[];
  /** One row per day × agent × model: the CSV export. */
  dayRows: DayRow[];
  models: ModelRow[];
  agents: ({ agent: Agent } & Totals)[];
  projects: ProjectRow[];
  cache: CacheSection;
  value: {
    sessions: SessionValue[];
    filesChanged: number; linesChanged: number; commits: number; testRuns: number;
    costPerChangedLine: number | null; outputTokensPerChangedLine: number | null;
    wasteThresholdUSD: number;
    wasteCandidates: SessionValue[];
  };
  waste: { findings: WasteFinding[]; tokens: number; costUSD: number };
  contextBloat: { sessions: BloatSession[]; longTurnsUSD: number; compactedUSD: number; savingsUSD: number; compactedShare: number };
  cheaperTier: { counterfactual: true; note: string; rows: CheaperRow[]; savingsUSD: number; smallTurnOutputTokens: number };
  instructionFiles: { files: InstructionCost[]; costUSD: number; note: string };
  topSessions: SessionValue[];
  quotas: QuotaResult[];
  quotaProblems: QuotaProblem[];
  skipped: { unpricedRequests: number; malformedLines: number };
}

// ---- calendar in a time zone -------------------------------------------------------------------------


export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
const weekdayOf = (date: string): number => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
};

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The time zone's UTC offset (ms) at an instant. */
export function offsetAt(tz: string, t: number): number {
  let fmt = offsetFormats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormats.set(tz, fmt);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(t)) p[part.type] = part.value;
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!, +p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/** Epoch ms of the first instant of a calendar day in a time zone (DST-correct). */
export function startOfDay(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetAt(tz, wall);
  // the offset at the guess may differ from the one at the answer; two rounds settle it
  for (let i = 0; i < 2; i++) t = wall - offsetAt(tz, t);
  // a day that starts inside a gap (midnight skipped) starts at the first valid instant after it
  if (dayKeyer(tz)(t) < date) t = wall - offsetAt(tz, t + 3_600_000);
  return t;
}

/** The week holding `at` (a date in tz or an instant), starting on `weekStartsOn`. */
export function weekRange(at: string | Date | number | undefined, tz: string, weekStartsOn: WeekStartsOn = 'monday', now = Date.now()): WeekRange {
  const day = dayKeyer(tz);
  const date = typeof at === 'string' ? at : day(at === undefined ? now : typeof at === 'number' ? at : at.getTime());
  if (!isValidDate(date)) throw new RangeError(`not a date: ${date}`);
  const start = addDays(date, -((weekdayOf(date) - WEEKDAY_NUM[weekStartsOn] + 7) % 7));
  const days = Array.from({ length: 7 }, (_, i) => addDays(start, i));
  const startMs = startOfDay(start, tz), endMs = startOfDay(addDays(start, 7), tz);
  const today = day(now);
  return {
    weekStart: start, weekEnd: days[6]!, days, timezone: tz, weekStartsOn, startMs, endMs,
    hours: Math.round((endMs - startMs) / 3_600_000),
    previousWeek: addDays(start, -7), nextWeek: addDays(start, 7),
    isCurrent: today >= start && today <= days[6]!,
  };
}

// ---- quotas -----------------------------------------------------------------------------------------

const QuotaSchema = z.object({
  name: z.string().trim().min(1),
  projects: z.array(z.string().trim().min(1)).min(1),
  weeklyUSD: z.number().positive().finite(),
});

/** Each quota's spend from per-project costs: the one rule the summary and the spend meter share. */
export function quotaSpend(specs: readonly QuotaSpec[], projectCosts: ReadonlyMap<string, number>): { spec: QuotaSpec; spentUSD: number; share: number; match: (project: string) => boolean }[] {
  return specs.map(spec => {
    const match = projectMatcher(spec.projects);
    let spentUSD = 0;
    for (const [project, cost] of projectCosts) if (match(project)) spentUSD += cost;
    return { spec, spentUSD, share: spentUSD / spec.weeklyUSD, match };
  });
}

/** Valid quotas, and each invalid entry by name (or position) and field. */
export function parseQuotas(raw: unknown): { quotas: QuotaSpec[]; problems: QuotaProblem[] } {
  const quotas: QuotaSpec[] = [], problems: QuotaProblem[] = [];
  if (raw === undefined || raw === null) return { quotas, problems };
  if (!Array.isArray(raw)) return { quotas, problems: [{ name: 'tokenomics.quotas', field: '*', message: 'must be a list of { name, projects, weeklyUSD }' }] };
  raw.forEach((entry, i) => {
    const r = QuotaSchema.safeParse(entry);
    const name = entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' && (entry as { name: string }).name.trim()
      ? (entry as { name: string }).name.trim() : `#${i + 1}`;
    if (r.success) {
      if (quotas.some(q => q.name === r.data.name)) problems.push({ name, field: 'name', message: 'duplicate quota name; this entry is ignored' });
      else quotas.push(r.data);
      return;
    }
    const issue = r.error.issues[0];
    problems.push({ name, field: issue?.path.length ? issue.path.join('.') : '*', message: issue?.message ?? 'invalid' });
  });
  return { quotas, problems };
}

function expandHome(p: string): string {
  const home = process.env.HOME || process.env.USERPROFILE || '';
  return p === '~' ? home : p.startsWith('~/') ? path.posix.join(home.replace(/\\/g, '/'), p.slice(2)) : p;
}

/** A project matches a glob when the glob matches its folder or any folder above it. */
export function projectMatcher(globs: readonly string[]): (project: string) => boolean {
  const res = globs.map(g => {
    const p = expandHome(g.replace(/\\/g, '/')).replace(/\/+$/, '');
    return [globToRegExp(p), globToRegExp(`${p}/**`)] as const;
  });
  const memo = new Map<string, boolean>();
  return project => {
    let hit = memo.get(project);
    if (hit === undefined) {
      const p = project.replace(/\\/g, '/');
      const base = p.slice(p.lastIndexOf('/') + 1);
      hit = res.some(([a, b], i) => a.test(p) || b.test(p) || (!globs[i]!.includes('/') && a.test(base)));
      memo.set(project, hit);
    }
    return hit;
  };
}

// ---- aggregation ------------------------------------------------------------------------------------

class Acc {
  input = 0; output = 0; cacheCreation = 0; cacheRead = 0; requests = 0; cost = 0; unpriced = 0;
  add(u: TokenUsage, cost: number | null): void {
    this.input += u.input; this.output += u.output; this.cacheRead += u.cacheRead;
    this.cacheCreation += u.cacheWrite5m + u.cacheWrite1h;
    this.requests++;
    if (cost === null) this.unpriced++; else this.cost += cost;
  }
  get tokens(): number { return this.input + this.output + this.cacheCreation + this.cacheRead; }
  totals(): Totals {
    return { inputTokens: this.input, outputTokens: this.output, cacheCreationTokens: this.cacheCreation, cacheReadTokens: this.cacheRead,
      totalTokens: this.tokens, requests: this.requests, costUSD: round6(this.cost) };
  }
}
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
function accOf<K>(m: Map<K, Acc>, k: K): Acc { let a = m.get(k); if (!a) m.set(k, (a = new Acc())); return a; }
const byCost = (a: Totals, b: Totals) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens;
const pct = (cur: number, prev: number): number | null => (prev > 0 ? ((cur - prev) / prev) * 100 : null);

interface Session {
  agent: Agent; sessionId: string; project: string;
  acc: Acc; models: Map<string, number>; files: Set<string>;
  start: number; end: number;
  records: UsageRecord[];
}

export function projectName(project: string, names?: Record<string, string>): string {
  if (names) {
    const exact = names[project];
    if (exact) return exact;
    // a session in a subfolder of a workspace folder belongs to it
    let best = '';
    for (const folder of Object.keys(names)) if (project.startsWith(folder + '/') || project.startsWith(folder + '\\')) if (folder.length > best.length) best = folder;
    if (best) return `${names[best]}${project.slice(best.length).replace(/\\/g, '/')}`;
  }
  const base = project.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
  return base || project;
}

const isSubagent = (file: string) => /[\\/]subagents[\\/]/.test(file);

/**
 * The summary of one week. `activity(file, agent)` returns a transcript's facts (an ActivityCache's
 * `get`); it is asked only for files that hold this week's requests, and only the facts timed inside
 * the week (in `opts.timezone`) are counted.
 */
export function buildWeek(records: readonly UsageRecord[], activity: (file: string, agent: Agent) => FileActivity | undefined, catalog: Catalog, opts: WeekOptions): WeekSummary {
  const now = opts.now ?? Date.now();
  const tz = opts.timezone;
  const range = weekRange(opts.weekStart, tz, opts.weekStartsOn ?? 'monday', now);
  const prevStart = startOfDay(range.previousWeek, tz);
  const threshold = opts.wasteThresholdUSD ?? 2;
  const names = opts.projectNames;
  const modelOf = (id: string) => catalog.resolve(id);
  const alternatives = new Map<string, ModelInfo | null>();
  const cheaperOf = (m: ModelInfo): ModelInfo | null => {
    let a = alternatives.get(m.id);
    if (a === undefined) { a = catalog.cheaperAlternatives(m)[0] ?? null; alternatives.set(m.id, a); }
    return a;
  };

  const total = new Acc(), prev = new Acc();
  const prevSessions = new Set<string>();
  const days = new Map<string, { acc: Acc; byAgent: Map<Agent, number> }>();
  const dayRows = new Map<string, { date: string; agent: Agent; model: string; acc: Acc }>();
  const models = new Map<string, Acc>(), agents = new Map<Agent, Acc>(), projects = new Map<string, Acc>();
  const sessions = new Map<string, Session>();
  const dayOf = dayKeyer(tz);
  let cacheSavings = 0, writePremium = 0;
  const cheaper = new Map<string, CheaperRow>();

  for (const r of records) {
    if (r.timestamp < prevStart || r.timestamp >= range.endMs) continue;
    const model = modelOf(r.model);
    const cost = requestCost(model, r.usage);
    if (r.timestamp < range.startMs) {
      prev.add(r.usage, cost);
      prevSessions.add(`${r.agent}\0${r.sessionId}`);
      continue;
    }
    const date = dayOf(r.timestamp);
    total.add(r.usage, cost);
    let d = days.get(date);
    if (!d) days.set(date, (d = { acc: new Acc(), byAgent: new Map() }));
    d.acc.add(r.usage, cost);
    d.byAgent.set(r.agent, (d.byAgent.get(r.agent) ?? 0) + (cost ?? 0));
    const rowKey = `${date}\0${r.agent}\0${r.model}`;
    let row = dayRows.get(rowKey);
    if (!row) dayRows.set(rowKey, (row = { date, agent: r.agent, model: r.model, acc: new Acc() }));
    row.acc.add(r.usage, cost);
    accOf(models, r.model).add(r.usage, cost);
    accOf(agents, r.agent).add(r.usage, cost);
    accOf(projects, r.project).add(r.usage, cost);
    const sk = `${r.agent}\0${r.sessionId}`;
    let s = sessions.get(sk);
    if (!s) sessions.set(sk, (s = { agent: r.agent, sessionId: r.sessionId, project: r.project, acc: new Acc(), models: new Map(), files: new Set(), start: r.timestamp, end: r.timestamp, records: [] }));
    s.acc.add(r.usage, cost);
    s.models.set(r.model, (s.models.get(r.model) ?? 0) + (cost ?? 0));
    s.files.add(r.file);
    if (r.timestamp < s.start) s.start = r.timestamp;
    if (r.timestamp > s.end) s.end = r.timestamp;
    if (!isSubagent(r.file)) { if (isSubagent(s.project) || s.records.length === 0) s.project = r.project; }
    s.records.push(r);

    if (model) {
      const rates = ratesFor(model, promptTokens(r.usage));
      cacheSavings += (r.usage.cacheRead * (rates.input - rates.cacheRead)) / 1e6;
      writePremium += (r.usage.cacheWrite5m * (rates.cacheWrite5m - rates.input) + r.usage.cacheWrite1h * (rates.cacheWrite1h - rates.input)) / 1e6;
      if (model.tier === 'frontier' && r.usage.output < SMALL_TURN_OUTPUT && cost !== null) {
        const alt = cheaperOf(model);
        const altCost = alt ? requestCost(alt, r.usage) : null;
        if (alt && altCost !== null) {
          const key = `${r.model}\0${alt.id}`;
          let c = cheaper.get(key);
          if (!c) cheaper.set(key, (c = { model: r.model, alternative: alt.id, requests: 0, actualUSD: 0, alternativeUSD: 0, savingsUSD: 0 }));
          c.requests++; c.actualUSD += cost; c.alternativeUSD += altCost;
        }
      }
    }
  }

  // ---- sessions: value and waste ----
  const facts = new Map<string, FileActivity | undefined>();
  const factsOf = (file: string, agent: Agent) => {
    if (!facts.has(file)) facts.set(file, activity(file, agent));
    return facts.get(file);
  };
  const values: SessionValue[] = [];
  const sessionActivity = new Map<string, SessionActivity>();
  const bloat: BloatSession[] = [];
  const unreadWrites: WasteItem[] = [];
  for (const [key, s] of sessions) {
    const parts = [...s.files].map(f => factsOf(f, s.agent)).filter((x): x is FileActivity => !!x);
    // only what happened this week: a session spanning two weeks reports each fact once, in its own week
    const act = mergeActivity(parts, range);
    sessionActivity.set(key, act);
    let topModel = '', topCost = -1;
    for (const [m, c] of s.models) if (c > topCost) { topModel = m; topCost = c; }
    const mainFile = [...s.files].find(f => !isSubagent(f)) ?? [...s.files][0] ?? '';
    const lines = act.linesChanged;
    const cost = round6(s.acc.cost);
    s.records.sort((a, b) => a.timestamp - b.timestamp);

    // context bloat
    let maxShare: number | null = null, maxTokens = 0, window = 0, longTurns = 0, longUSD = 0, compactUSD = 0;
    for (const r of s.records) {
      if (isSubagent(r.file)) continue;
      const m = modelOf(r.model);
      const w = m?.contextWindow;
      if (!m || !w) continue;
      const share = r.contextTokens / w;
      if (maxShare === null || share > maxShare) { maxShare = share; maxTokens = r.contextTokens; window = w; }
      if (share >= BLOAT_WARN) {
        const actual = requestCost(m, r.usage) ?? 0;
        const prompt = promptTokens(r.usage);
        const f = prompt > 0 ? Math.min(1, (COMPACTED_SHARE * w) / prompt) : 1;
        const compacted = requestCost(m, { input: Math.round(r.usage.input * f), output: r.usage.output, cacheRead: Math.round(r.usage.cacheRead * f),
          cacheWrite5m: Math.round(r.usage.cacheWrite5m * f), cacheWrite1h: Math.round(r.usage.cacheWrite1h * f) }) ?? 0;
        longTurns++; longUSD += actual; compactUSD += compacted;
      }
    }
    if (maxShare !== null && maxShare >= BLOAT_WARN) {
      bloat.push({ agent: s.agent, sessionId: s.sessionId, project: s.project, projectName: projectName(s.project, names), model: topModel,
        contextWindow: window, maxContextTokens: maxTokens, maxShare, level: maxShare >= BLOAT_CRITICAL ? 'critical' : 'warning',
        longTurns, longTurnsUSD: round6(longUSD), compactedUSD: round6(compactUSD), savingsUSD: round6(longUSD - compactUSD) });
    }

    // a session that ended right after a big cache write paid the write premium for nothing
    const mains = s.records.filter(r => !isSubagent(r.file));
    const last = mains[mains.length - 1];
    const lastWrite = last ? last.usage.cacheWrite5m + last.usage.cacheWrite1h : 0;
    const expired = last ? now - last.timestamp > (last.usage.cacheWrite1h > 0 ? 3_600_000 : 300_000) : false;
    if (last && lastWrite >= LARGE_CACHE_WRITE && expired) {
      const m = modelOf(last.model);
      if (m) {
        const rates = ratesFor(m, promptTokens(last.usage));
        const premium = (last.usage.cacheWrite5m * (rates.cacheWrite5m - rates.input) + last.usage.cacheWrite1h * (rates.cacheWrite1h - rates.input)) / 1e6;
        unreadWrites.push({ sessionId: s.sessionId, project: s.project, detail: `${lastWrite.toLocaleString('en-US')} tokens written on the last request (${m.id})`, count: 1, tokens: lastWrite, costUSD: round6(Math.max(0, premium)) });
      }
    }

    values.push({
      agent: s.agent, sessionId: s.sessionId, project: s.project, projectName: projectName(s.project, names), model: topModel,
      start: s.start, end: s.end, durationMs: s.end - s.start,
      costUSD: cost, requests: s.acc.requests, outputTokens: s.acc.output, totalTokens: s.acc.tokens,
      filesChanged: act.filesChanged.length, linesChanged: lines, linesAdded: act.linesAdded, linesRemoved: act.linesRemoved,
      commits: act.commits, testRuns: act.testRuns,
      costPerChangedLine: lines > 0 ? cost / lines : null,
      outputTokensPerChangedLine: lines > 0 ? s.acc.output / lines : null,
      file: mainFile, maxContextShare: maxShare,
    });
  }
  values.sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens);

  // ---- waste findings: tokens priced at the session's main model's input price ----
  const inputPrice = (v: SessionValue) => modelOf(v.model)?.rates.input ?? 0;
  const repeated: WasteItem[] = [], big: WasteItem[] = [], loops: WasteItem[] = [];
  for (const v of values) {
    const act = sessionActivity.get(`${v.agent}\0${v.sessionId}`)!;
    const price = inputPrice(v);
    for (const r of act.repeatedReads) {
      const extra = Math.round((r.tokens * (r.count - 1)) / r.count); // every read after the first
      repeated.push({ sessionId: v.sessionId, project: v.project, detail: r.path, count: r.count, tokens: extra, costUSD: round6((extra * price) / 1e6) });
    }
    for (const b of act.bigResults) {
      const extra = Math.max(0, b.tokens - CAPPED_RESULT_TOKENS);
      big.push({ sessionId: v.sessionId, project: v.project, detail: `${b.tool}${b.detail ? `: ${b.detail}` : ''}`, count: 1, tokens: extra, costUSD: round6((extra * price) / 1e6) });
    }
    for (const l of act.retryLoops) {
      loops.push({ sessionId: v.sessionId, project: v.project, detail: l.command, count: l.failures, tokens: l.tokens, costUSD: round6((l.tokens * price) / 1e6) });
    }
  }
  const finding = (kind: WasteKind, title: string, fix: string, items: WasteItem[]): WasteFinding => {
    items.sort((a, b) => b.costUSD - a.costUSD || b.tokens - a.tokens);
    return { kind, title, fix, items: items.slice(0, 20), tokens: items.reduce((n, i) => n + i.tokens, 0), costUSD: round6(items.reduce((n, i) => n + i.costUSD, 0)) };
  };
  const findings = [
    finding('repeated-reads', 'Same file read again and again', 'Keep the file in context or read only the lines you need (offset/limit) instead of re-reading the whole file.', repeated),
    finding('big-tool-results', 'Tool results over a few thousand tokens', 'Cap command output (pipe through `tail -n 50`, use quiet or summary reporters) so shell and test logs do not flood the context.', big),
    finding('unread-cache-writes', 'Cache writes never read back', 'Finish or clear a session before loading a large new context you will not follow up on: a cache write pays off only when a later turn reads it.', unreadWrites),
    finding('retry-loops', 'Retry loops', 'When a command fails twice, stop and change the approach (read the error, fix the cause) instead of letting the agent run it again.', loops),
  ].filter(f => f.items.length > 0);

  // ---- always-loaded instruction files ----
  const requestsByProject = new Map<string, { n: number; models: Map<string, number> }>();
  for (const s of sessions.values()) {
    for (const r of s.records) {
      let p = requestsByProject.get(`${r.project}\0${r.agent}`);
      if (!p) requestsByProject.set(`${r.project}\0${r.agent}`, (p = { n: 0, models: new Map() }));
      p.n++;
      p.models.set(r.model, (p.models.get(r.model) ?? 0) + 1);
    }
  }
  const instr: InstructionCost[] = (opts.instructionFiles ?? []).map(f => {
    const p = requestsByProject.get(`${f.project}\0${f.agent}`);
    let model: string | null = null, most = 0, cost = 0;
    for (const [m, n] of p?.models ?? []) {
      if (n > most) { most = n; model = m; }
      const info = modelOf(m);
      if (info) cost += (f.tokens * n * info.rates.input) / 1e6;
    }
    return { ...f, projectName: projectName(f.project, names), requests: p?.n ?? 0, model, costUSD: p ? round6(cost) : 0 };
  }).sort((a, b) => (b.costUSD ?? 0) - (a.costUSD ?? 0));

  // ---- quotas ----
  const { quotas: specs, problems } = parseQuotas(opts.quotas);
  const warnAt = (opts.warnAtPercent ?? 80) / 100;
  const projectCosts = new Map([...projects].map(([project, acc]) => [project, acc.cost] as [string, number]));
  const quotas: QuotaResult[] = quotaSpend(specs, projectCosts).map(({ spec: q, spentUSD, share, match }) => {
    let n = 0;
    for (const s of sessions.values()) if (match(s.project)) n++;
    return { ...q, spentUSD: round6(spentUSD), share, status: share >= 1 ? 'over' : share >= warnAt ? 'warning' : 'ok', sessions: n };
  });

  const lines = values.reduce((n, v) => n + v.linesChanged, 0);
  const totals = total.totals();
  const readable = total.input + total.cacheRead + total.cacheCreation;
  const cheaperRows = [...cheaper.values()].map(c => ({ ...c, actualUSD: round6(c.actualUSD), alternativeUSD: round6(c.alternativeUSD), savingsUSD: round6(c.actualUSD - c.alternativeUSD) }))
    .sort((a, b) => b.savingsUSD - a.savingsUSD);
  const wasteTotal = findings.reduce((n, f) => n + f.costUSD, 0);
  return {
    version: WEEK_SUMMARY_VERSION,
    generatedAt: now,
    range,
    headline: {
      spendUSD: totals.costUSD, tokens: totals.totalTokens, requests: totals.requests, sessions: sessions.size,
      previous: { spendUSD: round6(prev.cost), tokens: prev.tokens, requests: prev.requests, sessions: prevSessions.size },
      change: {
        spendUSD: round6(total.cost - prev.cost), spendPercent: pct(total.cost, prev.cost), tokensPercent: pct(total.tokens, prev.tokens),
        requestsPercent: pct(total.requests, prev.requests), sessionsPercent: pct(sessions.size, prevSessions.size),
      },
    },
    totals,
    days: range.days.map(date => {
      const d = days.get(date);
      return { date, costUSD: round6(d?.acc.cost ?? 0), requests: d?.acc.requests ?? 0, tokens: d?.acc.tokens ?? 0,
        byAgent: Object.fromEntries([...(d?.byAgent ?? [])].map(([a, c]) => [a, round6(c)])) };
    }),
    dayRows: [...dayRows.values()].map(r => ({ date: r.date, agent: r.agent, model: r.model, ...r.acc.totals() }))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0)),
    models: [...models].map(([model, a]) => { const m = modelOf(model); return { model, tier: m?.tier ?? null, priced: !!m, ...a.totals() }; }).sort(byCost),
    agents: [...agents].map(([agent, a]) => ({ agent, ...a.totals() })).sort(byCost),
    projects: [...projects].map(([project, a]) => ({ project, name: projectName(project, names), ...a.totals() })).sort(byCost),
    cache: {
      readShare: readable > 0 ? total.cacheRead / readable : null, cacheReadTokens: total.cacheRead, promptTokens: readable,
      cacheWriteTokens: total.cacheCreation, savingsUSD: round6(cacheSavings), writePremiumUSD: round6(writePremium),
    },
    value: {
      sessions: values,
      filesChanged: values.reduce((n, v) => n + v.filesChanged, 0), linesChanged: lines,
      commits: values.reduce((n, v) => n + v.commits, 0), testRuns: values.reduce((n, v) => n + v.testRuns, 0),
      costPerChangedLine: lines > 0 ? totals.costUSD / lines : null,
      outputTokensPerChangedLine: lines > 0 ? totals.outputTokens / lines : null,
      wasteThresholdUSD: threshold,
      wasteCandidates: values.filter(v => v.costUSD > threshold && v.linesChanged === 0 && v.filesChanged === 0),
    },
    waste: { findings, tokens: findings.reduce((n, f) => n + f.tokens, 0), costUSD: round6(wasteTotal) },
    contextBloat: {
      sessions: bloat.sort((a, b) => b.savingsUSD - a.savingsUSD),
      longTurnsUSD: round6(bloat.reduce((n, b) => n + b.longTurnsUSD, 0)), compactedUSD: round6(bloat.reduce((n, b) => n + b.compactedUSD, 0)),
      savingsUSD: round6(bloat.reduce((n, b) => n + b.savingsUSD, 0)), compactedShare: COMPACTED_SHARE,
    },
    cheaperTier: {
      counterfactual: true,
      note: `Counterfactual: frontier-model requests with under ${SMALL_TURN_OUTPUT.toLocaleString('en-US')} output tokens, priced as if the same tokens had gone to the family's cheaper tier. Not money you spent or will get back.`,
      rows: cheaperRows, savingsUSD: round6(cheaperRows.reduce((n, c) => n + c.savingsUSD, 0)), smallTurnOutputTokens: SMALL_TURN_OUTPUT,
    },
    instructionFiles: {
      files: instr, costUSD: round6(instr.reduce((n, f) => n + (f.costUSD ?? 0), 0)),
      note: 'Tokens of each file × this week\'s requests in its project × the model\'s input price (an upper bound: cached reads cost less). Counts for Claude and Gemini models are ≈ (o200k tokenizer).',
    },
    topSessions: values.slice(0, 5),
    quotas, quotaProblems: problems,
    skipped: { unpricedRequests: total.unpriced, malformedLines: opts.malformedLines ?? 0 },
  };
}

// ---- instruction files --------------------------------------------------------------------------------

export const INSTRUCTION_FILES = ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'];

/**
 * Always-loaded instruction files in the projects of this week's requests, measured with o200k
 * (marked ≈ for Claude and Gemini). `tokensOf` caches (e.g. `ActivityCache.fileTokens`).
 */
export async function measureInstructionFiles(projects: Iterable<string>, tokensOf: (file: string) => Promise<number | null>, agentsByProject?: Map<string, Set<Agent>>): Promise<InstructionFile[]> {
  const out: InstructionFile[] = [];
  for (const project of new Set(projects)) {
    if (!path.isAbsolute(project)) continue;
    const agents = agentsByProject?.get(project);
    for (const name of INSTRUCTION_FILES) {
      // each agent loads its own file: CLAUDE.md for Claude Code, AGENTS.md for Codex, GEMINI.md for Gemini
      const agent: Agent = name === 'CLAUDE.md' ? 'claude-code' : name === 'AGENTS.md' ? 'codex' : 'gemini';
      if (agents && !agents.has(agent)) continue;
      const file = path.join(project, name);
      const tokens = await tokensOf(file);
      if (tokens === null) continue;
      out.push({ project, agent, path: file, tokens, approximate: name !== 'AGENTS.md' });
    }
  }
  return out;
}

/** Projects with requests in the week of `range`, with the agents that worked in them. */
export function weekProjects(records: readonly UsageRecord[], range: WeekRange): Map<string, Set<Agent>> {
  const out = new Map<string, Set<Agent>>();
  for (const r of records) {
    if (r.timestamp < range.startMs || r.timestamp >= range.endMs) continue;
    let s = out.get(r.project);
    if (!s) out.set(r.project, (s = new Set()));
    s.add(r.agent);
  }
  return out;
}

/**
 * Everything the summary needs beyond the records: transcript facts from the cache, instruction files
 * measured (and cached) with o200k. The tokenizer loads only when an instruction file is new or changed.
 */
export async function computeWeek(records: readonly UsageRecord[], catalog: Catalog, cache: ActivityCache, opts: WeekOptions): Promise<WeekSummary> {
  const range = weekRange(opts.weekStart, opts.timezone, opts.weekStartsOn ?? 'monday', opts.now ?? Date.now());
  const projects = weekProjects(records, range);
  const count = async (text: string) => (await (await import('./tokenizer')).getCounter('o200k_base')).count(text);
  const instructionFiles = opts.instructionFiles ?? await measureInstructionFiles(projects.keys(), f => cache.fileTokens(f, count), projects);
  return buildWeek(records, (file, agent) => cache.get(file, agent), catalog, { ...opts, weekStart: range.weekStart, instructionFiles });
}
