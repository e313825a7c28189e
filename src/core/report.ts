// Spend from agent usage records: the `tokenomics report` shape, and today's / this week's meter.
import type { Catalog, ModelInfo } from './catalog';
import { requestCost } from './cost';
import type { Agent, RateLimits, UsageRecord } from './agents/records';
import { SkipCounts, orderedSkips } from './agents/skipReasons';

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
  /** `byReason`: every line that looked like a request and was not counted, by stable reason id (see skipReasons.ts). */
  skipped: { malformedLines: number; unpricedRequests: number; byReason: SkipCounts };
}

export interface ReportOptions {
  /** Inclusive calendar dates (YYYY-MM-DD) in `timezone`. */
  since?: string;
  until?: string;
  timezone: string;
  malformedLines?: number;
  /** The usage index's `skippedByReason()`; unpriced requests are added from the report's own count. */
  skippedByReason?: SkipCounts;
}

// ---- time zones -------------------------------------------------------------------------------------

/** Zones that are UTC by definition: answered without Intl, whose first use loads ICU's zone data (~20 ms). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/GMT', 'GMT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/Greenwich', 'Greenwich']);

export function isValidTimeZone(tz: string): boolean {
  if (UTC_NAMES.has(tz)) return true;
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

export function defaultTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz && isValidTimeZone(tz)) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const DAY_MS = 86_400_000;
const SLOT_MS = 15 * 60_000; // every UTC offset in use is a multiple of 15 minutes
const dayNumberers = new Map<string, (ts: number) => number>();
const keyers = new Map<string, (ts: number) => string>();

/**
 * The local calendar day of an instant in a time zone, as days since 1970-01-01, DST-correct.
 * Intl is slow, so it is asked for the offset at both ends of each UTC day only; a day with a
 * transition is resolved per 15 minutes. UTC never touches Intl.
 */
export function dayNumberer(timezone: string): (ts: number) => number {
  let k = dayNumberers.get(timezone);
  if (k) return k;
  if (UTC_NAMES.has(timezone)) {
    k = ts => Math.floor(ts / DAY_MS);
    dayNumberers.set(timezone, k);
    return k;
  }
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const offsetAt = (t: number): number => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(t)) p[part.type] = part.value;
    const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!);
    return wall - Math.floor(t / 60_000) * 60_000;
  };
  const dayOffset = new Map<number, number | null>(); // UTC day -> its one offset, or null on a transition day
  const slotOffset = new Map<number, number>();
  let lo = 0, hi = 0, last = 0;
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
    // the local day is safe to reuse until the UTC day ends or the local one does, whichever is first
    lo = Math.max(utcDay * DAY_MS, local * DAY_MS - off);
    hi = Math.min(utcDay * DAY_MS + DAY_MS, local * DAY_MS + DAY_MS - off);
    if (dayOffset.get(utcDay) === null) { lo = Math.max(lo, Math.floor(ts / SLOT_MS) * SLOT_MS); hi = Math.min(hi, Math.floor(ts / SLOT_MS) * SLOT_MS + SLOT_MS); }
    last = local;
    return local;
  };
  dayNumberers.set(timezone, k);
  return k;
}

const dayNames = new Map<number, string>();
/** YYYY-MM-DD of a day number from `dayNumberer`. */
export function dayName(day: number): string {
  let name = dayNames.get(day);
  if (name === undefined) { name = new Date(day * DAY_MS).toISOString().slice(0, 10); dayNames.set(day, name); }
  return name;
}

