// The incremental, persisted index of agent usage: which bytes of which log were read, and the
// requests found there, so a refresh parses only what was appended since the last one.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { claudeCodeReader } from './agents/claudeCode';
import { codexReader } from './agents/codex';
import { geminiReader } from './agents/gemini';
import { scanLines } from './agents/lineScanner';
import { ZSTD_SUFFIX, isCompressedLog, scanCompressedLines } from './agents/logSource';
import { SkipCounts, addSkip, isSkipReason, orderedSkips } from './agents/skipReasons';
import { AgentRoot, FoundFile, PathProblem, findLogFiles, scanDirs } from './agents/locations';
import { AGENTS, Agent, AgentReader, RateLimits, UsageRecord, betterCopy } from './agents/records';
import { COLUMNS_PER_ROW, UsageColumns, columnsOf, slotOf } from './report';

/** Bump whenever a reader or the file layout changes: an index of another version is rebuilt. */
/** How long a refresh runs before it lets other work in. */
const YIELD_AFTER_MS = 20;

export const INDEX_VERSION = 5;
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
  /** Lines skipped, by reason, and how many requests the reader emitted (copies included). */
  lines: FileLines;
  /**
   * The log is gone (the agent cleaned it up, or compressed it into a twin): its requests are kept as
   * history, so past days do not change, until `forget` drops them. Never read or stat'ed again.
   */
  gone?: true;
}

interface FileLines { emitted: number; skipped: SkipCounts }
const noLines = (): FileLines => ({ emitted: 0, skipped: {} });

export interface UsageIndexOptions {
  roots: readonly AgentRoot[];
  /** Where the index is persisted; null or absent keeps it in memory only. */
  cacheFile?: string | null;
  /** Save after every refresh that changed something (default). Turn off to save on your own schedule with `save()`. */
  autoSave?: boolean;
}

export interface IndexStats {
  files: number;
  /** Requests after dedupe. */
  records: number;
  malformedLines: number;
  unreadable: PathProblem[];
  /** Logs that are gone from disk whose requests are kept as history. */
  historyFiles: number;
}

export interface AgentExplanation {
  agent: Agent;
  /** The folders walked for this agent. */
  folders: string[];
  files: number;
  /** Of `files`, compressed (`.jsonl.zst`). */
  compressedFiles: number;
  /** Logs gone from disk whose requests are kept as history. */
  historyFiles: number;
  /** Lines that were requests, every copy included. */
  requestLines: number;
  /** Requests counted once each: what the report adds up. */
  counted: number;
  /** Lines not counted, by reason (duplicate and replay copies included). */
  skipped: SkipCounts;
  filesWithSkips: { path: string; skipped: SkipCounts }[];
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
  /** The persisted index as loaded, while nothing has needed its records as objects (see `materialize`). */
  private snap: Snapshot | null = null;
  /** Set when a loaded snapshot turned out unusable mid-refresh: that refresh starts over. */
  private discarded = false;
  private cols: UsageColumns | null = null;
  private dirty = false;
  private unreadable: PathProblem[] = [];
  /** Paths that could not be read and why, from the last refresh (files and folders). */
  get problems(): readonly PathProblem[] { return this.unreadable; }

  constructor(opts: UsageIndexOptions) {
    this.roots = opts.roots;
    this.cacheFile = opts.cacheFile ?? null;
    this.autoSave = opts.autoSave ?? true;
  }

