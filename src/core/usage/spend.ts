// The spend meter's numbers: today and this week across agents, the newest plan rate limits, and the
// session whose context the warning watches.
import type { Catalog } from '../catalog';
import { Basis, combineBasis } from '../agents/adapter';
import { basisOf } from '../agents/index';
import type { AgentId, RateLimits, UsageRecord } from '../agents/records';
import { requestCost } from '../cost';
import { burnRates, BURN_WINDOW_MS, Burn, cacheWarmUntil, CLOCK_SKEW_MS } from '../leaks/live';
import { isClaudeSubagent } from '../leaks/streams';
import { recordCost } from './recordCost';
import { dayName, dayNumberer, dayNumberOf, weekRange, WeekRange, WeekStartsOn } from '../time';
import { Accumulator, accOf, byCost, Totals, totalsRows } from './totals';
import { StringTable } from './columns';

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
  /**
   * For a kept `SpendState`: the positions of the records that may differ from `older`, the list it was
   * given last (every row past its length appended); null when unknown. The usage index's `changesSince`:
   * without it the two lists are compared position by position (80,000 rows: about half a millisecond).
   */
  changesSince?: (older: readonly UsageRecord[]) => readonly number[] | null;
}

/** True when `project` is one of `folders` or below one, with either separator (agents log both). */
export function inside(project: string, folders: readonly string[]): boolean {
  return folders.some(f => project === f || project.startsWith(f.endsWith('/') || f.endsWith('\\') ? f : f + '/') || project.startsWith(f + '\\'));
}

const PREFER_WINDOW_MS = 6 * 3_600_000;
const ACTIVE_WINDOW_MS = 12 * 3_600_000;

/** The spend meter's numbers over `records`, from scratch (`SpendState` keeps them as the records change). */
export function spendSummary(records: readonly UsageRecord[], catalog: Catalog, opts: SummaryOptions): SpendSummary {
  return new SpendState().update(records, catalog, opts).summary;
}

/** What the spend meter shows besides the summary, from the same pass. */
export interface SpendView {
  summary: SpendSummary;
  /** This week's spend per project at the catalog's prices: what the quotas add up (`projectCosts`, `quotaStatus`). */
  projectCosts: Map<string, number>;
  /** The sessions running now, highest $/hour first (`burnRates`). */
  burn: Burn[];
  /** When the active session's prompt cache goes cold (`cacheWarmUntil` of its `mainStream`), if there is one. */
  cacheWarmUntil: number | null;
}

/** One local day of the week: its requests summed in the order of the list, as an append adds to them. */
class DaySums {
  total = new Accumulator();
  agents = new Map<AgentId, Accumulator>();
  models = new Map<string, Accumulator>();
  projects = new Map<string, number>();
  add(r: UsageRecord, cost: number, quotaCost: number): void {
    const c = Number.isNaN(cost) ? null : cost, b = basisOf(r), request = !r.aggregate;
    this.total.add(r.usage, c, b, request);
    accOf(this.agents, r.agent).add(r.usage, c, b, request);
    accOf(this.models, r.model).add(r.usage, c, b, request);
    if (!Number.isNaN(quotaCost)) this.projects.set(r.project, (this.projects.get(r.project) ?? 0) + quotaCost);
  }
}

function mergeInto(to: Accumulator, from: Accumulator): void {
  if (from.basis !== 'exact') to.basis = combineBasis(to.basis, from.basis);
  to.input += from.input; to.output += from.output; to.cacheRead += from.cacheRead; to.cacheCreation += from.cacheCreation;
  to.requests += from.requests; to.cost += from.cost; to.unpriced += from.unpriced;
}