/** Calendar date (YYYY-MM-DD) of an instant in a time zone, DST-correct. */
export function dayKeyer(timezone: string): (ts: number) => string {
  let k = keyers.get(timezone);
  if (k) return k;
  const num = dayNumberer(timezone);
  k = ts => dayName(num(ts));
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

/**
 * Requests as columns: what a report needs, without one object per request. The usage index hands
 * these out straight from its persisted form; `columnsOf` builds them from records.
 * Row `r` of `ints` is `ints[r * COLUMNS_PER_ROW + COL_*]`; strings are indexes into `strings`.
 */
export interface UsageColumns {
  /** The rows that count, in report order (one per request). */
  rows: ArrayLike<number>;
  /** Epoch ms per row. */
  times: ArrayLike<number>;
  ints: ArrayLike<number>;
  /** Index into AGENTS per row. */
  agents: ArrayLike<number>;
  strings: readonly string[];
}
// (module-local constants: an exported const is a property load in CommonJS output, even in hot loops)
const COL_INPUT = 0, COL_OUTPUT = 1, COL_CACHE_READ = 2, COL_CACHE_WRITE_5M = 3, COL_CACHE_WRITE_1H = 4,
  COL_CONTEXT = 5, COL_MODEL = 6, COL_SESSION = 7, COL_PROJECT = 8, COL_FLAGS = 9, COL_SLOT = 10, ROW = 11;
/** Column order within a row of `UsageColumns.ints`. */
export const COLUMNS = { input: COL_INPUT, output: COL_OUTPUT, cacheRead: COL_CACHE_READ, cacheWrite5m: COL_CACHE_WRITE_5M,
  cacheWrite1h: COL_CACHE_WRITE_1H, context: COL_CONTEXT, model: COL_MODEL, session: COL_SESSION, project: COL_PROJECT, flags: COL_FLAGS, slot: COL_SLOT } as const;
export const COLUMNS_PER_ROW = ROW;

/**
 * The UTC quarter hour of an instant. Every UTC offset and DST change in use falls on a quarter hour,
 * so the quarter hour decides the local day exactly, and as a small integer it is cheap to key on.
 */
export function slotOf(ts: number): number {
  const s = Math.floor(ts / SLOT_MS);
  return s >= 0 && s <= 0xffffffff ? s : 0;
}

const AGENT_IDS: readonly Agent[] = ['claude-code', 'codex', 'gemini'];

/** Columns of records, in their order. */
export function columnsOf(records: readonly UsageRecord[]): UsageColumns {
  const n = records.length;
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => { let i = ids.get(s); if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); } return i; };
  const times = new Float64Array(n), ints = new Float64Array(n * ROW), agents = new Uint8Array(n), rows = new Uint32Array(n);
  for (let i = 0, k = 0; i < n; i++, k += ROW) {
    const r = records[i]!, u = r.usage;
    rows[i] = i;
    times[i] = r.timestamp;
    agents[i] = Math.max(0, AGENT_IDS.indexOf(r.agent));
    ints[k + COL_INPUT] = u.input; ints[k + COL_OUTPUT] = u.output; ints[k + COL_CACHE_READ] = u.cacheRead;
    ints[k + COL_CACHE_WRITE_5M] = u.cacheWrite5m; ints[k + COL_CACHE_WRITE_1H] = u.cacheWrite1h; ints[k + COL_CONTEXT] = r.contextTokens;
    ints[k + COL_MODEL] = intern(r.model); ints[k + COL_SESSION] = intern(r.sessionId); ints[k + COL_PROJECT] = intern(r.project);
    ints[k + COL_FLAGS] = ((r.rank & 0xff) | (Math.min(r.webSearches ?? 0, 0xffff) << 16)) >>> 0; // web searches in the upper half, as the index stores them
    ints[k + COL_SLOT] = slotOf(r.timestamp);
  }
  return { rows, times, ints, agents, strings };
}