  /**
   * Brings the index up to date with the logs on disk. Never throws for bad or missing logs. Gives the
   * event loop back every few milliseconds, so a cold scan of a large tree does not stall the engine's
   * other requests (token counts, lenses) for seconds.
   */
  async refresh(): Promise<RefreshResult> {
    const steps = this.steps();
    let slice = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - slice > YIELD_AFTER_MS) {
        await new Promise(resolve => setImmediate(resolve));
        slice = performance.now();
      }
    }
  }

  refreshSync(): RefreshResult {
    const steps = this.steps();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /** The refresh, one log file a step. */
  private *steps(): Generator<void, RefreshResult, void> {
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
      yield;
    }
    if (this.discarded) {
      this.discarded = false;
      cache = 'corrupt';
      for (const f of found) { const outcome = this.update(f, problems); if (outcome) result[outcome]++; yield; }
    }
    for (const p of [...this.files.keys()]) {
      const e = this.files.get(p)!;
      if (present.has(p) || e.gone) continue;
      // Claude Code deletes transcripts after cleanupPeriodDays, Codex compresses and archives: what was
      // counted stays counted. Records are already one per request; the reader's state is not needed again.
      this.materialize();
      this.cols = null;
      const kept = this.files.get(p)!;
      // a rollout compressed into its .zst twin is the same file: the twin holds the same requests
      if (kept.records.length && !present.has(p + ZSTD_SUFFIX)) { kept.gone = true; kept.state = null; kept.byKey = undefined; }
      else { this.files.delete(p); this.winnersStale = true; }
      result.removedFiles++;
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
    this.ensureObjects();
    if (this.winnersStale) this.rebuildWinners();
    return (this.list ??= [...this.winnerMap().values()]);
  }

  /**
   * The same requests as `records()`, in the same order, as columns. Straight from the loaded
   * index file while nothing changed, so a warm report creates no object per request.
   */
  columns(): UsageColumns {
    if (this.cols) return this.cols;
    if (this.snap) return (this.cols = snapshotColumns(this.snap));
    return (this.cols = columnsOf(this.records()));
  }

  stats(): IndexStats {
    let malformed = 0;
    for (const e of this.files.values()) malformed += e.malformed;
    const records = this.snap ? this.snap.winners : this.records().length;
    let history = 0;
    for (const e of this.files.values()) if (e.gone) history++;
    return { files: this.files.size - history, historyFiles: history, records, malformedLines: malformed, unreadable: this.unreadable };
  }

  /**
   * Lines that looked like requests and were not counted, by reason (see `skipReasons.ts`). Copies of
   * a request counted elsewhere are `duplicate`, or `replay` when the losing copy is replayed history.
   */
  skippedByReason(): SkipCounts {
    if (this.snap) return { ...this.snap.skips };
    const out: SkipCounts = {};
    for (const a of this.explain()) for (const [r, n] of Object.entries(a.skipped)) if (isSkipReason(r) && n) addSkip(out, r, n);
    return orderedSkips(out);
  }

  /**
   * Per agent, what was read and what came of it: the folders walked, the files read, how many lines
   * were requests, how many of those counted, and every skipped line by reason (`report --explain`).
   */
  explain(): AgentExplanation[] {
    this.ensureObjects();
    const winners = this.winnerMap();
    const out = new Map<Agent, AgentExplanation>();
    for (const root of this.roots) {
      let a = out.get(root.agent);
      if (!a) { a = { agent: root.agent, folders: [], files: 0, compressedFiles: 0, historyFiles: 0, requestLines: 0, counted: 0, skipped: {}, filesWithSkips: [] }; out.set(root.agent, a); }
      for (const d of scanDirs(root)) if (!a.folders.includes(d)) a.folders.push(d);
    }
    for (const w of winners.values()) { const a = out.get(w.agent); if (a) a.counted++; }
    for (const e of this.files.values()) {
      const a = out.get(e.agent);
      if (!a) continue;
      if (e.gone) a.historyFiles++; else a.files++;
      if (isCompressedLog(e.path) && !e.gone) a.compressedFiles++;
      a.requestLines += e.lines.emitted;
      const own: SkipCounts = {};
      for (const [r, n] of Object.entries(e.lines.skipped)) if (isSkipReason(r) && n) addSkip(own, r, n);
      // every emitted copy that is not the counted one is a duplicate, or a replay when it is replayed history
      const within = e.lines.emitted - e.records.length; // later copies in the same file, replaced or dropped
      if (within) addSkip(own, 'duplicate', within);
      for (const r of e.records) if (winners.get(r.key) !== r) addSkip(own, r.rank >= 2 ? 'replay' : 'duplicate');
      for (const [r, n] of Object.entries(own) as [keyof SkipCounts, number][]) addSkip(a.skipped, r, n);
      if (Object.keys(own).length) a.filesWithSkips.push({ path: e.path, skipped: orderedSkips(own) });
    }
    for (const a of out.values()) a.skipped = orderedSkips(a.skipped);
    return [...out.values()];
  }

  /** Per agent, the plan usage reported last (Codex rate limits), from events that billed nothing too. */
  latestRateLimits(): Map<Agent, { at: number; limits: RateLimits }> {
    const out = new Map<Agent, { at: number; limits: RateLimits }>();
    for (const e of this.files.values()) {
      if (e.gone) continue;
      const rl = READERS[e.agent].rateLimitsOf?.(e.state);
      const cur = out.get(e.agent);
      if (rl && (!cur || rl.at > cur.at)) out.set(e.agent, rl);
    }
    return out;
  }

  /** Log files with lines that could not be read, and how many: for messages that name the file. */
  malformedFiles(): { path: string; lines: number }[] {
    const out: { path: string; lines: number }[] = [];
    for (const e of this.files.values()) if (e.malformed > 0) out.push({ path: e.path, lines: e.malformed });
    return out;
  }

  /**
   * Drops the history of logs that are gone from disk: their requests for which `drop` says so (the CLI
   * passes "before this local day"). Requests still in a log on disk stay counted (delete the log to
   * drop those). Returns how many went.
   */
  forget(drop: (r: UsageRecord) => boolean): number {
    this.ensureObjects();
    let dropped = 0;
    for (const [p, e] of [...this.files]) {
      if (!e.gone) continue;
      const keep = e.records.filter(r => !drop(r));
      if (keep.length === e.records.length) continue;
      dropped += e.records.length - keep.length;
      if (keep.length) { e.records = keep; e.byKey = undefined; } else this.files.delete(p);
    }
    if (dropped) { this.winnersStale = true; this.list = null; this.cols = null; this.dirty = true; if (this.autoSave && this.cacheFile) this.save(); }
    return dropped;
  }

  /** Writes the index atomically; false (and a problem) when the cache folder is not writable. */
  save(): boolean {
    if (!this.cacheFile) return false;
    this.ensureObjects();
    try {
      writeAtomic(this.cacheFile, serialize(this.roots, [...this.files.values()], new Set(this.records()), this.skippedByReason()));
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
    // a compressed log is never appended to: when it changes, it is read again whole
    const whole = (reader.isWholeFile?.(f.path) ?? false) || isCompressedLog(f.path);
    let old = this.files.get(f.path);
    if (old && !old.gone && old.agent === f.agent && old.ino === st.ino && st.size === old.size && st.mtimeMs === old.mtimeMs) return null;
    // something changes: from here on, records are needed as objects
    this.materialize();
    this.cols = null;
    old = this.files.get(f.path);
    if (old && !old.gone && old.agent === f.agent && old.ino === st.ino) {
      if (!whole && st.size >= old.offset) {
        old.size = st.size; old.mtimeMs = st.mtimeMs;
        if (st.size === old.offset) return null; // touched, nothing new
        const before = old.offset;
        return this.read(old, old.offset, problems) && old.offset !== before ? 'appendedFiles' : null;
      }
    }
    // new, replaced, shrunk, or rewritten whole: its previous contribution goes
    const entry: FileEntry = { path: f.path, agent: f.agent, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, offset: 0,
      state: reader.initState(f.path), records: [], malformed: 0, lines: noLines() };
    if (old) this.winnersStale = true;
    this.files.set(f.path, entry);
    if (!this.read(entry, 0, problems)) { this.files.delete(f.path); return old ? 'removedFiles' : null; }
    // A whole-file log caught mid-rewrite does not parse: keep what it held until it changes again.
    if (whole && old && entry.records.length === 0 && entry.malformed > 0) { entry.records = old.records; entry.byKey = undefined; }
    return old ? 'rereadFiles' : 'newFiles';
  }

  private read(entry: FileEntry, from: number, problems: PathProblem[]): boolean {
    const reader = READERS[entry.agent];
    const emit = (r: UsageRecord) => { entry.lines.emitted++; this.add(entry, reader, r); };
    const onLine = (line: string, offset: number) => {
      const outcome = reader.line(entry.state, line, offset, entry.path, emit);
      if (outcome === 'record' || outcome === 'ignored') return;
      if (outcome === 'malformed') entry.malformed++;
      addSkip(entry.lines.skipped, outcome);
    };
    let fd: number;
    try { fd = fs.openSync(entry.path, 'r'); } catch (e) {
      problems.push({ path: entry.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return false;
    }
    try {
      if (isCompressedLog(entry.path)) {
        try {
          scanCompressedLines(fd, reader.needles, onLine);
        } catch (e) {
          if (typeof (e as { code?: unknown }).code !== 'number') throw e; // fzstd's errors carry a numeric code; I/O errors a string
          problems.push({ path: entry.path, reason: `not valid zstd: ${(e as Error).message}` });
          addSkip(entry.lines.skipped, 'undecodable');
        }
        entry.offset = entry.size;
      } else if (reader.isWholeFile?.(entry.path) && reader.wholeFile) {
        if (entry.size > MAX_WHOLE_FILE) {
          problems.push({ path: entry.path, reason: 'too large' });
          addSkip(entry.lines.skipped, 'too-large');
          entry.offset = entry.size;
          return true;
        }
        const text = fs.readFileSync(fd, 'utf8');
        // A file caught mid-rewrite is not valid JSON yet: keep nothing now, it is read again when it changes.
        entry.malformed = reader.wholeFile(text, entry.path, emit).malformed;
        if (entry.malformed) entry.lines.skipped.malformed = entry.malformed;
        entry.offset = Buffer.byteLength(text);
      } else {
        entry.offset = scanLines(fd, from, reader.needles, onLine, undefined, reader.needleHeadBytes);
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
    this.cols = null;
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
    this.cols = null;
  }

  private load(file: string): Exclude<RefreshResult['cache'], null> {
    let buf: Buffer;
    try { buf = readAligned(file); } catch { return 'missing'; }
    try {
      const snap = openSnapshot(buf);
      if (snap === 'other-version') return 'other-version';
      for (const e of snap.entries) this.files.set(e.path, e);
      this.snap = snap;
      this.list = null;
      this.winners = null;
      this.winnersStale = false;
      return 'loaded';
    } catch {
      this.files.clear();
      this.snap = null;
      return 'corrupt';
    }
  }

  private ensureObjects(): void {
    this.materialize();
    if (this.discarded) this.refreshSync();
  }

  /** Turns the loaded snapshot into record objects: needed only once something changes or `records()` is asked for. */
  private materialize(): void {
    const snap = this.snap;
    if (!snap) return;
    this.snap = null;
    this.cols = null;
    try {
      this.list = materializeSnapshot(snap);
      this.winners = null;
      this.winnersStale = false;
    } catch {
      // what the CRC could not catch (a writer's bug): forget it all, the refresh reads every log again
      this.files.clear();
      this.list = null;
      this.winners = new Map();
      this.winnersStale = true;
      this.dirty = true;
      this.discarded = true;
    }
  }
}

// ---- persistence -----------------------------------------------------------------------------------
// Layout (little-endian): a 32-byte prefix of u32 magic, version, header length, keys length,
// record count, counted (winner) records, CRC-32 of everything after the prefix, 0; then header
// JSON (roots, interned strings, files, rate limits), keys joined by NUL, padding to 8 bytes, a
// float64 timestamp per record, COLUMNS_PER_ROW uint32 per record (see COLUMNS in report.ts), and
// the indexes of the counted records. A warm load reads the file, checks the CRC and the header's
// shape, and reports from the columns in place: no object per record is made, and no key decoded,
// until something changes (then `materialize` does it once, and checks what the CRC cannot).

const PREFIX = 32;
const WINNER = 0x100;
/** The flags column's upper 16 bits hold a request's web searches. */
const SEARCH_SHIFT = 16;
const ROW = 11; // COLUMNS_PER_ROW, as a local constant for the hot loops
if (ROW !== COLUMNS_PER_ROW) throw new Error('index row layout differs from the report columns');
const ROW_BYTES = 8 + 4 * ROW;

type FileTuple = [path: string, agent: Agent, size: number, mtimeMs: number, ino: number, offset: number, malformed: number, count: number, state: unknown, lines: FileLines, gone: boolean];

interface Snapshot {
  buf: Buffer;
  strings: string[];
  /** File entries with empty `records` until materialized; each file's rows follow the previous file's, `counts[i]` of them. */
  entries: FileEntry[];
  counts: number[];
  rateLimits: [number, RateLimits][];
  /** What `skippedByReason()` said when the index was saved. */
  skips: SkipCounts;
  times: Float64Array;
  ints: Uint32Array;
  /** Indexes of the counted records, ascending. */
  rows: Uint32Array;
  keysStart: number;
  keysEnd: number;
  total: number;
  winners: number;
}

/** Keys of loaded records, split out of the stored blob on first use. */
class KeyTable {
  private keys: string[] | null = null;
  constructor(private readonly buf: Buffer, private readonly start: number, private readonly end: number, private readonly count: number) {}
  get(i: number): string {
    const k = this.all()[i];
    if (k === undefined) throw new Error('index key out of range');
    return k;
  }
  all(): string[] {
    if (this.keys) return this.keys;
    const keys = this.count ? this.buf.toString('utf8', this.start, this.end).split('\0') : [];
    if (keys.length !== this.count) throw new Error('index keys do not match its records');
    return (this.keys = keys);
  }
}

class StoredRecord implements UsageRecord {
  rateLimits?: RateLimits;
  webSearches?: number;
  constructor(
    readonly agent: Agent, readonly timestamp: number, readonly usage: UsageRecord['usage'], readonly contextTokens: number,
    readonly model: string, readonly sessionId: string, readonly project: string, readonly rank: number,
    readonly file: string, private readonly keys: KeyTable, private readonly ki: number,
  ) {}
  get key(): string { return this.keys.get(this.ki); }
}

const u32 = (n: number) => Math.min(Math.max(0, Math.round(n)), 0xffffffff);

const crc32: (b: Uint8Array) => number = (zlib as { crc32?: (b: Uint8Array) => number }).crc32 ?? crc32js;
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

function serialize(roots: readonly AgentRoot[], entries: FileEntry[], winners: ReadonlySet<UsageRecord>, skips: SkipCounts): Buffer {
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
  const counted: number[] = [];
  let n = 0, k = 0, won = 0;
  for (const e of entries) {
    for (const r of e.records) {
      const u = r.usage;
      if (r.rateLimits) rateLimits.push([n, r.rateLimits]);
      const winner = winners.has(r);
      if (winner) { won++; counted.push(n); }
      times[n++] = r.timestamp;
      ints[k++] = u32(u.input); ints[k++] = u32(u.output); ints[k++] = u32(u.cacheRead); ints[k++] = u32(u.cacheWrite5m);
      ints[k++] = u32(u.cacheWrite1h); ints[k++] = u32(r.contextTokens);
      ints[k++] = intern(r.model); ints[k++] = intern(r.sessionId); ints[k++] = intern(r.project);
      ints[k++] = ((r.rank & 0xff) | (winner ? WINNER : 0) | (Math.min(r.webSearches ?? 0, 0xffff) << SEARCH_SHIFT)) >>> 0;
      ints[k++] = slotOf(r.timestamp);
      keys.push(r.key);
    }
    files.push([e.path, e.agent, e.size, e.mtimeMs, e.ino, e.offset, e.malformed, e.records.length, e.state, e.lines, e.gone === true]);
  }
  const header = Buffer.from(JSON.stringify({ roots, strings, files, rateLimits, skips }));
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

const isFileLines = (v: unknown): v is FileLines => typeof v === 'object' && v !== null && isCount((v as FileLines).emitted)
  && typeof (v as FileLines).skipped === 'object' && (v as FileLines).skipped !== null
  && Object.entries((v as FileLines).skipped).every(([k, n]) => isSkipReason(k) && isCount(n));

/** Checks a stored index cheaply (length, CRC, header shape, counts) and views its columns in place. */
function openSnapshot(buf: Buffer): Snapshot | 'other-version' {
  if (buf.length < PREFIX || buf.readUInt32LE(0) !== MAGIC) throw new Error('not an index');
  if (buf.readUInt32LE(4) !== INDEX_VERSION) return 'other-version';
  const hl = buf.readUInt32LE(8), kl = buf.readUInt32LE(12), total = buf.readUInt32LE(16), winners = buf.readUInt32LE(20);
  const pre = PREFIX + hl + kl;
  const start = pre + ((8 - (pre % 8)) % 8);
  if (winners > total || start + total * ROW_BYTES + winners * 4 !== buf.length) throw new Error('truncated');
  if (crc32(buf.subarray(PREFIX)) !== buf.readUInt32LE(24)) throw new Error('checksum mismatch');
  const h = JSON.parse(buf.toString('utf8', PREFIX, PREFIX + hl)) as { strings?: unknown; files?: unknown; rateLimits?: unknown; skips?: unknown };
  const { strings, files, rateLimits, skips } = h;
  if (typeof skips !== 'object' || skips === null || !Object.entries(skips).every(([k, n]) => isSkipReason(k) && isCount(n))) throw new Error('bad skip counts');
  if (!Array.isArray(strings) || !strings.every(x => typeof x === 'string')) throw new Error('bad strings');
  if (!Array.isArray(files) || !Array.isArray(rateLimits)) throw new Error('bad header');
  const entries: FileEntry[] = [], counts: number[] = [];
  let sum = 0;
  for (const f of files as unknown[]) {
    if (!Array.isArray(f) || f.length !== 11) throw new Error('bad file entry');
    const [p, agent, size, mtimeMs, ino, offset, malformed, count, state, lines, gone] = f as FileTuple;
    if (typeof p !== 'string' || !AGENTS.includes(agent) || !isNum(size) || !isNum(mtimeMs) || !isNum(ino) || !isNum(offset) || !isNum(malformed) || !isCount(count)
      || !isFileLines(lines) || typeof gone !== 'boolean') {
      throw new Error('bad file entry');
    }
    const entry: FileEntry = { path: p, agent, size, mtimeMs, ino, offset, malformed, records: [], state: state ?? READERS[agent].initState(p), lines };
    if (gone) entry.gone = true;
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
  return { buf, strings: strings as string[], entries, counts, rateLimits: rateLimits as [number, RateLimits][], skips: skips as SkipCounts, times, ints, rows,
    keysStart: PREFIX + hl, keysEnd: pre, total, winners };
}

/** The counted rows of a snapshot, as report columns, without copying the numbers. */
function snapshotColumns(s: Snapshot): UsageColumns {
  const agents = new Uint8Array(s.total);
  for (let i = 0, n = 0; i < s.entries.length; n += s.counts[i]!, i++) agents.fill(AGENTS.indexOf(s.entries[i]!.agent), n, n + s.counts[i]!);
  return { rows: s.rows, times: s.times, ints: s.ints, agents, strings: s.strings };
}

/** Fills the snapshot's file entries with record objects; returns the counted ones in stored order. */
function materializeSnapshot(s: Snapshot): UsageRecord[] {
  const { times, ints, strings, rateLimits: limits } = s;
  const keys = new KeyTable(s.buf, s.keysStart, s.keysEnd, s.total);
  keys.all(); // checked now, while failing can still start the refresh over
  const winners: UsageRecord[] = [];
  let li = 0, n = 0, k = 0;
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
      if (flags & WINNER) winners.push(r);
    }
    e.records = records;
  }
  return winners;
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
