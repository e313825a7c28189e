// The persisted usage index: one file with a checksum, whose record rows use the report's column layout
// (`columns.ts`), so a warm report reads the numbers in place.
import zlib from 'node:zlib';
import { AgentId, RateLimits, UsageRecord, lineageKeyOfVersion8 } from '../agents/records';
import { adapterOf, isAgentId } from '../agents/index';
import type { Basis } from '../agents/adapter';
import { SkipCounts, SkipReason, isSkipReason } from '../agents/skipReasons';
import type { AgentRoot } from '../agents/locations';
import { COLUMNS, COLUMNS_PER_ROW, FLAG_AGGREGATE, FLAG_STANDS_IN, SEARCH_SHIFT, UsageColumns, basisOfFlags, flagsOf, slotOf } from './columns';

// Layout (little-endian): a 32-byte prefix of u32 magic, version, header length, keys length,
// record count, counted (winner) records, CRC-32 of everything after the prefix, 0; then header
// JSON (roots, interned strings, files, rate limits), keys joined by NUL, padding to 8 bytes, a
// float64 timestamp per record, COLUMNS_PER_ROW uint32 per record (see COLUMNS in columns.ts), and
// the indexes of the counted records. A warm load reads the file, checks the CRC and the header's
// shape, and reports from the columns in place: no object per record is made, and no key decoded,
// until something changes (then `materialize` does it once, and checks what the CRC cannot).

/**
 * Bump whenever a reader or the file layout changes: an index of another version is rebuilt. 5: agents
 * by id in the columns; 6: skip tallies and rewrite fingerprints per file; 7: every skip reason (replay,
 * duplicate, ...), requests emitted per file, history of logs gone from disk, basis and web searches in
 * the flags column, readers exact on Codex replays and Claude side chains (issue 10), or, on the other
 * branch, basis, aggregate and stand-in flags and reported costs (issue 11); 8: both, in one flags layout;
 * 9: Codex lineage keys in 15-bit characters (records.ts codexLineageKey).
 */
export const INDEX_VERSION = 9;
/**
 * Version 8 differs only in how Codex lineage keys are written (decimal): it is read, its keys
 * rewritten as they load, so an upgrade keeps the history of logs the agents have since deleted.
 */
const DECIMAL_KEYS_VERSION = 8;
const MAGIC = 0x58494b54; // 'TKIX'
const PREFIX = 32;
const WINNER = 0x100;
const ROW = 11; // COLUMNS_PER_ROW, as a local constant for the hot loops
if (ROW !== COLUMNS_PER_ROW || COLUMNS.flags !== 9 || COLUMNS.model !== 6 || COLUMNS.session !== 7 || COLUMNS.project !== 8) {
  throw new Error('index row layout differs from the report columns');
}
const ROW_BYTES = 8 + 4 * ROW;

/** One log file as the index knows it. */
export interface FileEntry {
  path: string;
  agent: AgentId;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Bytes consumed: the end of the last complete line. A half-written line after it is re-read once finished. */
  offset: number;
  state: unknown;
  /** This file's requests, one per key (deduped within the file). */
  records: UsageRecord[];
  byKey?: Map<string, number>;
  malformed: number;
  /** Lines and requests skipped, by reason: how many, and the byte offsets of the first few. */
  skips?: Partial<Record<SkipReason, { count: number; at: number[] }>>;
  /** Checksum of the bytes just before `offset` (line-based logs): a rewrite in place changes it. */
  fingerprint?: number;
  /** Requests the reader emitted, copies included: what is not counted of them was a duplicate or a replay. */
  emitted: number;
  /**
   * The log is gone (the agent cleaned it up, or compressed it into a twin): its requests are kept as
   * history, so past days do not change, until `forget` drops them. Never read or stat'ed again.
   */
  gone?: true;
}

/** Why a line or a request was not counted: the ids of `skipReasons.ts`, the same in every message and in JSON output. */
export type { SkipReason };

/** A file entry as stored: the agent by its id, never by a position in some list. */
type FileTuple = [path: string, agent: AgentId, size: number, mtimeMs: number, ino: number, offset: number, malformed: number, count: number, state: unknown,
  skips: FileEntry['skips'] | null, fingerprint: number | null, emitted: number, gone: boolean];

export interface Snapshot {
  buf: Buffer;
  strings: string[];
  /** File entries with empty `records` until materialized; each file's rows follow the previous file's, `counts[i]` of them. */
  entries: FileEntry[];
  counts: number[];
  rateLimits: [number, RateLimits][];
  /** What `skippedByReason()` said when the index was saved. */
  skipsByReason: SkipCounts;
  /** USD the agent reported, by record index (ascending). */
  costs: [number, number][];
  times: Float64Array;
  ints: Uint32Array;
  /** Indexes of the counted records, ascending. */
  rows: Uint32Array;
  keysStart: number;
  keysEnd: number;
  /** Written by version 8: Codex keys are rewritten as they load (`DECIMAL_KEYS_VERSION`). */
  decimalKeys: boolean;
  total: number;
  winners: number;
}

