// Spend from agent usage records: the `tokenomics report` shape, and today's / this week's meter.
import type { Catalog } from './catalog';
import { requestCost } from './cost';
import type { Agent, RateLimits, UsageRecord } from './agents/records';

/** Token and cost totals of a group of requests. `inputTokens` is uncached input. */
export interface Totals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  requests: number;
  costUSD: number;
}

export interface UsageReport {
  range: { since: string | null; until: string | null; timezone: string };
  totals: Totals;
  days: ({ date: string } & Totals)[];
  models: ({ model: string } & Totals)[];
  agents: ({ agent: Agent } & Totals)[];
  projects: ({ project: string } & Totals)[];
  sessions: ({ agent: Agent; sessionId: string; project: string } & Totals)[];
  skipped: { malformedLines: number; unpricedRequests: number };
}

export interface ReportOptions {
  /** Inclusive calendar dates (YYYY-MM-DD) in `timezone`. */
  since?: string;
  until?: string;
  timezone: string;
  malformedLines?: number;
}

// ---- time zones -------------------------------------------------------------------------------------

export function isValidTimeZone(tz: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

export function defaultTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz && isValidTimeZone(tz)) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const SLOT_MS = 15 * 60_000; // every UTC offset in use is a multiple of 15 minutes
const keyers = new Map<string, (ts: number) => string>();

/** Calendar date (YYYY-MM-DD) of an instant in a time zone, DST-correct; cached per 15 minutes. */
export function dayKeyer(timezone: string): (ts: number) => string {
  let k = keyers.get(timezone);
  if (k) return k;
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  k = ts => {
    const slot = Math.floor(ts / SLOT_MS);
    let d = cache.get(slot);
    if (d === undefined) {
      const p: Record<string, string> = {};
      for (const part of fmt.formatToParts(slot * SLOT_MS)) p[part.type] = part.value;
      d = `${p.year}-${p.month}-${p.day}`;
      cache.set(slot, d);
    }
    return d;
  };
  keyers.set(timezone, k);
  return k;
}

export function isValidDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// ---- aggregation -------------------------------------------------------------------------------------

class Acc {
  input = 0; output = 0; cacheCreation = 0; cacheRead = 0; requests = 0; cost = 0; unpriced = 0;
  add(r: UsageRecord, cost: number | null): void {
    const u = r.usage;
    this.input += u.input; this.output += u.output; this.cacheRead += u.cacheRead;
    this.cacheCreation += u.cacheWrite5m + u.cacheWrite1h;
    this.requests++;
    if (cost === null) this.unpriced++; else this.cost += cost;
  }
  totals(): Totals {
    return { inputTokens: this.input, outputTokens: this.output, cacheCreationTokens: this.cacheCreation, cacheReadTokens: this.cacheRead,
      totalTokens: this.input + this.output + this.cacheCreation + this.cacheRead, requests: this.requests,
      costUSD: Math.round(this.cost * 1e6) / 1e6 };
  }
}

function group<K>(m: Map<string, { meta: K; acc: Acc }>, key: string, meta: () => K): Acc {
  let g = m.get(key);
  if (!g) { g = { meta: meta(), acc: new Acc() }; m.set(key, g); }
  return g.acc;
}

/** Cost of a record; null when its model is unpriced. */
function coster(catalog: Catalog): (r: UsageRecord) => number | null {
  return r => requestCost(catalog.resolve(r.model), r.usage);
}

const byCost = (a: Totals, b: Totals) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens;

export function buildReport(records: readonly UsageRecord[], catalog: Catalog, opts: ReportOptions): UsageReport {
  const day = dayKeyer(opts.timezone);
  const cost = coster(catalog);
  const total = new Acc();
  const days = new Map<string, { meta: string; acc: Acc }>();
  const models = new Map<string, { meta: string; acc: Acc }>();
  const agents = new Map<string, { meta: Agent; acc: Acc }>();
  const projects = new Map<string, { meta: string; acc: Acc }>();
  const sessions = new Map<string, { meta: { agent: Agent; sessionId: string; project: string }; acc: Acc }>();
  for (const r of records) {
    const d = day(r.timestamp);
    if ((opts.since && d < opts.since) || (opts.until && d > opts.until)) continue;
    const c = cost(r);
    total.add(r, c);
    group(days, d, () => d).add(r, c);
    group(models, r.model, () => r.model).add(r, c);
    group(agents, r.agent, () => r.agent).add(r, c);
    group(projects, r.project, () => r.project).add(r, c);
    group(sessions, `${r.agent}\0${r.sessionId}`, () => ({ agent: r.agent, sessionId: r.sessionId, project: r.project })).add(r, c);
  }
  return {
    range: { since: opts.since ?? null, until: opts.until ?? null, timezone: opts.timezone },
    totals: total.totals(),
    days: [...days.values()].map(g => ({ date: g.meta, ...g.acc.totals() })).sort((a, b) => (a.date < b.date ? -1 : 1)),
    models: [...models.values()].map(g => ({ model: g.meta, ...g.acc.totals() })).sort(byCost),
    agents: [...agents.values()].map(g => ({ agent: g.meta, ...g.acc.totals() })).sort(byCost),
    projects: [...projects.values()].map(g => ({ project: g.meta, ...g.acc.totals() })).sort(byCost),
    sessions: [...sessions.values()].map(g => ({ ...g.meta, ...g.acc.totals() })).sort(byCost),
    skipped: { malformedLines: opts.malformedLines ?? 0, unpricedRequests: total.unpriced },
  };
}