/** The days' sums as one breakdown, day by day in order: the same sums whichever way the days were kept. */
function breakdownOf(days: readonly DaySums[]): SpendBreakdown {
  const total = new Accumulator();
  const agents = new Map<AgentId, Accumulator>(), models = new Map<string, Accumulator>();
  for (const d of days) {
    mergeInto(total, d.total);
    for (const [k, a] of d.agents) mergeInto(accOf(agents, k), a);
    for (const [k, a] of d.models) mergeInto(accOf(models, k), a);
  }
  const read = total.promptTokens;
  return {
    totals: total.totals(), unpricedRequests: total.unpriced, basis: total.basis,
    byAgent: totalsRows(agents, 'agent').sort(byCost),
    byModel: totalsRows(models, 'model').sort(byCost),
    cacheHitRatio: read > 0 ? total.cacheRead / read : null,
  };
}

/** Ids of (agent, session) pairs, without a string per request for the pair. */
class SessionIds {
  private readonly byAgent = new Map<string, Map<string, number>>();
  private count = 0;
  of(agent: string, sessionId: string): number {
    let m = this.byAgent.get(agent);
    if (!m) this.byAgent.set(agent, (m = new Map()));
    let i = m.get(sessionId);
    if (i === undefined) m.set(sessionId, (i = this.count++));
    return i;
  }
}

const MAIN = 1, RATE = 2;

/**
 * The position with the latest time among some positions (the first one on a tie, as a pass in list
 * order finds it), kept as positions change; `stale` when the change was the latest one itself
 * moving back or leaving, and only a pass can tell which is latest now.
 */
class Latest {
  pos = -1;
  at = -Infinity;
  stale = false;
  /** Position `i` now holds time `t` (null: it is no longer among these positions). */
  set(i: number, t: number | null): void {
    if (this.stale) return;
    if (i !== this.pos) { if (t !== null && (t > this.at || (t === this.at && i < this.pos))) { this.pos = i; this.at = t; } return; }
    if (t !== null && t >= this.at) this.at = t; else this.stale = true;
  }
  reset(): void { this.pos = -1; this.at = -Infinity; this.stale = false; }
}

function latestOf(a: Latest[], k: number): Latest {
  let l = a[k];
  while (a.length <= k) a.push(new Latest());
  return l ?? a[k]!;
}

/** Inserts `i` into the ascending positions `a` (absent from it). */
function insertSorted(a: number[], i: number): void {
  if (!a.length || a[a.length - 1]! < i) { a.push(i); return; }
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid]! < i) lo = mid + 1; else hi = mid; }
  a.splice(lo, 0, i);
}

function removeSorted(a: number[], i: number): void {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (a[mid]! < i) lo = mid + 1; else hi = mid; }
  if (a[lo] === i) a.splice(lo, 1);
}

/** The recent positions span this much either side of the instant they were listed at: the burn rates' hour stays inside for two hours. */
const RECENT_SPAN_MS = 3 * BURN_WINDOW_MS;
/** Past this many positions the recent list is built again around the new now. */
const RECENT_MAX = 16_384;

/**
 * The spend meter's numbers kept while the records change, so that a change costs what changed, not a
 * pass over every request (80,000 of them: 15-25 ms). Per request, what the summary looks at is kept
 * by its position in the list, in typed arrays (time, sub-agent or not, rate limits, ids of its
 * project, session and file, its day of the week and its two costs); the week's sums per local day,
 * with each day's positions; the latest request overall, of the preferred folders, with rate limits,
 * of each session and of each file; and the positions of the last hours.
 *
 * `update` compares the list it is given with the last one by identity, position by position, or takes
 * the positions that changed from the index (`changesSince`; the usage index never changes a list it
 * handed out: an append makes a new list with the old rows first, a better copy of a request takes
 * its position): a request appended is added to its day's sums, any
 * other change makes its day's sums be built again from that day's requests, in list order. Those sums
 * are always built in list order and combined day by day, whether kept or built from scratch, so a
 * kept state gives exactly what a fresh one gives (`spendSummary`); the latest requests are what a
 * pass in list order finds (a pass runs when the latest one itself moved back or went).
 */
