// The `tokenomics report` shape: spend by day, model, agent, project and session, computed straight
// from columns (see `columns.ts`) so a warm report from the persisted index makes no object per request.
import type { Catalog, ModelInfo } from '../catalog';
import type { Basis } from '../agents/adapter';
import { adapterOf, isAgentId } from '../agents/index';
import type { AgentId, UsageRecord } from '../agents/records';
import { SkipCounts, orderedSkips } from '../agents/skipReasons';
import { dayName, dayNumberer, dayNumberOf, isUtc, SLOT_MS } from '../time';
import { BASIS_CODES, COLUMNS, COLUMNS_PER_ROW, FLAG_AGGREGATE, SEARCH_SHIFT, UsageColumns, basisCodeOf, columnsOf } from './columns';
import { byCost, Totals } from './totals';

export interface UsageReport {
  range: { since: string | null; until: string | null; timezone: string };
  totals: Totals;
  days: ({ date: string } & Totals)[];
  models: ({ model: string } & Totals)[];
  /** Each agent's totals, and where its numbers come from (`exact`, `lower-bound`, `estimate`). */
  agents: ({ agent: AgentId } & Totals & { basis: Basis })[];
  projects: ({ project: string } & Totals)[];
  sessions: ({ agent: AgentId; sessionId: string; project: string } & Totals)[];
  /** `byReason`: every line that looked like a request and was not counted, by stable reason id (see skipReasons.ts). */
  skipped: { malformedLines: number; unpricedRequests: number; byReason: SkipCounts };
  /** Where the totals come from (`totals.basis`): `estimate` if any part is, else `lower-bound` if any part is. */
  basis: Basis;
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

// the row layout of `UsageColumns.ints`, as local constants for the hot loop
const COL_INPUT = 0, COL_OUTPUT = 1, COL_CACHE_READ = 2, COL_CACHE_WRITE_5M = 3, COL_CACHE_WRITE_1H = 4,
  COL_MODEL = 6, COL_SESSION = 7, COL_PROJECT = 8, COL_FLAGS = 9, COL_SLOT = 10, ROW = 11;
if (ROW !== COLUMNS_PER_ROW || COL_INPUT !== COLUMNS.input || COL_OUTPUT !== COLUMNS.output || COL_CACHE_READ !== COLUMNS.cacheRead
  || COL_CACHE_WRITE_5M !== COLUMNS.cacheWrite5m || COL_CACHE_WRITE_1H !== COLUMNS.cacheWrite1h || COL_MODEL !== COLUMNS.model
  || COL_SESSION !== COLUMNS.session || COL_PROJECT !== COLUMNS.project || COL_FLAGS !== COLUMNS.flags || COL_SLOT !== COLUMNS.slot) {
  throw new Error('report row layout differs from the columns');
}

export function buildReport(records: readonly UsageRecord[], catalog: Catalog, opts: ReportOptions): UsageReport {
  return buildReportFromColumns(columnsOf(records), catalog, opts);
}

// Accumulators of the columnar report: G numbers per group in a Float64Array.
const G_INPUT = 0, G_OUTPUT = 1, G_CACHE_READ = 2, G_CREATION = 3, G_REQUESTS = 4, G_COST = 5, G_UNPRICED = 6, G_BASIS = 7, G = 8;
// Cells of a run: C numbers per (model, price tier), tokens only, priced when the run ends. The tier
// after the model's last holds rows whose agent reported their cost (C_COST), added as reported.
const C_INPUT = 0, C_OUTPUT = 1, C_CACHE_READ = 2, C_W5 = 3, C_W1 = 4, C_REQUESTS = 5, C_SEARCHES = 6, C_BASIS = 7,
  C_COST = 8, C_SEEN = 9, C = 10;

function totalsAt(a: Float64Array, o: number): Totals {
  const input = a[o + G_INPUT]!, output = a[o + G_OUTPUT]!, creation = a[o + G_CREATION]!, cacheRead = a[o + G_CACHE_READ]!;
  return { inputTokens: input, outputTokens: output, cacheCreationTokens: creation, cacheReadTokens: cacheRead,
    totalTokens: input + output + creation + cacheRead, requests: a[o + G_REQUESTS]!,
    costUSD: Math.round(a[o + G_COST]! * 1e6) / 1e6, basis: BASIS_CODES[a[o + G_BASIS]!] ?? 'exact' };
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
  const utc = isUtc(opts.timezone);
  const since = opts.since ? dayNumberOf(opts.since) : -Infinity, until = opts.until ? dayNumberOf(opts.until) : Infinity;
  const { rows: which, ints, agents: agentCol, agentIds, strings, costs } = cols;
  const nStrings = strings.length, nAgents = Math.max(1, agentIds.length);
  // per agent and distinct model string: its prices, resolved once (undefined = not yet, null = unpriced);
  // an agent may bill at its own prices (Copilot), else the catalog's apply
  const models: (ModelInfo | null | undefined)[] = new Array(nAgents * nStrings);
  const ownPrices = agentIds.map(id => (isAgentId(id) ? adapterOf(id).prices : undefined));
  const resolve = (ai: number, mi: number): ModelInfo | null => ownPrices[ai]?.(strings[mi]!) ?? catalog.resolve(strings[mi]);
  let tiersPer = 3; // the catalog's longest tier list (Copilot's have one long-context tier at most), plus the reported-cost slot
  for (const m of catalog.all()) tiersPer = Math.max(tiersPer, m.longContext.length + 2);
  const total = new Float64Array(G);
  // groups in first-appearance order, so ties sort as they always did
  const dayIds = new Map<number, number>(), dayList: number[] = [];
  let dayAcc = new Float64Array(64 * G);
  const modelAcc = new Groups(nStrings), agentAcc = new Groups(nAgents), projectAcc = new Groups(nStrings);
  const sessionAcc = new Groups(nAgents * nStrings), sessionProject = new Int32Array(Math.max(1, nAgents * nStrings));
  const cells = new Float64Array(Math.max(1, nStrings) * tiersPer * C), touched: number[] = [];
  let runDay = NaN, runAgent = -1, runSession = -1, runProject = -1, dayAt = 0, lastSlot = -1, d = 0;
  // a basis code is its rank in BASIS_CODES, so combining bases is taking the largest code
  const add = (a: Float64Array, o: number, input: number, output: number, cacheRead: number, creation: number, requests: number, cost: number, priced: boolean, basis: number) => {
    if (basis > a[o + G_BASIS]!) a[o + G_BASIS] = basis;
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
      const model = models[runAgent * nStrings + mi]!;
      const input = cells[o + C_INPUT]!, output = cells[o + C_OUTPUT]!, cacheRead = cells[o + C_CACHE_READ]!;
      const w5 = cells[o + C_W5]!, w1 = cells[o + C_W1]!, requests = cells[o + C_REQUESTS]!;
      const reported = tier === tiersPer - 1;
      let cost = reported ? cells[o + C_COST]! : 0;
      if (!reported && model !== null) {
        const r = tier === 0 ? model.rates : model.longContext[tier - 1]!.rates;
        cost = (input * r.input + output * r.output + cacheRead * r.cacheRead + w5 * r.cacheWrite5m + w1 * r.cacheWrite1h) / 1e6
          + cells[o + C_SEARCHES]! * model.webSearchPerRequest;
      }
      const priced = reported || model !== null, creation = w5 + w1, basis = cells[o + C_BASIS]!;
      add(total, 0, input, output, cacheRead, creation, requests, cost, priced, basis);
      add(dayAcc, dayAt, input, output, cacheRead, creation, requests, cost, priced, basis);
      add(modelAcc.acc, modelAcc.at(mi), input, output, cacheRead, creation, requests, cost, priced, basis);
      add(agentAcc.acc, agentAt, input, output, cacheRead, creation, requests, cost, priced, basis);
      add(projectAcc.acc, projectAt, input, output, cacheRead, creation, requests, cost, priced, basis);
      add(sessionAcc.acc, sessionAt, input, output, cacheRead, creation, requests, cost, priced, basis);
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
    const mk = ai * nStrings + mi;
    let model = models[mk];
    if (model === undefined) model = models[mk] = resolve(ai, mi);
    const row = which[j]!, flags = ints[k + COL_FLAGS]!;
    const reportedCost = costs ? costs[row]! : NaN;
    // the price tier, as ratesFor() picks it: the last long-context threshold the prompt exceeds
    let tier = 0;
    if (reportedCost === reportedCost) tier = tiersPer - 1; // not NaN: the agent's own figure
    else if (model !== null && model.longContext.length !== 0) {
      const prompt = input + cacheRead + w5 + w1, lc = model.longContext;
      for (let t = 0; t < lc.length; t++) if (prompt > lc[t]!.threshold) tier = t + 1;
    }
    const cell = mi * tiersPer + tier, o = cell * C;
    if (cells[o + C_SEEN] === 0) { cells[o + C_SEEN] = 1; touched.push(cell); }
    if (tier === tiersPer - 1) cells[o + C_COST] = cells[o + C_COST]! + reportedCost;
    cells[o + C_INPUT] = cells[o + C_INPUT]! + input; cells[o + C_OUTPUT] = cells[o + C_OUTPUT]! + output;
    cells[o + C_CACHE_READ] = cells[o + C_CACHE_READ]! + cacheRead;
    cells[o + C_W5] = cells[o + C_W5]! + w5; cells[o + C_W1] = cells[o + C_W1]! + w1;
    // an aggregate row (Cline's deleted requests) adds tokens and cost, but no request
    if (!(flags & FLAG_AGGREGATE)) cells[o + C_REQUESTS] = cells[o + C_REQUESTS]! + 1;
    // web searches ride in the flags column's upper half, the basis in bits 9-10 (columns.ts)
    const searches = flags >>> SEARCH_SHIFT, basis = basisCodeOf(flags);
    if (searches) cells[o + C_SEARCHES] = cells[o + C_SEARCHES]! + searches;
    if (basis > cells[o + C_BASIS]!) cells[o + C_BASIS] = basis;
  }
  flush();
  const str = (i: number) => strings[i]!;
  const agentId = (i: number) => agentIds[i]!;
  // sessions listed agent by agent, each agent's in first-appearance order
  const sessionRows: ({ agent: AgentId; sessionId: string; project: string } & Totals)[] = [];
  for (const ai of agentAcc.order) {
    sessionAcc.order.forEach((sk, i) => {
      if (Math.floor(sk / nStrings) !== ai) return;
      sessionRows.push({ agent: agentId(ai), sessionId: str(sk % nStrings), project: str(sessionProject[sk]!), ...totalsAt(sessionAcc.acc, i * G) });
    });
  }
  return {
    range: { since: opts.since ?? null, until: opts.until ?? null, timezone: opts.timezone },
    totals: totalsAt(total, 0),
    days: dayList.map((day, i) => ({ date: dayName(day), ...totalsAt(dayAcc, i * G) })).sort((a, b) => (a.date < b.date ? -1 : 1)),
    models: modelAcc.rows('model', str).sort(byCost),
    agents: agentAcc.rows('agent', agentId).sort(byCost),
    projects: projectAcc.rows('project', str).sort(byCost),
    sessions: sessionRows.sort(byCost),
    skipped: { malformedLines: opts.malformedLines ?? 0, unpricedRequests: total[G_UNPRICED]!,
      byReason: orderedSkips({ ...opts.skippedByReason, unpriced: total[G_UNPRICED]! }) },
    basis: BASIS_CODES[total[G_BASIS]!] ?? 'exact',
  };
}