class Acc {
  input = 0; output = 0; cacheCreation = 0; cacheRead = 0; requests = 0; cost = 0; unpriced = 0;
  add(r: UsageRecord, cost: number | null): void {
    const u = r.usage;
    this.input += u.input; this.output += u.output; this.cacheRead += u.cacheRead;
    this.cacheCreation += u.cacheWrite5m + u.cacheWrite1h;
    this.requests++;
    if (cost === null) this.unpriced++; else this.cost += cost;
  }
  addTokens(input: number, output: number, cacheRead: number, cacheCreation: number, cost: number, priced: boolean): void {
    this.input += input; this.output += output; this.cacheRead += cacheRead; this.cacheCreation += cacheCreation;
    this.requests++;
    if (priced) this.cost += cost; else this.unpriced++;
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
  return r => requestCost(catalog.resolve(r.model), r.usage, r.webSearches);
}

const byCost = (a: Totals, b: Totals) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens;

function dayNumberOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

export function buildReport(records: readonly UsageRecord[], catalog: Catalog, opts: ReportOptions): UsageReport {
  return buildReportFromColumns(columnsOf(records), catalog, opts);
}

// Accumulators of the columnar report: G numbers per group in a Float64Array.
const G_INPUT = 0, G_OUTPUT = 1, G_CACHE_READ = 2, G_CREATION = 3, G_REQUESTS = 4, G_COST = 5, G_UNPRICED = 6, G = 7;
// Cells of a run: C numbers per (model, price tier), tokens only, priced when the run ends.
const C_INPUT = 0, C_OUTPUT = 1, C_CACHE_READ = 2, C_W5 = 3, C_W1 = 4, C_REQUESTS = 5, C_SEARCHES = 6, C = 7;

function totalsAt(a: Float64Array, o: number): Totals {
  const input = a[o + G_INPUT]!, output = a[o + G_OUTPUT]!, creation = a[o + G_CREATION]!, cacheRead = a[o + G_CACHE_READ]!;
  return { inputTokens: input, outputTokens: output, cacheCreationTokens: creation, cacheReadTokens: cacheRead,
    totalTokens: input + output + creation + cacheRead, requests: a[o + G_REQUESTS]!,
    costUSD: Math.round(a[o + G_COST]! * 1e6) / 1e6 };
}

/** Groups keyed by a small integer (a string index), listed in first-appearance order. */
class Groups {
  readonly acc: Float64Array;
  readonly slot: Int32Array;
  readonly order: number[] = [];
  constructor(keys: number) { this.acc = new Float64Array(Math.max(1, keys) * G); this.slot = new Int32Array(Math.max(1, keys)).fill(-1); }
  /** Offset of a key's accumulator in `acc`. */
  at(key: number): number {
    if (this.slot[key]! < 0) { this.slot[key] = this.order.length; this.order.push(key); }
    return this.slot[key]! * G;
  }
  rows<N extends string, V>(name: N, f: (key: number) => V): ({ [P in N]: V } & Totals)[] {
    return this.order.map((key, i) => ({ [name]: f(key), ...totalsAt(this.acc, i * G) }) as { [P in N]: V } & Totals);
  }
}

/**
 * `buildReport` over columns. Rows come in runs of one session, project and day (a transcript, in
 * time order): a row only adds its tokens to the cell of its model and price tier in the current
 * run; when the run ends each cell is priced once (cost is linear in tokens at fixed rates) and
 * added to the groups. A one-shot CLI runs this loop mostly before the JIT has optimized it, so the
 * per-row work is kept to a few small-integer additions.
 */
export function buildReportFromColumns(cols: UsageColumns, catalog: Catalog, opts: ReportOptions): UsageReport {
  const dayOfTs = dayNumberer(opts.timezone);
  const utc = UTC_NAMES.has(opts.timezone);
  const since = opts.since ? dayNumberOf(opts.since) : -Infinity, until = opts.until ? dayNumberOf(opts.until) : Infinity;
  const { rows: which, ints, agents: agentCol, strings } = cols;
  const nStrings = strings.length, nAgents = AGENT_IDS.length;
  // per distinct model string: its prices, resolved once (undefined = not yet, null = unpriced)
  const models: (ModelInfo | null | undefined)[] = new Array(nStrings);
  let tiersPer = 1;
  for (const m of catalog.all()) tiersPer = Math.max(tiersPer, m.longContext.length + 1);
  const total = new Float64Array(G);
  // groups in first-appearance order, so ties sort as they always did
  const dayIds = new Map<number, number>(), dayList: number[] = [];
  let dayAcc = new Float64Array(64 * G);
  const modelAcc = new Groups(nStrings), agentAcc = new Groups(nAgents), projectAcc = new Groups(nStrings);
  const sessionAcc = new Groups(nAgents * nStrings), sessionProject = new Int32Array(Math.max(1, nAgents * nStrings));
  const cells = new Float64Array(Math.max(1, nStrings) * tiersPer * C), touched: number[] = [];
  let runDay = NaN, runAgent = -1, runSession = -1, runProject = -1, dayAt = 0, lastSlot = -1, d = 0;
  const add = (a: Float64Array, o: number, input: number, output: number, cacheRead: number, creation: number, requests: number, cost: number, priced: boolean) => {
    a[o + G_INPUT] = a[o + G_INPUT]! + input; a[o + G_OUTPUT] = a[o + G_OUTPUT]! + output;
    a[o + G_CACHE_READ] = a[o + G_CACHE_READ]! + cacheRead; a[o + G_CREATION] = a[o + G_CREATION]! + creation;
    a[o + G_REQUESTS] = a[o + G_REQUESTS]! + requests;
    if (priced) a[o + G_COST] = a[o + G_COST]! + cost; else a[o + G_UNPRICED] = a[o + G_UNPRICED]! + requests;
  };
  const flush = () => {
    if (!touched.length) return;
    const sk = runAgent * nStrings + runSession;
    if (sessionAcc.slot[sk]! < 0) sessionProject[sk] = runProject;
    const sessionAt = sessionAcc.at(sk), agentAt = agentAcc.at(runAgent), projectAt = projectAcc.at(runProject);
    for (const cell of touched) {
      const o = cell * C, mi = Math.floor(cell / tiersPer), tier = cell % tiersPer;
      const model = models[mi]!;
      const input = cells[o + C_INPUT]!, output = cells[o + C_OUTPUT]!, cacheRead = cells[o + C_CACHE_READ]!;
      const w5 = cells[o + C_W5]!, w1 = cells[o + C_W1]!, requests = cells[o + C_REQUESTS]!;
      let cost = 0;
      if (model !== null) {
        const r = tier === 0 ? model.rates : model.longContext[tier - 1]!.rates;
        cost = (input * r.input + output * r.output + cacheRead * r.cacheRead + w5 * r.cacheWrite5m + w1 * r.cacheWrite1h) / 1e6
          + cells[o + C_SEARCHES]! * model.webSearchPerRequest;
      }
      const priced = model !== null, creation = w5 + w1;
      add(total, 0, input, output, cacheRead, creation, requests, cost, priced);
      add(dayAcc, dayAt, input, output, cacheRead, creation, requests, cost, priced);
      add(modelAcc.acc, modelAcc.at(mi), input, output, cacheRead, creation, requests, cost, priced);
      add(agentAcc.acc, agentAt, input, output, cacheRead, creation, requests, cost, priced);
      add(projectAcc.acc, projectAt, input, output, cacheRead, creation, requests, cost, priced);
      add(sessionAcc.acc, sessionAt, input, output, cacheRead, creation, requests, cost, priced);
      cells.fill(0, o, o + C);
    }
    touched.length = 0;
  };
  for (let j = 0, n = which.length; j < n; j++) {
    const k = which[j]! * ROW;
    const slot = ints[k + COL_SLOT]!;
    if (slot !== lastSlot) { lastSlot = slot; d = utc ? Math.floor(slot / 96) : dayOfTs(slot * SLOT_MS); }
    if (d < since || d > until) continue;
    const mi = ints[k + COL_MODEL]!, si = ints[k + COL_SESSION]!, pi = ints[k + COL_PROJECT]!, ai = agentCol[which[j]!]!;
    if (d !== runDay || si !== runSession || pi !== runProject || ai !== runAgent) {
      flush();
      if (d !== runDay) {
        let id = dayIds.get(d);
        if (id === undefined) {
          id = dayList.length; dayIds.set(d, id); dayList.push(d);
          if ((id + 1) * G > dayAcc.length) { const grown = new Float64Array(dayAcc.length * 2); grown.set(dayAcc); dayAcc = grown; }
        }
        dayAt = id * G;
      }
      runDay = d; runSession = si; runProject = pi; runAgent = ai;
    }
    const input = ints[k + COL_INPUT]!, output = ints[k + COL_OUTPUT]!, cacheRead = ints[k + COL_CACHE_READ]!;
    const w5 = ints[k + COL_CACHE_WRITE_5M]!, w1 = ints[k + COL_CACHE_WRITE_1H]!;
    let model = models[mi];
    if (model === undefined) model = models[mi] = catalog.resolve(strings[mi]);
    // the price tier, as ratesFor() picks it: the last long-context threshold the prompt exceeds
    let tier = 0;
    if (model !== null && model.longContext.length !== 0) {
      const prompt = input + cacheRead + w5 + w1, lc = model.longContext;
      for (let t = 0; t < lc.length; t++) if (prompt > lc[t]!.threshold) tier = t + 1;
    }
    const cell = mi * tiersPer + tier, o = cell * C;
    if (cells[o + C_REQUESTS] === 0) touched.push(cell);
    cells[o + C_INPUT] = cells[o + C_INPUT]! + input; cells[o + C_OUTPUT] = cells[o + C_OUTPUT]! + output;
    cells[o + C_CACHE_READ] = cells[o + C_CACHE_READ]! + cacheRead;
    cells[o + C_W5] = cells[o + C_W5]! + w5; cells[o + C_W1] = cells[o + C_W1]! + w1;
    cells[o + C_REQUESTS] = cells[o + C_REQUESTS]! + 1;
    const searches = ints[k + COL_FLAGS]! >>> 16;
    if (searches) cells[o + C_SEARCHES] = cells[o + C_SEARCHES]! + searches;
  }
  flush();
  const str = (i: number) => strings[i]!;
  const agentName = (i: number) => AGENT_IDS[i]!;
  // sessions listed agent by agent, each agent's in first-appearance order
  const sessionRows: ({ agent: Agent; sessionId: string; project: string } & Totals)[] = [];
  for (const ai of agentAcc.order) {
    sessionAcc.order.forEach((sk, i) => {
      if (Math.floor(sk / nStrings) !== ai) return;
      sessionRows.push({ agent: agentName(ai), sessionId: str(sk % nStrings), project: str(sessionProject[sk]!), ...totalsAt(sessionAcc.acc, i * G) });
    });
  }
  return {
    range: { since: opts.since ?? null, until: opts.until ?? null, timezone: opts.timezone },
    totals: totalsAt(total, 0),
    days: dayList.map((day, i) => ({ date: dayName(day), ...totalsAt(dayAcc, i * G) })).sort((a, b) => (a.date < b.date ? -1 : 1)),
    models: modelAcc.rows('model', str).sort(byCost),
    agents: agentAcc.rows('agent', agentName).sort(byCost),
    projects: projectAcc.rows('project', str).sort(byCost),
    sessions: sessionRows.sort(byCost),
    skipped: { malformedLines: opts.malformedLines ?? 0, unpricedRequests: total[G_UNPRICED]!,
      byReason: orderedSkips({ ...opts.skippedByReason, unpriced: total[G_UNPRICED]! }) },
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
  /** Plan usage the index kept from events that billed nothing (the usage index's `latestRateLimits()`). */
  rateLimits?: { at: number; limits: RateLimits } | null;
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
    timezone: opts.timezone, today, weekStart,
    todaySpend: breakdown(todays, cost), weekSpend: breakdown(weeks, cost),
    rateLimits: opts.rateLimits && (!limits || opts.rateLimits.at >= limits.timestamp) ? { ...opts.rateLimits.limits, reportedAt: opts.rateLimits.at }
      : limits?.rateLimits ? { ...limits.rateLimits, reportedAt: limits.timestamp } : null,
    activeSession,
  };
}