/** Keys of loaded records, split out of the stored blob on first use. */
class KeyTable {
  private keys: string[] | null = null;
  /** `rewrite[i]`: key i is a version-8 Codex key, rewritten as it is split out. */
  constructor(private readonly buf: Buffer, private readonly start: number, private readonly end: number, private readonly count: number,
    private readonly rewrite: Uint8Array | null = null) {}
  get(i: number): string {
    const k = this.all()[i];
    if (k === undefined) throw new Error('index key out of range');
    return k;
  }
  all(): string[] {
    if (this.keys) return this.keys;
    const keys = this.count ? this.buf.toString('utf8', this.start, this.end).split('\0') : [];
    if (keys.length !== this.count) throw new Error('index keys do not match its records');
    const rw = this.rewrite;
    if (rw) for (let i = 0; i < keys.length; i++) if (rw[i]) keys[i] = lineageKeyOfVersion8(keys[i]!);
    return (this.keys = keys);
  }
}

class StoredRecord implements UsageRecord {
  rateLimits?: RateLimits;
  webSearches?: number;
  basis?: Basis;
  cost?: number;
  aggregate?: boolean;
  standsIn?: boolean;
  constructor(
    readonly agent: AgentId, readonly timestamp: number, readonly usage: UsageRecord['usage'], readonly contextTokens: number,
    readonly model: string, readonly sessionId: string, readonly project: string, readonly rank: number,
    readonly file: string, private readonly keys: KeyTable, private readonly ki: number,
  ) {}
  get key(): string { return this.keys.get(this.ki); }
}

const u32 = (n: number) => Math.min(Math.max(0, Math.round(n)), 0xffffffff);

export const crc32: (b: Uint8Array) => number = (zlib as { crc32?: (b: Uint8Array) => number }).crc32 ?? crc32js;
let crcTable: Int32Array | undefined;
function crc32js(b: Uint8Array): number {
  const t = (crcTable ??= (() => {
    const x = new Int32Array(256);
    for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; x[n] = c; }
    return x;
  })());
  let c = -1;
  for (let i = 0; i < b.length; i++) c = t[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export function serialize(roots: readonly AgentRoot[], entries: FileEntry[], winners: ReadonlySet<UsageRecord>, skipsByReason: SkipCounts): Buffer {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => { let i = ids.get(s); if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); } return i; };
  let total = 0;
  for (const e of entries) total += e.records.length;
  const times = new Float64Array(total);
  const ints = new Uint32Array(total * ROW);
  const keys: string[] = [];
  const files: FileTuple[] = [];
  const rateLimits: [number, RateLimits][] = [];
  const costs: [number, number][] = [];
  const counted: number[] = [];
  let n = 0, k = 0, won = 0;
  for (const e of entries) {
    for (const r of e.records) {
      const u = r.usage;
      if (r.rateLimits) rateLimits.push([n, r.rateLimits]);
      if (r.cost !== undefined && Number.isFinite(r.cost)) costs.push([n, r.cost]);
      const winner = winners.has(r);
      if (winner) { won++; counted.push(n); }
      times[n++] = r.timestamp;
      ints[k++] = u32(u.input); ints[k++] = u32(u.output); ints[k++] = u32(u.cacheRead); ints[k++] = u32(u.cacheWrite5m);
      ints[k++] = u32(u.cacheWrite1h); ints[k++] = u32(r.contextTokens);
      ints[k++] = intern(r.model); ints[k++] = intern(r.sessionId); ints[k++] = intern(r.project);
      ints[k++] = flagsOf(r, winner ? WINNER : 0);
      ints[k++] = slotOf(r.timestamp);
      keys.push(r.key);
    }
    files.push([e.path, e.agent, e.size, e.mtimeMs, e.ino, e.offset, e.malformed, e.records.length, e.state, e.skips ?? null, e.fingerprint ?? null, e.emitted, e.gone === true]);
  }
  const header = Buffer.from(JSON.stringify({ roots, strings, files, rateLimits, skipsByReason, costs }));
  const keyBuf = Buffer.from(keys.join('\0'));
  const pre = PREFIX + header.length + keyBuf.length;
  const pad = (8 - (pre % 8)) % 8;
  const rows = Uint32Array.from(counted);
  const out = Buffer.alloc(pre + pad + times.byteLength + ints.byteLength + rows.byteLength);
  header.copy(out, PREFIX); keyBuf.copy(out, PREFIX + header.length);
  Buffer.from(times.buffer, times.byteOffset, times.byteLength).copy(out, pre + pad);
  Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength).copy(out, pre + pad + times.byteLength);
  Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).copy(out, pre + pad + times.byteLength + ints.byteLength);
  out.writeUInt32LE(MAGIC, 0); out.writeUInt32LE(INDEX_VERSION, 4);
  out.writeUInt32LE(header.length, 8); out.writeUInt32LE(keyBuf.length, 12);
  out.writeUInt32LE(total, 16); out.writeUInt32LE(won, 20);
  out.writeUInt32LE(crc32(out.subarray(PREFIX)), 24);
  return out;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isNum(v) && Number.isInteger(v) && v >= 0;
