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

const DAY_MS = 86_400_000;
const SLOT_MS = 15 * 60_000; // every UTC offset in use is a multiple of 15 minutes
const keyers = new Map<string, (ts: number) => string>();

/**
 * Calendar date (YYYY-MM-DD) of an instant in a time zone, DST-correct. Intl is slow, so it is asked
 * for the offset at both ends of each UTC day only; a day with a transition is resolved per 15 minutes.
 */
export function dayKeyer(timezone: string): (ts: number) => string {
  let k = keyers.get(timezone);
  if (k) return k;
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const offsetAt = (t: number): number => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(t)) p[part.type] = part.value;
    const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!);
    return wall - Math.floor(t / 60_000) * 60_000;
  };
  const dayOffset = new Map<number, number | null>(); // UTC day -> its one offset, or null on a transition day
  const slotOffset = new Map<number, number>();
  const names = new Map<number, string>();
  let lo = 0, hi = 0, last = '';
  k = ts => {
    // records come mostly in time order: most hit the day of the previous one
    if (ts >= lo && ts < hi) return last;
    const utcDay = Math.floor(ts / DAY_MS);
    let off = dayOffset.get(utcDay);
    if (off === undefined) {
      const a = offsetAt(utcDay * DAY_MS), b = offsetAt(utcDay * DAY_MS + DAY_MS - 1);
      off = a === b ? a : null;
      dayOffset.set(utcDay, off);
    }
    if (off === null) {
      const slot = Math.floor(ts / SLOT_MS);
      off = slotOffset.get(slot);
      if (off === undefined) { off = offsetAt(slot * SLOT_MS); slotOffset.set(slot, off); }
    }
    const local = Math.floor((ts + off) / DAY_MS);
    let name = names.get(local);
    if (name === undefined) { name = new Date(local * DAY_MS).toISOString().slice(0, 10); names.set(local, name); }
    // the local day is safe to reuse until the UTC day ends or the local one does, whichever is first
    lo = Math.max(utcDay * DAY_MS, local * DAY_MS - off);
    hi = Math.min(utcDay * DAY_MS + DAY_MS, local * DAY_MS + DAY_MS - off);
    if (dayOffset.get(utcDay) === null) { lo = Math.max(lo, Math.floor(ts / SLOT_MS) * SLOT_MS); hi = Math.min(hi, Math.floor(ts / SLOT_MS) * SLOT_MS + SLOT_MS); }
    last = name;
    return name;
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

function accOf<K>(m: Map<K, Acc>, key: K): Acc {
  let a = m.get(key);
  if (!a) { a = new Acc(); m.set(key, a); }
  return a;
}

function rows<K, N extends string>(m: Map<K, Acc>, name: N): ({ [P in N]: K } & Totals)[] {
  return [...m].map(([k, a]) => ({ [name]: k, ...a.totals() }) as { [P in N]: K } & Totals);
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
  const days = new Map<string, Acc>(), models = new Map<string, Acc>(), agents = new Map<Agent, Acc>(), projects = new Map<string, Acc>();
  const sessions = new Map<Agent, Map<string, { project: string; acc: Acc }>>();
  for (const r of records) {
    const d = day(r.timestamp);
    if ((opts.since && d < opts.since) || (opts.until && d > opts.until)) continue;
    const c = cost(r);
    total.add(r, c);
    accOf(days, d).add(r, c);
    accOf(models, r.model).add(r, c);
    accOf(agents, r.agent).add(r, c);
    accOf(projects, r.project).add(r, c);
    let bySession = sessions.get(r.agent);
    if (!bySession) sessions.set(r.agent, (bySession = new Map()));
    let s = bySession.get(r.sessionId);
    if (!s) bySession.set(r.sessionId, (s = { project: r.project, acc: new Acc() }));
    s.acc.add(r, c);
  }
  return {
    range: { since: opts.since ?? null, until: opts.until ?? null, timezone: opts.timezone },
    totals: total.totals(),
    days: rows(days, 'date').sort((a, b) => (a.date < b.date ? -1 : 1)),
    models: rows(models, 'model').sort(byCost),
    agents: rows(agents, 'agent').sort(byCost),
    projects: rows(projects, 'project').sort(byCost),
    sessions: [...sessions].flatMap(([agent, m]) => [...m].map(([sessionId, s]) => ({ agent, sessionId, project: s.project, ...s.acc.totals() }))).sort(byCost),
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
  const agents = new Map<Agent, Acc>(), models = new Map<string, Acc>();
  for (const r of records) {
    const c = cost(r);
    total.add(r, c);
    accOf(agents, r.agent).add(r, c);
    accOf(models, r.model).add(r, c);
  }
  const read = total.input + total.cacheRead + total.cacheCreation;
  return {
    totals: total.totals(), unpricedRequests: total.unpriced,
    byAgent: rows(agents, 'agent').sort(byCost),
    byModel: rows(models, 'model').sort(byCost),
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