export class SpendState {
  private list: readonly UsageRecord[] = [];
  private n = 0;
  private times = new Float64Array(0);
  private bits = new Uint8Array(0);
  private project = new Int32Array(0);
  private session = new Int32Array(0);
  private file = new Int32Array(0);
  /** The request's day in the week (0-6), -1 outside it. */
  private day = new Int8Array(0);
  /** What it cost (`recordCost`), NaN when unpriced; set for requests inside the week only. */
  private cost = new Float64Array(0);
  /** What it cost at the catalog's prices (the quotas' rule), NaN when unpriced; inside the week only. */
  private quotaCost = new Float64Array(0);
  // small integer ids for the files and projects that requests repeat
  private readonly files = new StringTable(1);
  private readonly projects = new StringTable(1);
  private readonly sessions = new SessionIds();
  /** Per file id: 1 unless a sub-agent's transcript (its small context says nothing of the main one). */
  private readonly fileMain: number[] = [];
  /** Per project id: 1 when inside one of the preferred folders. */
  private preferred: number[] = [];
  private preferKey: string | null = null;
  private prefer: readonly string[] = [];
  private catalog: Catalog | null = null;
  private weekKey = '';
  private week: WeekRange | null = null;
  private firstDay = 0;
  private dayOf: (ts: number) => number = () => 0;
  private readonly days: DaySums[] = [];
  private readonly stale: boolean[] = [];
  /** Each day's positions, ascending. */
  private readonly dayPositions: number[][] = Array.from({ length: 7 }, () => []);
  private readonly latest = new Latest();
  private readonly latestPreferred = new Latest();
  private readonly latestLimits = new Latest();
  /** The latest request outside sub-agents per session id, and the latest request per file id. */
  private readonly latestOfSession: Latest[] = [];
  private readonly latestOfFile: Latest[] = [];
  /** Every position stamped in [recentFrom, recentUntil], ascending: the burn rates' last hour is among them. */
  private recent: number[] = [];
  private recentFrom = Infinity;
  private recentUntil = -Infinity;

  update(records: readonly UsageRecord[], catalog: Catalog, opts: SummaryOptions): SpendView {
    const now = opts.now ?? Date.now();
    const tz = opts.timezone, num = dayNumberer(tz);
    const weekKey = `${tz}\0${opts.weekStartsOn ?? 'monday'}\0${num(now)}`;
    if (weekKey !== this.weekKey || catalog !== this.catalog) {
      const week = weekRange(now, tz, opts.weekStartsOn ?? 'monday', now);
      const moved = !this.week || week.startMs !== this.week.startMs || week.endMs !== this.week.endMs || tz !== this.week.timezone;
      this.weekKey = weekKey;
      this.week = week;
      this.dayOf = num;
      this.firstDay = dayNumberOf(week.weekStart);
      // another week, another clock or other prices: every request's day and costs again (rare), the rest stays
      if (moved || catalog !== this.catalog) {
        this.catalog = catalog;
        for (const p of this.dayPositions) p.length = 0;
        for (let i = 0; i < this.n; i++) { this.place(i, this.list[i]!); const d = this.day[i]!; if (d >= 0) this.dayPositions[d]!.push(i); }
        for (let d = 0; d < 7; d++) this.stale[d] = true;
      }
    }
    const prefer = opts.preferProjects ?? [];
    const preferKey = prefer.join('\0');
    if (preferKey !== this.preferKey || prefer.length !== this.prefer.length) {
      this.preferKey = preferKey;
      this.prefer = [...prefer];
      this.preferred = this.projects.strings.map(p => (this.prefer.length && inside(p, this.prefer) ? 1 : 0));
      this.latestPreferred.stale = true;
    }
    this.sync(records, opts.changesSince);
    this.rebuildStaleDays();
    this.rescanLatest();
    return this.view(now, catalog, opts);
  }

