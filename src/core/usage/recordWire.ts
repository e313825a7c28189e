// Records across threads as columns. A scan worker's records reach the index's thread as typed
// arrays (transferred, not copied), a string table and an array of keys, and are made into records
// there in one loop. Why: structured clone of the record objects themselves writes and reads every
// property name of every record (~3 µs a record on this machine, on each side), most of what the
// worker spent after a Codex rollout's lines and a good part of the index thread's time.
import type { Basis } from '../agents/adapter';
import type { AgentId, RateLimits, UsageRecord } from '../agents/records';

/** The optional fields of a record, carried as they are (rare: Cline's costs, Copilot's basis, web searches). */
type Extra = Partial<Pick<UsageRecord, 'rateLimits' | 'webSearches' | 'basis' | 'cost' | 'aggregate' | 'standsIn'>> & {
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
  const strings: string[] = [], ids = new Map<string, number>();
  // a file's records share their strings: one look-up per change, not per record
  let last0 = '', id0 = -1, last1 = '', id1 = -1, last2 = '', id2 = -1, last3 = '', id3 = -1, last4 = '', id4 = -1;
  const intern = (s: string): number => {
    let i = ids.get(s);
    if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); }
    return i;
  };
  const keys: string[] = new Array(n);
  const extras: [number, Extra][] = [];
  for (let i = 0; i < n; i++) {
    const r = records[i]!, u = r.usage, a = i * INTS, b = i * REFS;
    times[i] = r.timestamp;
    ints[a] = u.input; ints[a + 1] = u.output; ints[a + 2] = u.cacheRead; ints[a + 3] = u.cacheWrite5m; ints[a + 4] = u.cacheWrite1h;
    ints[a + 5] = r.contextTokens; ints[a + 6] = r.rank;
    const whole = ints[a] === u.input && ints[a + 1] === u.output && ints[a + 2] === u.cacheRead && ints[a + 3] === u.cacheWrite5m
      && ints[a + 4] === u.cacheWrite1h && ints[a + 5] === r.contextTokens && ints[a + 6] === r.rank;
    if (r.agent !== last0 || id0 < 0) { last0 = r.agent; id0 = intern(r.agent); }
    if (r.sessionId !== last1 || id1 < 0) { last1 = r.sessionId; id1 = intern(r.sessionId); }
    if (r.project !== last2 || id2 < 0) { last2 = r.project; id2 = intern(r.project); }
    if (r.model !== last3 || id3 < 0) { last3 = r.model; id3 = intern(r.model); }
    if (r.file !== last4 || id4 < 0) { last4 = r.file; id4 = intern(r.file); }
    refs[b] = id0; refs[b + 1] = id1; refs[b + 2] = id2; refs[b + 3] = id3; refs[b + 4] = id4;
    keys[i] = r.key;
    if (!whole || r.rateLimits !== undefined || r.webSearches !== undefined || r.basis !== undefined || r.cost !== undefined
      || r.aggregate !== undefined || r.standsIn !== undefined) {
      const x: Extra = {};
      if (!whole) x.counts = [u.input, u.output, u.cacheRead, u.cacheWrite5m, u.cacheWrite1h, r.contextTokens, r.rank];
      if (r.rateLimits !== undefined) x.rateLimits = r.rateLimits;
      if (r.webSearches !== undefined) x.webSearches = r.webSearches;
      if (r.basis !== undefined) x.basis = r.basis;
      if (r.cost !== undefined) x.cost = r.cost;
      if (r.aggregate !== undefined) x.aggregate = r.aggregate;
      if (r.standsIn !== undefined) x.standsIn = r.standsIn;
      extras.push([i, x]);
    }
  }
  return { wire: { n, times, ints, refs, strings, keys, extras }, transfer: [times.buffer, ints.buffer, refs.buffer] };
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
    if (x.rateLimits !== undefined) r.rateLimits = x.rateLimits as RateLimits;
    if (x.webSearches !== undefined) r.webSearches = x.webSearches;
    if (x.basis !== undefined) r.basis = x.basis as Basis;
    if (x.cost !== undefined) r.cost = x.cost;
    if (x.aggregate !== undefined) r.aggregate = x.aggregate;
    if (x.standsIn !== undefined) r.standsIn = x.standsIn;
  }
  return out;
}
