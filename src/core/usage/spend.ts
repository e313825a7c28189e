// The spend meter's numbers: today and this week across agents, the newest plan rate limits, and the
// session whose context the warning watches.
import type { Catalog } from '../catalog';
import type { Basis } from '../agents/adapter';
import { basisOf } from '../agents/index';
import type { AgentId, RateLimits, UsageRecord } from '../agents/records';
import { recordCost } from './recordCost';
import { dayKeyer, weekRange, WeekStartsOn } from '../time';
import { Accumulator, accOf, byCost, Totals, totalsRows } from './totals';

export interface SpendBreakdown {
  totals: Totals;
  unpricedRequests: number;
  /** Each agent's totals and where they come from (a Copilot journal is a lower bound, Continue an estimate). */
  byAgent: ({ agent: AgentId; basis: Basis } & Totals)[];
  byModel: ({ model: string } & Totals)[];
  /** Where the totals come from: `estimate` if any part is, else `lower-bound` if any part is. */
  basis: Basis;
  /** Cache reads over everything read as prompt; null when nothing was read. */
  cacheHitRatio: number | null;
}

export interface ActiveSession {
  agent: AgentId;
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
  /** This week (`weekRange` of now): the same week the weekly summary shows. */
  weekStart: string;
  weekEnd: string;
  todaySpend: SpendBreakdown;
  weekSpend: SpendBreakdown;
  /** The newest rate limits Codex reported, if any. */
  rateLimits: (RateLimits & { reportedAt: number }) | null;
  activeSession: ActiveSession | null;
}

export interface SummaryOptions {
  timezone: string;
  now?: number;
  /** Monday by default. */
  weekStartsOn?: WeekStartsOn;
  /** Workspace folders: a session whose cwd is inside one of them is preferred as the active one. */
  preferProjects?: readonly string[];
  /** Plan usage the index kept from events that billed nothing (the usage index's `latestRateLimits()`). */
  rateLimits?: { at: number; limits: RateLimits } | null;
}

function breakdown(records: readonly UsageRecord[], cost: (r: UsageRecord) => number | null): SpendBreakdown {
  const total = new Accumulator();
  const agents = new Map<AgentId, Accumulator>(), models = new Map<string, Accumulator>();
  for (const r of records) {
    const c = cost(r), b = basisOf(r), request = !r.aggregate;
    total.add(r.usage, c, b, request);
    accOf(agents, r.agent).add(r.usage, c, b, request);
    accOf(models, r.model).add(r.usage, c, b, request);
  }
  const read = total.promptTokens;
  return {
    totals: total.totals(), unpricedRequests: total.unpriced, basis: total.basis,
    byAgent: totalsRows(agents, 'agent').sort(byCost),
    byModel: totalsRows(models, 'model').sort(byCost),
    cacheHitRatio: read > 0 ? total.cacheRead / read : null,
  };
}

/** True when `project` is one of `folders` or below one, with either separator (agents log both). */
export function inside(project: string, folders: readonly string[]): boolean {
  return folders.some(f => project === f || project.startsWith(f.endsWith('/') || f.endsWith('\\') ? f : f + '/') || project.startsWith(f + '\\'));
}

const PREFER_WINDOW_MS = 6 * 3_600_000;
const ACTIVE_WINDOW_MS = 12 * 3_600_000;

export function spendSummary(records: readonly UsageRecord[], catalog: Catalog, opts: SummaryOptions): SpendSummary {
  const now = opts.now ?? Date.now();
  const day = dayKeyer(opts.timezone);
  const today = day(now);
  const week = weekRange(now, opts.timezone, opts.weekStartsOn ?? 'monday', now);
  const cost = (r: UsageRecord) => recordCost(r, catalog);
  const todays: UsageRecord[] = [], weeks: UsageRecord[] = [];
  let limits: UsageRecord | null = null, latest: UsageRecord | null = null, latestPreferred: UsageRecord | null = null;
  const prefer = opts.preferProjects ?? [];
  for (const r of records) {
    if (r.timestamp >= week.startMs && r.timestamp < week.endMs) { weeks.push(r); if (day(r.timestamp) === today) todays.push(r); }
    if (r.rateLimits && (!limits || r.timestamp > limits.timestamp)) limits = r;
    // a sub-agent's own small context says nothing about how full the main conversation is
    if (/[\\/]subagents[\\/]/.test(r.file)) continue;
    if (!latest || r.timestamp > latest.timestamp) latest = r;
    if (prefer.length && inside(r.project, prefer) && (!latestPreferred || r.timestamp > latestPreferred.timestamp)) latestPreferred = r;
  }
  // The workspace's own session wins only while it is current: one from weeks ago must not hide the
  // session that is running now. And a session idle for half a day has no live context to warn about.
  const preferred = latestPreferred && latest && latest.timestamp - latestPreferred.timestamp <= PREFER_WINDOW_MS ? latestPreferred : null;
  const candidate = preferred ?? latest;
  const active = candidate && now - candidate.timestamp <= ACTIVE_WINDOW_MS ? candidate : null;
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
    timezone: opts.timezone, today, weekStart: week.weekStart, weekEnd: week.weekEnd,
    todaySpend: breakdown(todays, cost), weekSpend: breakdown(weeks, cost),
    rateLimits: opts.rateLimits && (!limits || opts.rateLimits.at >= limits.timestamp) ? { ...opts.rateLimits.limits, reportedAt: opts.rateLimits.at }
      : limits?.rateLimits ? { ...limits.rateLimits, reportedAt: limits.timestamp } : null,
    activeSession,
  };
}