// ---- the spend meter ----------------------------------------------------------------------------------

export interface SpendBreakdown {
  totals: Totals;
  unpricedRequests: number;
  byAgent: ({ agent: Agent } & Totals)[];
  byModel: ({ model: string } & Totals)[];
  /** Cache reads over everything read as prompt; null when nothing was read. */
  cacheHitRatio: number | null;
}

export interface ActiveSession {
  agent: Agent;
  sessionId: string;
  project: string;
  model: string;
  /** Epoch ms of its latest request. */
  lastActive: number;
  /** Context size of its latest request. */
  contextTokens: number;
  contextWindow: number | null;
  /** contextTokens / contextWindow; null when the window is unknown. */
  contextShare: number | null;
  /** What its latest request cost; null when the model is unpriced. */
  lastRequestCostUSD: number | null;
}

export interface SpendSummary {
  timezone: string;
  today: string;
  weekStart: string;
  todaySpend: SpendBreakdown;
  weekSpend: SpendBreakdown;
  /** The newest rate limits Codex reported, if any. */
  rateLimits: (RateLimits & { reportedAt: number }) | null;
  activeSession: ActiveSession | null;
}

export interface SummaryOptions {
  timezone: string;
  now?: number;
  /** 0 = Sunday … 6 = Saturday; Monday by default. */
  weekStartsOn?: number;
  /** Workspace folders: a session whose cwd is inside one of them is preferred as the active one. */
  preferProjects?: readonly string[];
}

function breakdown(records: readonly UsageRecord[], cost: (r: UsageRecord) => number | null): SpendBreakdown {
  const total = new Acc();
  const agents = new Map<string, { meta: Agent; acc: Acc }>();
  const models = new Map<string, { meta: string; acc: Acc }>();
  for (const r of records) {
    const c = cost(r);
    total.add(r, c);
    group(agents, r.agent, () => r.agent).add(r, c);
    group(models, r.model, () => r.model).add(r, c);
  }
  const read = total.input + total.cacheRead + total.cacheCreation;
  return {
    totals: total.totals(), unpricedRequests: total.unpriced,
    byAgent: [...agents.values()].map(g => ({ agent: g.meta, ...g.acc.totals() })).sort(byCost),
    byModel: [...models.values()].map(g => ({ model: g.meta, ...g.acc.totals() })).sort(byCost),
    cacheHitRatio: read > 0 ? total.cacheRead / read : null,
  };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function inside(project: string, folders: readonly string[]): boolean {
  return folders.some(f => project === f || project.startsWith(f.endsWith('/') || f.endsWith('\\') ? f : f + '/') || project.startsWith(f + '\\'));
}

export function spendSummary(records: readonly UsageRecord[], catalog: Catalog, opts: SummaryOptions): SpendSummary {
  const now = opts.now ?? Date.now();
  const day = dayKeyer(opts.timezone);
  const today = day(now);
  const weekday = WEEKDAYS.indexOf(new Intl.DateTimeFormat('en-US', { timeZone: opts.timezone, weekday: 'short' }).format(now));
  const weekStart = addDays(today, -((weekday - (opts.weekStartsOn ?? 1) + 7) % 7));
  const cost = coster(catalog);
  const todays: UsageRecord[] = [], weeks: UsageRecord[] = [];
  let limits: UsageRecord | null = null, latest: UsageRecord | null = null, latestPreferred: UsageRecord | null = null;
  const prefer = opts.preferProjects ?? [];
  for (const r of records) {
    const d = day(r.timestamp);
    if (d >= weekStart && d <= today) { weeks.push(r); if (d === today) todays.push(r); }
    if (r.rateLimits && (!limits || r.timestamp > limits.timestamp)) limits = r;
    // a sub-agent's own small context says nothing about how full the main conversation is
    if (/[\\/]subagents[\\/]/.test(r.file)) continue;
    if (!latest || r.timestamp > latest.timestamp) latest = r;
    if (prefer.length && inside(r.project, prefer) && (!latestPreferred || r.timestamp > latestPreferred.timestamp)) latestPreferred = r;
  }
  const active = latestPreferred ?? latest;
  let activeSession: ActiveSession | null = null;
  if (active) {
    const window = catalog.resolve(active.model)?.contextWindow ?? null;
    activeSession = {
      agent: active.agent, sessionId: active.sessionId, project: active.project, model: active.model, lastActive: active.timestamp,
      contextTokens: active.contextTokens, contextWindow: window, contextShare: window ? active.contextTokens / window : null,
      lastRequestCostUSD: cost(active),
    };
  }
  return {
    timezone: opts.timezone, today, weekStart,
    todaySpend: breakdown(todays, cost), weekSpend: breakdown(weeks, cost),
    rateLimits: limits?.rateLimits ? { ...limits.rateLimits, reportedAt: limits.timestamp } : null,
    activeSession,
  };
}
