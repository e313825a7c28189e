// The incremental, persisted index of agent usage: which bytes of which log were read, and the
// requests found there, so a refresh parses only what was appended since the last one.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Catalog } from './catalog';
import { claudeCodeReader } from './agents/claudeCode';
import { codexReader } from './agents/codex';
import { geminiReader } from './agents/gemini';
import { scanLines } from './agents/lineScanner';
import { AgentRoot, FoundFile, PathProblem, findLogFiles } from './agents/locations';
import { AGENTS, Agent, AgentReader, RateLimits, UsageRecord, betterCopy } from './agents/records';

/** Bump whenever a reader or the file layout changes: an index of another version is rebuilt. */
export const INDEX_VERSION = 2;
const MAGIC = 0x58494b54; // 'TKIX'
/** Whole-file JSON bigger than this is not a chat record worth loading into memory. */
const MAX_WHOLE_FILE = 256 * 1024 * 1024;

const READERS: Record<Agent, AgentReader> = {
  'claude-code': claudeCodeReader as AgentReader,
  codex: codexReader as AgentReader,
  gemini: geminiReader as AgentReader,
};

interface FileEntry {
  path: string;
  agent: Agent;
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
}

export interface UsageIndexOptions {
  roots: readonly AgentRoot[];
  /** Where the index is persisted; null or absent keeps it in memory only. */
  cacheFile?: string | null;
  /** Kept for callers that price as they go; the index itself stores tokens only. */
  catalog?: Catalog;
  /** Save after every refresh that changed something (default). Turn off to save on your own schedule with `save()`. */
  autoSave?: boolean;
}

export interface IndexStats {
  files: number;
  /** Requests after dedupe. */
  records: number;
  malformedLines: number;
  unreadable: PathProblem[];
}

export interface RefreshResult {
  /** Anything changed since the previous refresh (or the persisted index). */
  changed: boolean;
  newFiles: number;
  appendedFiles: number;
  /** Files read again from the start: shrunk, replaced (new inode) or rewritten whole. */
  rereadFiles: number;
  removedFiles: number;
  /** How the persisted index was used on the first refresh. */
  cache: 'loaded' | 'missing' | 'corrupt' | 'other-version' | 'disabled' | 'unwritable' | null;
  stats: IndexStats;
  ms: number;
}

export class UsageIndex {
  private readonly roots: readonly AgentRoot[];
  private readonly cacheFile: string | null;
  private readonly autoSave: boolean;
  private readonly files = new Map<string, FileEntry>();
  /** The counted copy of each key; null after a load until a change needs it (the list is enough to report). */
  private winners: Map<string, UsageRecord> | null = new Map();
  private winnersStale = true;
  private list: UsageRecord[] | null = null;
  private loaded = false;
  private dirty = false;
  private unreadable: PathProblem[] = [];
  /** Paths that could not be read and why, from the last refresh (files and folders). */
  get problems(): readonly PathProblem[] { return this.unreadable; }

  constructor(opts: UsageIndexOptions) {
    this.roots = opts.roots;
    this.cacheFile = opts.cacheFile ?? null;
    this.autoSave = opts.autoSave ?? true;
  }

  /** Brings the index up to date with the logs on disk. Never throws for bad or missing logs. */
  async refresh(): Promise<RefreshResult> {
    return this.refreshSync();
  }

  refreshSync(): RefreshResult {
    const t0 = performance.now();
    let cache: RefreshResult['cache'] = null;
    if (!this.loaded) {
      this.loaded = true;
      cache = this.cacheFile ? this.load(this.cacheFile) : 'disabled';
      if (cache !== 'loaded') this.dirty = true;
    }
    const { files: found, problems } = findLogFiles(this.roots);
    const result = { newFiles: 0, appendedFiles: 0, rereadFiles: 0, removedFiles: 0 };
    const present = new Set<string>();
    for (const f of found) {
      present.add(f.path);
      const outcome = this.update(f, problems);
      if (outcome) result[outcome]++;
    }
    for (const p of [...this.files.keys()]) {
      if (!present.has(p)) { this.files.delete(p); this.winnersStale = true; result.removedFiles++; }
    }
    const changed = result.newFiles + result.appendedFiles + result.rereadFiles + result.removedFiles > 0;
    if (changed) this.dirty = true;
    this.unreadable = problems;
    if (this.dirty && this.autoSave && this.cacheFile) {
      if (!this.save()) cache = cache ?? 'unwritable';
    }
    return { changed, ...result, cache, stats: this.stats(), ms: performance.now() - t0 };
  }