  /** Takes the new list: what changed position by position (see the class comment). */
  private sync(records: readonly UsageRecord[], changesSince: SummaryOptions['changesSince']): void {
    if (records === this.list) return;
    const old = this.list, oldN = this.n, n = records.length, m = Math.min(oldN, n);
    this.reserve(n);
    const told = oldN && changesSince && n >= oldN ? changesSince(old) : null;
    let changed: Iterable<number>;
    if (told) changed = told.length > 1 ? new Set(told) : told;
    else {
      const at: number[] = [];
      for (let i = 0; i < m; i++) if (records[i] !== old[i]) at.push(i);
      changed = at;
      // a list built again in another order (a row inserted early shifts every later one): start
      // over, cheaper than moving each position between its days one by one
      if (at.length > 64 + (n >> 3)) { this.clear(); this.sync(records, undefined); return; }
    }
    for (const i of changed) if (i < m && records[i] !== old[i]) this.write(i, records[i]!, true);
    for (let i = m; i < oldN; i++) this.leave(i);
    if (n < oldN) this.recent = this.recent.filter(i => i < n);
    this.list = records;
    this.n = n;
    for (let i = m; i < n; i++) {
      const r = records[i]!;
      this.write(i, r, false);
      const d = this.day[i]!;
      // the newest position of its day: adding it is what building the day again would end with
      if (d >= 0 && !this.stale[d]) this.days[d]!.add(r, this.cost[i]!, this.quotaCost[i]!);
    }
  }

  /** Forgets every position: the next list is taken as appended whole. */
  private clear(): void {
    this.list = [];
    this.n = 0;
    for (const p of this.dayPositions) p.length = 0;
    for (let d = 0; d < 7; d++) this.stale[d] = true;
    this.latest.reset(); this.latestPreferred.reset(); this.latestLimits.reset();
    this.latestOfSession.length = 0;
    this.latestOfFile.length = 0;
    this.recent = [];
    this.recentFrom = Infinity;
    this.recentUntil = -Infinity;
  }

  /** Position `i` is gone (the list got shorter). */
  private leave(i: number): void {
    const d = this.day[i]!;
    if (d >= 0) { this.stale[d] = true; removeSorted(this.dayPositions[d]!, i); }
    this.latest.set(i, null); this.latestPreferred.set(i, null); this.latestLimits.set(i, null);
    this.latestOfSession[this.session[i]!]?.set(i, null);
    this.latestOfFile[this.file[i]!]?.set(i, null);
  }

  private rebuildStaleDays(): void {
    for (let d = 0; d < 7; d++) {
      if (!this.days[d]) this.stale[d] = true;
      if (!this.stale[d]) continue;
      const sums = this.days[d] = new DaySums();
      for (const i of this.dayPositions[d]!) sums.add(this.list[i]!, this.cost[i]!, this.quotaCost[i]!);
      this.stale[d] = false;
    }
  }

  /** A pass for the latest requests whose latest one moved back or went. */
  private rescanLatest(): void {
    const all = this.latest.stale, pref = this.latestPreferred.stale, lim = this.latestLimits.stale;
    if (!all && !pref && !lim) return;
    if (all) this.latest.reset();
    if (pref) this.latestPreferred.reset();
    if (lim) this.latestLimits.reset();
    const times = this.times, bits = this.bits, project = this.project, preferred = this.preferred;
    for (let i = 0; i < this.n; i++) {
      const t = times[i]!, b = bits[i]!;
      if (lim && b & RATE) this.latestLimits.set(i, t);
      if (!(b & MAIN)) continue;
      if (all) this.latest.set(i, t);
      if (pref && preferred[project[i]!]) this.latestPreferred.set(i, t);
    }
  }

