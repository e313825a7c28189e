// The incremental, persisted index of agent usage: which bytes of which log were read, and the
// requests found there, so a refresh parses only what was appended since the last one.
// Each file is read by its agent's adapter (`adapterOf(agent).usage`): line by line from where the
// last read stopped, or whole for formats that rewrite the file (`isWholeFile`, e.g. Gemini's JSON).
import fs from 'node:fs';
import { adapterOf } from '../agents/index';
import { scanLines } from '../agents/lineScanner';
import { ZSTD_SUFFIX, isCompressedLog, scanCompressedLines } from '../agents/logSource';
import { AgentRoot, FoundFile, PathProblem, findLogFiles, scanDirs } from '../agents/locations';
import { AgentId, AgentReader, RateLimits, UsageRecord, betterCopy } from '../agents/records';
import { SkipCounts, addSkip, isSkipReason, orderedSkips } from '../agents/skipReasons';
import { UsageColumns, columnsOf } from './columns';
import { FileEntry, INDEX_VERSION, Snapshot, materializeSnapshot, noLines, openSnapshot, readAligned, serialize, snapshotColumns, writeAtomic } from './snapshot';

export { INDEX_VERSION };

/** How long a refresh runs before it lets other work in. */
const YIELD_AFTER_MS = 20;
/** Whole-file JSON bigger than this is not a chat record worth loading into memory. */
const MAX_WHOLE_FILE = 256 * 1024 * 1024;

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
  agent: AgentId;
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
    const out = new Map<AgentId, AgentExplanation>();
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
  latestRateLimits(): Map<AgentId, { at: number; limits: RateLimits }> {
    const out = new Map<AgentId, { at: number; limits: RateLimits }>();
    for (const e of this.files.values()) {
      if (e.gone) continue;
      const rl = adapterOf(e.agent).usage.rateLimitsOf?.(e.state);
      const cur = out.get(e.agent);
      if (rl && (!cur || rl.at > cur.at)) out.set(e.agent, rl);
    }
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

  /** Log files with lines that could not be read, and how many: for messages that name the file. */
  malformedFiles(): { path: string; lines: number }[] {
    const out: { path: string; lines: number }[] = [];
    for (const e of this.files.values()) if (e.malformed > 0) out.push({ path: e.path, lines: e.malformed });
    return out;
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
    const reader = adapterOf(f.agent).usage;
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
    const reader = adapterOf(entry.agent).usage;
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