  /** One record per request (deduped across files), in no particular order. */
  records(): readonly UsageRecord[] {
    if (this.winnersStale) this.rebuildWinners();
    return (this.list ??= [...this.winnerMap().values()]);
  }

  stats(): IndexStats {
    let malformed = 0;
    for (const e of this.files.values()) malformed += e.malformed;
    return { files: this.files.size, records: this.records().length, malformedLines: malformed, unreadable: this.unreadable };
  }

  /** Writes the index atomically; false (and a problem) when the cache folder is not writable. */
  save(): boolean {
    if (!this.cacheFile) return false;
    try {
      writeAtomic(this.cacheFile, serialize(this.roots, [...this.files.values()], new Set(this.records())));
      this.dirty = false;
      return true;
    } catch (e) {
      this.unreadable = [...this.unreadable, { path: this.cacheFile, reason: `cannot write index: ${(e as NodeJS.ErrnoException).code ?? e}` }];
      return false;
    }
  }

  private update(f: FoundFile, problems: PathProblem[]): keyof Omit<RefreshResult, 'changed' | 'cache' | 'stats' | 'ms'> | null {
    let st: fs.Stats;
    try { st = fs.statSync(f.path); } catch (e) {
      problems.push({ path: f.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return null;
    }
    const reader = READERS[f.agent];
    const whole = reader.isWholeFile?.(f.path) ?? false;
    const old = this.files.get(f.path);
    if (old && old.agent === f.agent && old.ino === st.ino) {
      if (st.size === old.size && st.mtimeMs === old.mtimeMs) return null;
      if (!whole && st.size >= old.offset) {
        old.size = st.size; old.mtimeMs = st.mtimeMs;
        if (st.size === old.offset) return null; // touched, nothing new
        const before = old.offset;
        return this.read(old, old.offset, problems) && old.offset !== before ? 'appendedFiles' : null;
      }
    }
    // new, replaced, shrunk, or rewritten whole: its previous contribution goes
    const entry: FileEntry = { path: f.path, agent: f.agent, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, offset: 0,
      state: reader.initState(f.path), records: [], malformed: 0 };
    if (old) this.winnersStale = true;
    this.files.set(f.path, entry);
    if (!this.read(entry, 0, problems)) { this.files.delete(f.path); return old ? 'removedFiles' : null; }
    // A whole-file log caught mid-rewrite does not parse: keep what it held until it changes again.
    if (whole && old && entry.records.length === 0 && entry.malformed > 0) { entry.records = old.records; entry.byKey = undefined; }
    return old ? 'rereadFiles' : 'newFiles';
  }

  private read(entry: FileEntry, from: number, problems: PathProblem[]): boolean {
    const reader = READERS[entry.agent];
    const emit = (r: UsageRecord) => this.add(entry, reader, r);
    let fd: number;
    try { fd = fs.openSync(entry.path, 'r'); } catch (e) {
      problems.push({ path: entry.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return false;
    }
    try {
      if (reader.isWholeFile?.(entry.path) && reader.wholeFile) {
        if (entry.size > MAX_WHOLE_FILE) { problems.push({ path: entry.path, reason: 'too large' }); return false; }
        const text = fs.readFileSync(fd, 'utf8');
        // A file caught mid-rewrite is not valid JSON yet: keep nothing now, it is read again when it changes.
        entry.malformed = reader.wholeFile(text, entry.path, emit).malformed;
        entry.offset = Buffer.byteLength(text);
      } else {
        entry.offset = scanLines(fd, from, reader.needles, (line, offset) => {
          if (reader.line(entry.state, line, offset, entry.path, emit) === 'malformed') entry.malformed++;
        });
      }
      return true;
    } catch (e) {
      problems.push({ path: entry.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return false;
    } finally {
      fs.closeSync(fd);
    }
  }

  private winnerMap(): Map<string, UsageRecord> {
    if (this.winnersStale) this.rebuildWinners();
    return (this.winners ??= new Map((this.list ?? []).map(r => [r.key, r])));
  }

  private add(entry: FileEntry, reader: AgentReader, r: UsageRecord): void {
    const winners = this.winnersStale ? null : this.winnerMap();
    this.list = null;
    const byKey = entry.byKey ??= new Map(entry.records.map((x, i) => [x.key, i]));
    const i = byKey.get(r.key);
    if (i !== undefined) {
      const prev = entry.records[i]!;
      if (!reader.lastWinsInFile && !betterCopy(r, prev)) return;
      entry.records[i] = r;
      if (!winners) return;
      const cur = winners.get(r.key);
      if (cur === prev && (betterCopy(r, prev) || !reader.lastWinsInFile)) winners.set(r.key, r);
      else if (cur === prev) this.winnersStale = true; // a smaller re-emission may let another file's copy win
      else if (!cur || betterCopy(r, cur)) winners.set(r.key, r);
      return;
    }
    byKey.set(r.key, entry.records.length);
    entry.records.push(r);
    if (!winners) return;
    const cur = winners.get(r.key);
    if (!cur || betterCopy(r, cur)) winners.set(r.key, r);
  }

  private rebuildWinners(): void {
    const w = new Map<string, UsageRecord>();
    const paths = [...this.files.keys()].sort();
    for (const p of paths) {
      for (const r of this.files.get(p)!.records) {
        const cur = w.get(r.key);
        if (!cur || betterCopy(r, cur)) w.set(r.key, r);
      }
    }
    this.winners = w;
    this.winnersStale = false;
    this.list = null;
  }

  private load(file: string): Exclude<RefreshResult['cache'], null> {
    let buf: Buffer;
    try { buf = readAligned(file); } catch { return 'missing'; }
    try {
      const loaded = deserialize(buf);
      if (loaded === 'other-version') return 'other-version';
      for (const e of loaded.entries) this.files.set(e.path, e);
      this.list = loaded.winners;
      this.winners = null;
      this.winnersStale = false;
      return 'loaded';
    } catch {
      this.files.clear();
      return 'corrupt';
    }
  }
}

// ---- persistence -----------------------------------------------------------------------------------
// Layout: u32 magic, u32 version, u32 header length, u32 keys length, header JSON, keys joined by
// NUL, padding to 8 bytes, a float64 timestamp per record, then INTS uint32 per record. Numbers
// stay binary (and small integers) so ~100k records load in a few tens of milliseconds; keys are
// split only when a change needs dedupe; which copy of each key counts is stored, not recomputed.

const INTS = 10;
const WINNER = 0x100;

const RateWindowSchema = z.object({ usedPercent: z.number(), windowMinutes: z.number().nullable(), resetsAt: z.number().nullable() });
const RateLimitsSchema = z.object({ primary: RateWindowSchema.optional(), secondary: RateWindowSchema.optional(), planType: z.string().optional() });
const HeaderSchema = z.object({
  strings: z.array(z.string()),
  files: z.array(z.tuple([z.string(), z.enum(AGENTS), z.number(), z.number(), z.number(), z.number(), z.number(), z.number().int().nonnegative(), z.unknown()])),
  rateLimits: z.array(z.tuple([z.number().int(), RateLimitsSchema])),
});

/** Keys of loaded records, split out of the stored blob on first use. */
class KeyTable {
  private keys: string[] | null = null;
  constructor(private readonly blob: string) {}
  get(i: number): string {
    const k = (this.keys ??= this.blob ? this.blob.split('\0') : [])[i];
    if (k === undefined) throw new Error('index key out of range');
    return k;
  }
}

class StoredRecord implements UsageRecord {
  rateLimits?: RateLimits;
  constructor(
    readonly agent: Agent, readonly timestamp: number, readonly usage: UsageRecord['usage'], readonly contextTokens: number,
    readonly model: string, readonly sessionId: string, readonly project: string, readonly rank: number,
    readonly file: string, private readonly keys: KeyTable, private readonly ki: number,
  ) {}
  get key(): string { return this.keys.get(this.ki); }
}

const u32 = (n: number) => Math.min(Math.max(0, Math.round(n)), 0xffffffff);

function serialize(roots: readonly AgentRoot[], entries: FileEntry[], winners: ReadonlySet<UsageRecord>): Buffer {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => { let i = ids.get(s); if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); } return i; };
  let total = 0;
  for (const e of entries) total += e.records.length;
  const times = new Float64Array(total);
  const ints = new Uint32Array(total * INTS);
  const keys: string[] = [];
  const files: unknown[] = [];
  const rateLimits: [number, RateLimits][] = [];
  let n = 0, k = 0;
  for (const e of entries) {
    for (const r of e.records) {
      const u = r.usage;
      if (r.rateLimits) rateLimits.push([n, r.rateLimits]);
      times[n++] = r.timestamp;
      ints[k++] = u32(u.input); ints[k++] = u32(u.output); ints[k++] = u32(u.cacheRead); ints[k++] = u32(u.cacheWrite5m);
      ints[k++] = u32(u.cacheWrite1h); ints[k++] = u32(r.contextTokens);
      ints[k++] = intern(r.model); ints[k++] = intern(r.sessionId); ints[k++] = intern(r.project);
      ints[k++] = (r.rank & 0xff) | (winners.has(r) ? WINNER : 0);
      keys.push(r.key);
    }
    files.push([e.path, e.agent, e.size, e.mtimeMs, e.ino, e.offset, e.malformed, e.records.length, e.state]);
  }
  const header = Buffer.from(JSON.stringify({ roots, strings, files, rateLimits }));
  const keyBuf = Buffer.from(keys.join('\0'));
  const pre = 16 + header.length + keyBuf.length;
  const pad = (8 - (pre % 8)) % 8;
  const out = Buffer.alloc(pre + pad + times.byteLength + ints.byteLength);
  out.writeUInt32LE(MAGIC, 0); out.writeUInt32LE(INDEX_VERSION, 4);
  out.writeUInt32LE(header.length, 8); out.writeUInt32LE(keyBuf.length, 12);
  header.copy(out, 16); keyBuf.copy(out, 16 + header.length);
  Buffer.from(times.buffer, times.byteOffset, times.byteLength).copy(out, pre + pad);
  Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength).copy(out, pre + pad + times.byteLength);
  return out;
}

function deserialize(buf: Buffer): { entries: FileEntry[]; winners: UsageRecord[] } | 'other-version' {
  if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not an index');
  if (buf.readUInt32LE(4) !== INDEX_VERSION) return 'other-version';
  const hl = buf.readUInt32LE(8), kl = buf.readUInt32LE(12);
  const pre = 16 + hl + kl;
  const start = pre + ((8 - (pre % 8)) % 8);
  if (start > buf.length || (buf.length - start) % (8 + 4 * INTS) !== 0) throw new Error('truncated');
  const parsed = HeaderSchema.safeParse(JSON.parse(buf.toString('utf8', 16, 16 + hl)));
  if (!parsed.success) throw new Error('bad header');
  const { strings, files } = parsed.data;
  const total = (buf.length - start) / (8 + 4 * INTS);
  if (files.reduce((s, f) => s + f[7], 0) !== total) throw new Error('record count mismatch');
  // typed arrays need aligned memory: copy only if the buffer does not start on an 8-byte boundary
  const aligned = (buf.byteOffset + start) % 8 === 0;
  const bytes = aligned ? buf.buffer : buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length);
  const at = aligned ? buf.byteOffset + start : 0;
  const times = new Float64Array(bytes, at, total);
  const ints = new Uint32Array(bytes, at + total * 8, total * INTS);
  const keys = new KeyTable(kl ? buf.toString('utf8', 16 + hl, pre) : '');
  const str = (i: number) => { const s = strings[i]; if (s === undefined) throw new Error('bad string'); return s; };
  const winners: UsageRecord[] = [];
  const limits = parsed.data.rateLimits;
  let li = 0;
  let n = 0, k = 0;
  const entries = files.map(([path, agent, size, mtimeMs, ino, offset, malformed, count, state]): FileEntry => {
    const records: UsageRecord[] = new Array(count);
    for (let i = 0; i < count; i++, n++, k += INTS) {
      const flags = ints[k + 9]!;
      const r = new StoredRecord(agent, times[n]!,
        { input: ints[k]!, output: ints[k + 1]!, cacheRead: ints[k + 2]!, cacheWrite5m: ints[k + 3]!, cacheWrite1h: ints[k + 4]! },
        ints[k + 5]!, str(ints[k + 6]!), str(ints[k + 7]!), str(ints[k + 8]!), flags & 0xff, path, keys, n);
      records[i] = r;
      while (li < limits.length && limits[li]![0] < n) li++;
      if (li < limits.length && limits[li]![0] === n) r.rateLimits = limits[li]![1];
      if (flags & WINNER) winners.push(r);
    }
    return { path, agent, size, mtimeMs, ino, offset, malformed, records, state: state ?? READERS[agent].initState(path) };
  });
  return { entries, winners };
}

/** The whole file in a fresh buffer starting at offset 0, so the record columns can be viewed in place. */
function readAligned(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.from(new ArrayBuffer(size));
    let got = 0;
    while (got < size) {
      const r = fs.readSync(fd, buf, got, size - got, got);
      if (r <= 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Temp file in the same folder, then rename: readers see the old index or the new one, never half of one. */
function writeAtomic(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
}