  private reserve(n: number): void {
    if (n <= this.times.length) return;
    const cap = Math.max(n + 1024, this.times.length * 2);
    const grow = <T extends Float64Array | Uint8Array | Int32Array | Int8Array>(a: T, make: (k: number) => T): T => { const b = make(cap); b.set(a); return b; };
    this.times = grow(this.times, k => new Float64Array(k));
    this.bits = grow(this.bits, k => new Uint8Array(k));
    this.project = grow(this.project, k => new Int32Array(k));
    this.session = grow(this.session, k => new Int32Array(k));
    this.file = grow(this.file, k => new Int32Array(k));
    this.day = grow(this.day, k => new Int8Array(k));
    this.cost = grow(this.cost, k => new Float64Array(k));
    this.quotaCost = grow(this.quotaCost, k => new Float64Array(k));
  }

  /** Position `i` holds `r`: appended, or in place of another request (`replacing`). */
  private write(i: number, r: UsageRecord, replacing: boolean): void {
    const t = r.timestamp;
    const oldT = replacing ? this.times[i]! : -Infinity, oldDay = replacing ? this.day[i]! : -1;
    const oldSession = replacing ? this.session[i]! : -1, oldFile = replacing ? this.file[i]! : -1;
    this.times[i] = t;
    const f = this.files.id(r.file, 0);
    if (f === this.fileMain.length) this.fileMain.push(isClaudeSubagent(r.file) ? 0 : 1);
    this.file[i] = f;
    const main = this.fileMain[f] === 1;
    this.bits[i] = (main ? MAIN : 0) | (r.rateLimits ? RATE : 0);
    const p = this.projects.id(r.project, 0);
    if (p === this.preferred.length) this.preferred.push(this.prefer.length && inside(r.project, this.prefer) ? 1 : 0);
    this.project[i] = p;
    const s = this.sessions.of(r.agent, r.sessionId);
    this.session[i] = s;
    this.place(i, r);
    const d = this.day[i]!;
    if (replacing) {
      if (oldDay >= 0) this.stale[oldDay] = true;
      if (d >= 0) this.stale[d] = true;
      if (oldDay !== d) { if (oldDay >= 0) removeSorted(this.dayPositions[oldDay]!, i); if (d >= 0) insertSorted(this.dayPositions[d]!, i); }
      if (oldSession !== s) this.latestOfSession[oldSession]?.set(i, null);
      if (oldFile !== f) this.latestOfFile[oldFile]?.set(i, null);
      const wasRecent = oldT >= this.recentFrom && oldT <= this.recentUntil, isRecent = t >= this.recentFrom && t <= this.recentUntil;
      if (wasRecent && !isRecent) removeSorted(this.recent, i); else if (isRecent && !wasRecent) insertSorted(this.recent, i);
    } else {
      if (d >= 0) this.dayPositions[d]!.push(i);
      if (t >= this.recentFrom && t <= this.recentUntil) this.recent.push(i);
    }
    this.latest.set(i, main ? t : null);
    this.latestPreferred.set(i, main && this.preferred[p] ? t : null);
    this.latestLimits.set(i, r.rateLimits ? t : null);
    latestOf(this.latestOfSession, s).set(i, main ? t : null);
    latestOf(this.latestOfFile, f).set(i, t);
  }

  /** The request's day of the week and, inside the week, its costs. */
  private place(i: number, r: UsageRecord): void {
    const w = this.week!, t = r.timestamp;
    if (t >= w.startMs && t < w.endMs) {
      this.day[i] = Math.min(6, Math.max(0, this.dayOf(t) - this.firstDay));
      const catalog = this.catalog!;
      this.cost[i] = recordCost(r, catalog) ?? NaN;
      this.quotaCost[i] = requestCost(catalog.resolve(r.model), r.usage) ?? NaN;
    } else {
      this.day[i] = -1;
    }
  }

