// Requests as columns: what a report needs, without one object per request. The usage index hands
// these out straight from its persisted snapshot (whose rows use the same layout); `columnsOf`
// builds them from records.
import type { Basis } from '../agents/adapter';
import { basisOf } from '../agents/index';
import type { AgentId, UsageRecord } from '../agents/records';
import { SLOT_MS } from '../time';

/**
 * Row `r` of `ints` is `ints[r * COLUMNS_PER_ROW + COLUMNS.*]`; strings are indexes into `strings`.
 * A row's agent is `agentIds[agents[r]]`: the ids travel with the columns, so whoever builds the
 * columns and whoever reads them can never disagree about which agent a number means.
 */
export interface UsageColumns {
  /** The rows that count, in report order (one per request). */
  rows: ArrayLike<number>;
  /** Epoch ms per row. */
  times: ArrayLike<number>;
  ints: ArrayLike<number>;
  /** Index into `agentIds` per row. */
  agents: ArrayLike<number>;
  agentIds: readonly AgentId[];
  strings: readonly string[];
  /** USD the agent reported per row (Cline's `cost`), NaN where it reported none; absent when no row has one. */
  costs?: ArrayLike<number>;
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

/**
 * The flags column, as the index stores it: rank in bits 0-7, bit 8 for the index's own use (the
 * counted copy), the basis in bits 9-10 (its code in BASIS_CODES: 0 exact, 1 lower bound,
 * 2 estimate), FLAG_AGGREGATE (tokens and cost, no request), FLAG_STANDS_IN, web searches in bits 16-31.
 * A basis code is its rank in BASIS_CODES, so combining bases is taking the largest code.
 */
export const BASIS_CODES: readonly Basis[] = ['exact', 'lower-bound', 'estimate'];
export const BASIS_SHIFT = 9, SEARCH_SHIFT = 16;
export const FLAG_AGGREGATE = 0x800, FLAG_STANDS_IN = 0x1000;
export function flagsOf(r: UsageRecord, bit8: number): number {
  return ((r.rank & 0xff) | bit8 | (BASIS_CODES.indexOf(basisOf(r)) << BASIS_SHIFT)
    | (r.aggregate ? FLAG_AGGREGATE : 0) | (r.standsIn ? FLAG_STANDS_IN : 0)
    | (Math.min(r.webSearches ?? 0, 0xffff) << SEARCH_SHIFT)) >>> 0;
}

/** The basis code (BASIS_CODES index) of a row's flags. */
export function basisCodeOf(flags: number): number {
  return (flags >>> BASIS_SHIFT) & 3;
}

/** A row's basis from its flags. */
export function basisOfFlags(flags: number): Basis {
  return BASIS_CODES[basisCodeOf(flags)] ?? 'exact';
}

/** Columns of records, in their order. */
export function columnsOf(records: readonly UsageRecord[]): UsageColumns {
  return ColumnsBuilder.of(records).view();
}

/**
 * Strings numbered in the order first seen, for columns of indexes. Rows come file by file and a
 * file's rows repeat their strings, so each column remembers its last string: most rows cost a
 * comparison instead of a Map look-up.
 */
export class StringTable {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  private readonly last: string[];
  private readonly lastId: Int32Array;

  constructor(columns: number) {
    this.last = new Array<string>(columns).fill('');
    this.lastId = new Int32Array(columns).fill(-1);
  }

  /** The index of `s`, written in column `col`. */
  id(s: string, col: number): number {
    if (this.lastId[col]! >= 0 && this.last[col] === s) return this.lastId[col]!;
    let i = this.ids.get(s);
    if (i === undefined) { i = this.strings.length; this.strings.push(s); this.ids.set(s, i); }
    this.last[col] = s;
    this.lastId[col] = i;
    return i;
  }
}

/**
 * Columns that grow and change row by row, so the index can hand out columns after an append by
 * writing the rows that changed instead of building every row again. Rows live in typed arrays with
 * room to spare (doubling), strings and agents are interned once; `view()` hands out the current rows.
 */
export class ColumnsBuilder {
  private n = 0;
  private times: Float64Array;
  private ints: Float64Array;
  private agents: Uint8Array;
  private costs: Float64Array | undefined;
  private readonly strings = new StringTable(3);
  private readonly agentIds: AgentId[] = [];
  private readonly agentIndex = new Map<AgentId, number>();
  private rowsView: Uint32Array | undefined;
  /** A view was handed out: a row written again goes to copies, so the view never changes under its holder. */
  private shared = false;

