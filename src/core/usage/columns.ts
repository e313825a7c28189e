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
  const n = records.length;
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => { let i = ids.get(s); if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); } return i; };
  const agentIds: AgentId[] = [];
  const agentIndex = new Map<AgentId, number>();
  const times = new Float64Array(n), ints = new Float64Array(n * ROW), agents = new Uint8Array(n), rows = new Uint32Array(n);
  let costs: Float64Array | undefined;
  for (let i = 0, k = 0; i < n; i++, k += ROW) {
    const r = records[i]!, u = r.usage;
    rows[i] = i;
    times[i] = r.timestamp;
    let a = agentIndex.get(r.agent);
    if (a === undefined) { a = agentIds.length; agentIds.push(r.agent); agentIndex.set(r.agent, a); }
    agents[i] = a;
    ints[k + COL_INPUT] = u.input; ints[k + COL_OUTPUT] = u.output; ints[k + COL_CACHE_READ] = u.cacheRead;
    ints[k + COL_CACHE_WRITE_5M] = u.cacheWrite5m; ints[k + COL_CACHE_WRITE_1H] = u.cacheWrite1h; ints[k + COL_CONTEXT] = r.contextTokens;
    ints[k + COL_MODEL] = intern(r.model); ints[k + COL_SESSION] = intern(r.sessionId); ints[k + COL_PROJECT] = intern(r.project);
    ints[k + COL_FLAGS] = flagsOf(r, 0);
    if (r.cost !== undefined) (costs ??= new Float64Array(n).fill(NaN))[i] = r.cost;
    ints[k + COL_SLOT] = slotOf(r.timestamp);
  }
  return { rows, times, ints, agents, agentIds, strings, costs };
}