  private view(now: number, catalog: Catalog, opts: SummaryOptions): SpendView {
    const w = this.week!, list = this.list, times = this.times;
    const latest = this.latest.pos, latestPreferred = this.prefer.length ? this.latestPreferred.pos : -1, limits = this.latestLimits.pos;
    // The workspace's own session wins only while it is current: one from weeks ago must not hide the
    // session that is running now. And a session idle for half a day has no live context to warn about.
    const pick = latestPreferred >= 0 && latest >= 0 && times[latest]! - times[latestPreferred]! <= PREFER_WINDOW_MS ? latestPreferred : latest;
    const active = pick >= 0 && now - times[pick]! <= ACTIVE_WINDOW_MS ? list[pick]! : null;
    let activeSession: ActiveSession | null = null;
    let warm: number | null = null;
    if (active) {
      const window = catalog.resolve(active.model)?.contextWindow ?? null;
      activeSession = {
        agent: active.agent, sessionId: active.sessionId, project: active.project, model: active.model, lastActive: active.timestamp,
        contextTokens: active.contextTokens, contextWindow: window, contextShare: window ? active.contextTokens / window : null,
        lastRequestCostUSD: recordCost(active, catalog),
      };
      warm = this.warmUntil(this.session[pick]!, now);
    }
    // the last hour's requests, in list order: what `burnRates` over every record would pick
    const since = now - BURN_WINDOW_MS;
    if (since < this.recentFrom || now > this.recentUntil || this.recent.length > RECENT_MAX) {
      const from = this.recentFrom = now - RECENT_SPAN_MS, until = this.recentUntil = now + RECENT_SPAN_MS;
      this.recent = [];
      for (let i = 0; i < this.n; i++) { const t = times[i]!; if (t >= from && t <= until) this.recent.push(i); }
    }
    const hour: UsageRecord[] = [];
    for (const i of this.recent) { const t = times[i]!; if (t >= since && t <= now) hour.push(list[i]!); }
    const lim = limits >= 0 ? list[limits]! : null;
    const todayIndex = Math.min(6, Math.max(0, this.dayOf(now) - this.firstDay));
    const projectCosts = new Map<string, number>();
    for (const d of this.days) for (const [p, c] of d.projects) projectCosts.set(p, (projectCosts.get(p) ?? 0) + c);
    return {
      summary: {
        timezone: opts.timezone, today: dayName(this.dayOf(now)), weekStart: w.weekStart, weekEnd: w.weekEnd,
        todaySpend: breakdownOf([this.days[todayIndex]!]), weekSpend: breakdownOf(this.days),
        rateLimits: opts.rateLimits && (!lim || opts.rateLimits.at >= lim.timestamp) ? { ...opts.rateLimits.limits, reportedAt: opts.rateLimits.at }
          : lim?.rateLimits ? { ...lim.rateLimits, reportedAt: lim.timestamp } : null,
        activeSession,
      },
      projectCosts, burn: burnRates(hour, catalog, now), cacheWarmUntil: warm,
    };
  }

  /**
   * `cacheWarmUntil(mainStream(...))` of a session: its main transcript is the file of its latest
   * request outside sub-agents; the cache stays warm after that file's latest request (a pass over
   * the file's requests only when that one lies in the future of now).
   */
  private warmUntil(s: number, now: number): number | null {
    const ofSession = latestOf(this.latestOfSession, s);
    if (ofSession.stale) {
      ofSession.reset();
      for (let i = 0; i < this.n; i++) if (this.session[i] === s && this.bits[i]! & MAIN) ofSession.set(i, this.times[i]!);
    }
    if (ofSession.pos < 0) return null;
    const f = this.file[ofSession.pos]!;
    const ofFile = latestOf(this.latestOfFile, f);
    if (ofFile.stale) {
      ofFile.reset();
      for (let i = 0; i < this.n; i++) if (this.file[i] === f) ofFile.set(i, this.times[i]!);
    }
    if (ofFile.pos >= 0 && ofFile.at <= now + CLOCK_SKEW_MS) return cacheWarmUntil([this.list[ofFile.pos]!], now);
    const stream: UsageRecord[] = [];
    for (let i = 0; i < this.n; i++) if (this.file[i] === f) stream.push(this.list[i]!);
    return cacheWarmUntil(stream, now);
  }
}