  private constructor(capacity: number) {
    this.times = new Float64Array(capacity);
    this.ints = new Float64Array(capacity * ROW);
    this.agents = new Uint8Array(capacity);
  }

  /** `room`: rows kept free for appends, so the first appends copy nothing. */
  static of(records: readonly UsageRecord[], room = 0): ColumnsBuilder {
    const b = new ColumnsBuilder(records.length + room);
    for (let i = 0; i < records.length; i++) b.write(i, records[i]!);
    b.n = records.length;
    return b;
  }

  get length(): number { return this.n; }

  /** Adds a row at the end. */
  append(r: UsageRecord): void {
    if (this.n === this.times.length) this.grow(Math.max(16, this.n * 2));
    this.write(this.n++, r);
    this.rowsView = undefined;
  }

  /** Writes row `i` again from `r` (a better copy of the same request). */
  replace(i: number, r: UsageRecord): void {
    if (i < 0 || i >= this.n) throw new RangeError(`row ${i} of ${this.n}`);
    if (this.shared) {
      this.times = this.times.slice(); this.ints = this.ints.slice(); this.agents = this.agents.slice(); this.costs = this.costs?.slice();
      this.shared = false;
    }
    if (this.costs) this.costs[i] = NaN;
    this.write(i, r);
  }

  /** The rows so far; appends and replacements after this never change what it holds. */
  view(): UsageColumns {
    const n = this.n;
    this.shared = true;
    let rows = this.rowsView;
    if (!rows) { rows = this.rowsView = new Uint32Array(n); for (let i = 0; i < n; i++) rows[i] = i; }
    return { rows, times: this.times.subarray(0, n), ints: this.ints.subarray(0, n * ROW), agents: this.agents.subarray(0, n),
      agentIds: this.agentIds, strings: this.strings.strings, costs: this.costs?.subarray(0, n) };
  }

  private grow(capacity: number): void {
    const t = new Float64Array(capacity); t.set(this.times); this.times = t;
    const k = new Float64Array(capacity * ROW); k.set(this.ints); this.ints = k;
    const a = new Uint8Array(capacity); a.set(this.agents); this.agents = a;
    if (this.costs) { const c = new Float64Array(capacity).fill(NaN); c.set(this.costs); this.costs = c; }
  }

  private write(i: number, r: UsageRecord): void {
    const u = r.usage, ints = this.ints, k = i * ROW;
    this.times[i] = r.timestamp;
    let a = this.agentIndex.get(r.agent);
    if (a === undefined) { a = this.agentIds.length; this.agentIds.push(r.agent); this.agentIndex.set(r.agent, a); }
    this.agents[i] = a;
    ints[k + COL_INPUT] = u.input; ints[k + COL_OUTPUT] = u.output; ints[k + COL_CACHE_READ] = u.cacheRead;
    ints[k + COL_CACHE_WRITE_5M] = u.cacheWrite5m; ints[k + COL_CACHE_WRITE_1H] = u.cacheWrite1h; ints[k + COL_CONTEXT] = r.contextTokens;
    const t = this.strings;
    ints[k + COL_MODEL] = t.id(r.model, 0); ints[k + COL_SESSION] = t.id(r.sessionId, 1); ints[k + COL_PROJECT] = t.id(r.project, 2);
    ints[k + COL_FLAGS] = flagsOf(r, 0);
    if (r.cost !== undefined) (this.costs ??= new Float64Array(this.times.length).fill(NaN))[i] = r.cost;
    ints[k + COL_SLOT] = slotOf(r.timestamp);
  }
}
