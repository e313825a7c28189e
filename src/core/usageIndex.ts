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
export const INDEX_VERSION = 1;
const MAGIC = 0x58494b54; // 'TKIX'
const COLS = 11;
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
  private winners = new Map<string, UsageRecord>();
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
    if (changed) { this.list = null; this.dirty = true; }
    this.unreadable = problems;
    if (this.dirty && this.autoSave && this.cacheFile) {
      if (!this.save()) cache = cache ?? 'unwritable';
    }
    return { changed, ...result, cache, stats: this.stats(), ms: performance.now() - t0 };
  }

  /** One record per request (deduped across files), in no particular order. */
  records(): readonly UsageRecord[] {
    if (this.winnersStale) this.rebuildWinners();
    return (this.list ??= [...this.winners.values()]);
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
      writeAtomic(this.cacheFile, serialize(this.roots, [...this.files.values()]));
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

  private add(entry: FileEntry, reader: AgentReader, r: UsageRecord): void {
    this.list = null;
    const byKey = entry.byKey ??= new Map(entry.records.map((x, i) => [x.key, i]));
    const i = byKey.get(r.key);
    if (i !== undefined) {
      const prev = entry.records[i]!;
      if (!reader.lastWinsInFile && !betterCopy(r, prev)) return;
      entry.records[i] = r;
      if (this.winnersStale) return;
      const cur = this.winners.get(r.key);
      if (cur === prev && (betterCopy(r, prev) || !reader.lastWinsInFile)) this.winners.set(r.key, r);
      else if (cur === prev) this.winnersStale = true; // a smaller re-emission may let another file's copy win
      else if (!cur || betterCopy(r, cur)) this.winners.set(r.key, r);
      return;
    }
    byKey.set(r.key, entry.records.length);
    entry.records.push(r);
    if (this.winnersStale) return;
    const cur = this.winners.get(r.key);
    if (!cur || betterCopy(r, cur)) this.winners.set(r.key, r);
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
    try { buf = fs.readFileSync(file); } catch { return 'missing'; }
    try {
      const entries = deserialize(buf);
      if (entries === 'other-version') return 'other-version';
      for (const e of entries) this.files.set(e.path, e);
      this.winnersStale = true;
      return 'loaded';
    } catch {
      this.files.clear();
      return 'corrupt';
    }
  }
}

// ---- persistence -----------------------------------------------------------------------------------
// Layout: u32 magic, u32 version, u32 header length, u32 keys length, header JSON, keys joined by
// NUL, padding to 8 bytes, then COLS float64 per record. Numbers stay binary so ~100k records
// load in a few milliseconds; the dedupe keys are kept so a later append still dedupes.

const RateWindowSchema = z.object({ usedPercent: z.number(), windowMinutes: z.number().nullable(), resetsAt: z.number().nullable() });
const RateLimitsSchema = z.object({ primary: RateWindowSchema.optional(), secondary: RateWindowSchema.optional(), planType: z.string().optional() });
const HeaderSchema = z.object({
  strings: z.array(z.string()),
  files: z.array(z.object({
    path: z.string(), agent: z.enum(AGENTS), size: z.number(), mtimeMs: z.number(), ino: z.number(), offset: z.number(),
    state: z.unknown(), malformed: z.number(), n: z.number().int().nonnegative(),
    rateLimits: z.array(z.tuple([z.number().int(), RateLimitsSchema])).optional(),
  })),
});