const isRateWindow = (v: unknown): boolean => {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null) return false;
  const w = v as Record<string, unknown>;
  return isNum(w.usedPercent) && (w.windowMinutes === null || isNum(w.windowMinutes)) && (w.resetsAt === null || isNum(w.resetsAt));
};
const isRateLimits = (v: unknown): v is RateLimits => typeof v === 'object' && v !== null && !Array.isArray(v)
  && isRateWindow((v as RateLimits).primary) && isRateWindow((v as RateLimits).secondary)
  && ((v as RateLimits).planType === undefined || typeof (v as RateLimits).planType === 'string');

const isSkips = (v: unknown): v is NonNullable<FileEntry['skips']> => typeof v === 'object' && v !== null && !Array.isArray(v)
  && Object.entries(v).every(([k, t]) => isSkipReason(k) && typeof t === 'object' && t !== null && isCount((t as { count?: unknown }).count)
    && Array.isArray((t as { at?: unknown }).at) && ((t as { at: unknown[] }).at).every(isCount));

/** Checks a stored index cheaply (length, CRC, header shape, counts) and views its columns in place. */
export function openSnapshot(buf: Buffer): Snapshot | 'other-version' {
  if (buf.length < PREFIX || buf.readUInt32LE(0) !== MAGIC) throw new Error('not an index');
  const version = buf.readUInt32LE(4);
  if (version !== INDEX_VERSION && version !== DECIMAL_KEYS_VERSION) return 'other-version';
  const hl = buf.readUInt32LE(8), kl = buf.readUInt32LE(12), total = buf.readUInt32LE(16), winners = buf.readUInt32LE(20);
  const pre = PREFIX + hl + kl;
  const start = pre + ((8 - (pre % 8)) % 8);
  if (winners > total || start + total * ROW_BYTES + winners * 4 !== buf.length) throw new Error('truncated');
  if (crc32(buf.subarray(PREFIX)) !== buf.readUInt32LE(24)) throw new Error('checksum mismatch');
  const h = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + hl)) as { strings?: unknown; files?: unknown; rateLimits?: unknown; skipsByReason?: unknown; costs?: unknown };
  const { strings, files, rateLimits, skipsByReason, costs } = h;
  if (typeof skipsByReason !== 'object' || skipsByReason === null || !Object.entries(skipsByReason).every(([k, n]) => isSkipReason(k) && isCount(n))) throw new Error('bad skip counts');
  if (!Array.isArray(strings) || !strings.every(x => typeof x === 'string')) throw new Error('bad strings');
  if (!Array.isArray(files) || !Array.isArray(rateLimits) || !Array.isArray(costs)) throw new Error('bad header');
  const entries: FileEntry[] = [], counts: number[] = [];
  let sum = 0;
  for (const f of files as unknown[]) {
    if (!Array.isArray(f) || f.length !== 13) throw new Error('bad file entry');
    const [p, agent, size, mtimeMs, ino, offset, malformed, count, state, skips, fp, emitted, gone] = f as FileTuple;
    if (typeof p !== 'string' || !isAgentId(agent) || !isNum(size) || !isNum(mtimeMs) || !isNum(ino) || !isNum(offset) || !isNum(malformed) || !isCount(count)
      || !(skips === null || isSkips(skips)) || !(fp === null || isNum(fp)) || !isCount(emitted) || typeof gone !== 'boolean') {
      throw new Error('bad file entry');
    }
    const entry: FileEntry = { path: p, agent, size, mtimeMs, ino, offset, malformed, records: [], state: state ?? adapterOf(agent).usage.initState(p), emitted };
    if (gone) entry.gone = true;
    if (skips) entry.skips = skips;
    if (fp !== null) entry.fingerprint = fp;
    entries.push(entry);
    counts.push(count);
    sum += count;
  }
  if (sum !== total) throw new Error('record count mismatch');
  let prev = -1;
  for (const x of rateLimits as unknown[]) {
    if (!Array.isArray(x) || x.length !== 2 || !isCount(x[0]) || x[0] <= prev || x[0] >= total || !isRateLimits(x[1])) throw new Error('bad rate limits');
    prev = x[0];
  }
  prev = -1;
  for (const x of costs as unknown[]) {
    if (!Array.isArray(x) || x.length !== 2 || !isCount(x[0]) || x[0] <= prev || x[0] >= total || !isNum(x[1]) || x[1] < 0) throw new Error('bad costs');
    prev = x[0];
  }
  // typed arrays need aligned memory: copy only if the buffer does not start on an 8-byte boundary
  const aligned = (buf.byteOffset + start) % 8 === 0;
  const bytes = aligned ? buf.buffer : buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length);
  const at = aligned ? buf.byteOffset + start : 0;
  const times = new Float64Array(bytes, at, total);
  const ints = new Uint32Array(bytes, at + total * 8, total * ROW);
  const rows = new Uint32Array(bytes, at + total * ROW_BYTES, winners);
  // The CRC vouches for the bytes; what a writer could still have got wrong is checked where cheap
  // (the per-record string indexes are checked as records are materialized).
  if (winners && (rows[winners - 1]! >= total || !(ints[rows[0]! * ROW + 9]! & WINNER))) throw new Error('bad winners');
  return { buf, strings: strings as string[], entries, counts, rateLimits: rateLimits as [number, RateLimits][], skipsByReason: skipsByReason as SkipCounts,
    costs: costs as [number, number][], times, ints, rows,
    keysStart: PREFIX + hl, keysEnd: pre, decimalKeys: version === DECIMAL_KEYS_VERSION, total, winners };
}

