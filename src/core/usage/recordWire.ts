// Records across threads as columns. A scan worker's records reach the index's thread as typed
// arrays (transferred, not copied), a string table and an array of keys, and are made into records
// there in one loop. Why: structured clone of the record objects themselves writes and reads every
// property name of every record: 1.4 µs a record there and back on this machine, 0.16 µs this way.
import type { AgentId, UsageRecord } from '../agents/records';
import { StringTable } from './columns';

/** The optional fields of a record, carried as they are (rare: Cline's costs, Copilot's basis, web searches). */
const OPTIONAL = ['rateLimits', 'webSearches', 'basis', 'cost', 'aggregate', 'standsIn'] as const;
type Extra = Partial<Pick<UsageRecord, typeof OPTIONAL[number]>> & {
  /** The counts as they were, when one is not a 32-bit integer (never seen: the readers keep whole counts below 10^8). */
  counts?: number[];
};

export interface RecordsWire {
  n: number;
  /** Epoch ms per record. */
  times: Float64Array;
  /**
   * INTS per record: the five token counts, context tokens, rank. As 32-bit integers, so the records
   * made of them hold small integers, as the readers' own do: doubles in these fields would change
   * the fields' representation for every record of the index (boxed numbers, slower everywhere after).
   */
  ints: Int32Array;
  /** REFS per record, indexes into `strings`: agent, session, project, model, file. */
  refs: Uint32Array;
  strings: string[];
  /** Every record's key (an array of strings clones fast: no property names). */
  keys: string[];
  /** [record index, its optional fields] for the records that have any. */
  extras: [number, Extra][];
}

const INTS = 7, REFS = 5;

/** `records` as a wire, and the buffers to transfer with it (the sender must not use them after). */
export function encodeRecords(records: readonly UsageRecord[]): { wire: RecordsWire; transfer: ArrayBuffer[] } {
  const n = records.length;
  const times = new Float64Array(n), ints = new Int32Array(n * INTS), refs = new Uint32Array(n * REFS);
  const t = new StringTable(REFS);
  const keys: string[] = new Array(n);
  const extras: [number, Extra][] = [];
  for (let i = 0; i < n; i++) {
    const r = records[i]!, u = r.usage, a = i * INTS, b = i * REFS;
    times[i] = r.timestamp;
    ints[a] = u.input; ints[a + 1] = u.output; ints[a + 2] = u.cacheRead; ints[a + 3] = u.cacheWrite5m; ints[a + 4] = u.cacheWrite1h;
    ints[a + 5] = r.contextTokens; ints[a + 6] = r.rank;
    const whole = ints[a] === u.input && ints[a + 1] === u.output && ints[a + 2] === u.cacheRead && ints[a + 3] === u.cacheWrite5m
      && ints[a + 4] === u.cacheWrite1h && ints[a + 5] === r.contextTokens && ints[a + 6] === r.rank;
    refs[b] = t.id(r.agent, 0); refs[b + 1] = t.id(r.sessionId, 1); refs[b + 2] = t.id(r.project, 2);
    refs[b + 3] = t.id(r.model, 3); refs[b + 4] = t.id(r.file, 4);
    keys[i] = r.key;
    let x: Extra | null = whole ? null : { counts: [u.input, u.output, u.cacheRead, u.cacheWrite5m, u.cacheWrite1h, r.contextTokens, r.rank] };
    for (const f of OPTIONAL) if (r[f] !== undefined) (x ??= {})[f] = r[f] as never;
    if (x) extras.push([i, x]);
  }
  return { wire: { n, times, ints, refs, strings: t.strings, keys, extras }, transfer: [times.buffer, ints.buffer, refs.buffer] };
}

/** The records of a wire, equal field for field to the ones encoded. */
export function decodeRecords(w: RecordsWire): UsageRecord[] {
  const { n, times, ints, refs, strings, keys } = w;
  const out: UsageRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = i * INTS, b = i * REFS;
    out[i] = {
      agent: strings[refs[b]!] as AgentId, sessionId: strings[refs[b + 1]!]!, project: strings[refs[b + 2]!]!, model: strings[refs[b + 3]!]!,
      timestamp: times[i]!,
      usage: { input: ints[a]!, output: ints[a + 1]!, cacheRead: ints[a + 2]!, cacheWrite5m: ints[a + 3]!, cacheWrite1h: ints[a + 4]! },
      contextTokens: ints[a + 5]!, file: strings[refs[b + 4]!]!, key: keys[i]!, rank: ints[a + 6]!,
    };
  }
  for (const [i, x] of w.extras) {
    const r = out[i]!;
    if (x.counts) {
      const [input, output, cacheRead, cacheWrite5m, cacheWrite1h, context, rank] = x.counts as [number, number, number, number, number, number, number];
      r.usage = { input, output, cacheRead, cacheWrite5m, cacheWrite1h };
      r.contextTokens = context; r.rank = rank;
    }
    for (const f of OPTIONAL) if (x[f] !== undefined) (r as Extra)[f] = x[f] as never;
  }
  return out;
}