function serialize(roots: readonly AgentRoot[], entries: FileEntry[]): Buffer {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const intern = (s: string) => { let i = ids.get(s); if (i === undefined) { i = strings.length; strings.push(s); ids.set(s, i); } return i; };
  let total = 0;
  for (const e of entries) total += e.records.length;
  const data = new Float64Array(total * COLS);
  const keys: string[] = [];
  const files = [];
  let k = 0;
  for (const e of entries) {
    const rateLimits: [number, RateLimits][] = [];
    e.records.forEach((r, i) => {
      const u = r.usage;
      data[k++] = r.timestamp; data[k++] = u.input; data[k++] = u.output; data[k++] = u.cacheRead;
      data[k++] = u.cacheWrite5m; data[k++] = u.cacheWrite1h; data[k++] = r.contextTokens;
      data[k++] = intern(r.model); data[k++] = intern(r.sessionId); data[k++] = intern(r.project); data[k++] = r.rank;
      keys.push(r.key);
      if (r.rateLimits) rateLimits.push([i, r.rateLimits]);
    });
    files.push({ path: e.path, agent: e.agent, size: e.size, mtimeMs: e.mtimeMs, ino: e.ino, offset: e.offset, state: e.state,
      malformed: e.malformed, n: e.records.length, ...(rateLimits.length ? { rateLimits } : {}) });
  }
  const header = Buffer.from(JSON.stringify({ roots, strings, files }));
  const keyBuf = Buffer.from(keys.join('\0'));
  const pre = 16 + header.length + keyBuf.length;
  const pad = (8 - (pre % 8)) % 8;
  const out = Buffer.alloc(pre + pad + data.byteLength);
  out.writeUInt32LE(MAGIC, 0); out.writeUInt32LE(INDEX_VERSION, 4);
  out.writeUInt32LE(header.length, 8); out.writeUInt32LE(keyBuf.length, 12);
  header.copy(out, 16); keyBuf.copy(out, 16 + header.length);
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, pre + pad);
  return out;
}

function deserialize(buf: Buffer): FileEntry[] | 'other-version' {
  if (buf.length < 16 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not an index');
  if (buf.readUInt32LE(4) !== INDEX_VERSION) return 'other-version';
  const hl = buf.readUInt32LE(8), kl = buf.readUInt32LE(12);
  const pre = 16 + hl + kl;
  const start = pre + ((8 - (pre % 8)) % 8);
  if (start > buf.length || (buf.length - start) % (8 * COLS) !== 0) throw new Error('truncated');
  const parsed = HeaderSchema.safeParse(JSON.parse(buf.toString('utf8', 16, 16 + hl)));
  if (!parsed.success) throw new Error('bad header');
  const { strings, files } = parsed.data;
  const n = (buf.length - start) / 8;
  const data = (buf.byteOffset + start) % 8 === 0
    ? new Float64Array(buf.buffer, buf.byteOffset + start, n)
    : new Float64Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  const keys = kl ? buf.toString('utf8', 16 + hl, pre).split('\0') : [];
  const count = files.reduce((s, f) => s + f.n, 0);
  if (count * COLS !== n || keys.length !== count) throw new Error('record count mismatch');
  const str = (i: number) => { const s = strings[i]; if (s === undefined) throw new Error('bad string'); return s; };
  let k = 0, ki = 0;
  return files.map(f => {
    const records: UsageRecord[] = new Array(f.n);
    for (let i = 0; i < f.n; i++) {
      records[i] = {
        agent: f.agent, timestamp: data[k]!,
        usage: { input: data[k + 1]!, output: data[k + 2]!, cacheRead: data[k + 3]!, cacheWrite5m: data[k + 4]!, cacheWrite1h: data[k + 5]! },
        contextTokens: data[k + 6]!, model: str(data[k + 7]!), sessionId: str(data[k + 8]!), project: str(data[k + 9]!), rank: data[k + 10]!,
        file: f.path, key: keys[ki++]!,
      };
      k += COLS;
    }
    for (const [i, rl] of f.rateLimits ?? []) { const r = records[i]; if (r) r.rateLimits = rl; }
    return { path: f.path, agent: f.agent, size: f.size, mtimeMs: f.mtimeMs, ino: f.ino, offset: f.offset,
      state: f.state ?? READERS[f.agent].initState(f.path), records, malformed: f.malformed };
  });
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