/** The counted rows of a snapshot, as report columns, without copying the numbers. */
export function snapshotColumns(s: Snapshot): UsageColumns {
  const agents = new Uint8Array(s.total);
  const agentIds: AgentId[] = [];
  for (let i = 0, n = 0; i < s.entries.length; n += s.counts[i]!, i++) {
    const id = s.entries[i]!.agent;
    let a = agentIds.indexOf(id);
    if (a < 0) { a = agentIds.length; agentIds.push(id); }
    agents.fill(a, n, n + s.counts[i]!);
  }
  let costs: Float64Array | undefined;
  if (s.costs.length) { costs = new Float64Array(s.total).fill(NaN); for (const [i, c] of s.costs) costs[i] = c; }
  return { rows: s.rows, times: s.times, ints: s.ints, agents, agentIds, strings: s.strings, costs };
}

/** Fills the snapshot's file entries with record objects; returns the counted ones in stored order. */
export function materializeSnapshot(s: Snapshot): UsageRecord[] {
  const { times, ints, strings, rateLimits: limits } = s;
  let rewrite: Uint8Array | null = null;
  if (s.decimalKeys) {
    rewrite = new Uint8Array(s.total);
    for (let i = 0, n = 0; i < s.entries.length; n += s.counts[i]!, i++) if (s.entries[i]!.agent === 'codex') rewrite.fill(1, n, n + s.counts[i]!);
  }
  const keys = new KeyTable(s.buf, s.keysStart, s.keysEnd, s.total, rewrite);
  keys.all(); // checked now, while failing can still start the refresh over
  const winners: UsageRecord[] = [];
  let li = 0, ci = 0, n = 0, k = 0;
  const costs = s.costs;
  for (let i = 0; i < s.entries.length; i++) {
    const e = s.entries[i]!, count = s.counts[i]!;
    const records: UsageRecord[] = new Array(count);
    for (let j = 0; j < count; j++, n++, k += ROW) {
      const flags = ints[k + 9]!;
      const model = strings[ints[k + 6]!], session = strings[ints[k + 7]!], project = strings[ints[k + 8]!];
      if (model === undefined || session === undefined || project === undefined) throw new Error('index string out of range');
      const r = new StoredRecord(e.agent, times[n]!,
        { input: ints[k]!, output: ints[k + 1]!, cacheRead: ints[k + 2]!, cacheWrite5m: ints[k + 3]!, cacheWrite1h: ints[k + 4]! },
        ints[k + 5]!, model, session, project, flags & 0xff, e.path, keys, n);
      records[j] = r;
      if (flags >>> SEARCH_SHIFT) r.webSearches = flags >>> SEARCH_SHIFT;
      if (li < limits.length && limits[li]![0] === n) r.rateLimits = limits[li++]![1];
      if (ci < costs.length && costs[ci]![0] === n) r.cost = costs[ci++]![1];
      r.basis = basisOfFlags(flags); // always set: an exact row of a lower-bound agent (Copilot's traces) must stay exact
      if (flags & FLAG_AGGREGATE) r.aggregate = true;
      if (flags & FLAG_STANDS_IN) r.standsIn = true;
      if (flags & WINNER) winners.push(r);
    }
    e.records = records;
  }
  return winners;
}

