// The incremental, persisted index of agent usage: which bytes of which log were read, and the
// requests found there, so a refresh parses only what was appended since the last one.
// Each file is read by its agent's adapter (`adapterOf(agent).usage`): line by line from where the
// last read stopped, or whole for formats that rewrite the file (`isWholeFile`, e.g. Gemini's JSON).
import fs from 'node:fs';
import path from 'node:path';
import { adapterOf } from '../agents/index';
import { scanLines } from '../agents/lineScanner';
import { ZSTD_SUFFIX, isCompressedLog, scanCompressedLines } from '../agents/logSource';
import { AgentRoot, FoundFile, PathProblem, WalkCache, walkLogFiles, scanDirs } from '../agents/locations';
import type { Walked as WalkFound } from '../agents/locations';
import { fsPath } from '../agents/fileNames';
import { AgentId, AgentReader, LineOutcome, RateLimits, UsageRecord, betterCopy } from '../agents/records';
import { SkipCounts, addSkip, isSkipReason, orderedSkips } from '../agents/skipReasons';
import { SqliteReadError, databaseStamp, withSnapshot } from '../agents/sqlite';
import { ColumnsBuilder, UsageColumns } from './columns';
import { Coverage, sameCoverage } from './coverage';
import { readRegularFile, removeStaleTemps, writeAtomic } from '../persist';
import { JobQueue, PARALLEL_MIN_BYTES, ScanJob, ScanResult, runWorker, stopEarlyWorker, workerCount, workerFile } from './scanPool';
import { FileEntry, Snapshot, SkipReason, crc32, materializeSnapshot, openSnapshot, serialize, snapshotColumns } from './snapshot';

export type { SkipReason };

/** Past this many changed requests, the counted list is built again rather than patched. */
const MAX_PATCHED = 4096;
/** Past this many in-place writes remembered for `changesSince`, the record starts again. */
const MAX_LIST_WRITES = 65_536;
/** How long a refresh runs before it lets other work in. */
const YIELD_AFTER_MS = 20;
/** While workers scan, this thread takes in their results this often, so none are left to take in at the end. */
const TAKE_RESULTS_MS = 3;
/** Whole-file JSON bigger than this is not a chat record worth loading into memory. */
const MAX_WHOLE_FILE = 256 * 1024 * 1024;
/** More tokens than this in one field of one request is not a request but a corrupt or hostile log. */
export const MAX_PLAUSIBLE_TOKENS = 100_000_000;
/** Requests from before this are not agent requests (and would be filed under a day that never was). */
const EARLIEST = Date.UTC(2000, 0, 1);
/** A request stamped more than a day ahead of now is skipped: one bad clock must not own the meter for good. */
const FUTURE_SLACK_MS = 86_400_000;
/** Byte offsets kept per file and reason, for messages that name lines. */
const OFFSETS_KEPT = 5;
/** Bytes before the read offset whose checksum tells an append from a rewrite on the same inode. */
const FINGERPRINT_BYTES = 4096;

export interface UsageIndexOptions {
  roots: readonly AgentRoot[];
  /** Where the index is persisted; null or absent keeps it in memory only. */
  cacheFile?: string | null;
  /** Save after every refresh that changed something (default). Turn off to save on your own schedule with `save()`. */
  autoSave?: boolean;
  /**
   * Parse a cold or large scan on worker threads too (`scanPool.ts`): for the CLI and the engine,
   * never the extension host. A small refresh stays on this thread. Tests set how many bytes make a
   * scan large (`minBytes`, default `PARALLEL_MIN_BYTES`) and how many workers start (`count`).
   */
  workers?: boolean | { minBytes?: number; count?: number };
}

export interface IndexStats {
  files: number;
  /** Requests after dedupe. */
  records: number;
  malformedLines: number;
  /** Lines and requests skipped for other reasons (`too-large`, `implausible`, `out-of-range-time`, `replay`, ...). */
  skipped: Partial<Record<SkipReason, number>>;
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

/**
 * What a refresh may take for granted (the engine's watchers tell it). Without one, a refresh lists
 * every folder and stats every log. With `full: false`, folders whose modification time is unchanged are
 * not listed again and known logs are stat-ed only when named in `touched`.
 */
/**
 * What a walk found: the log files and the folders that could not be read. `only`: just the logs a
 * watcher named, every one of them known, in folders that did not change: the rest stands as it was.
 */
type Walked = WalkFound & { only?: boolean };

export interface RefreshHint {
  full: boolean;
  /** Log paths a watcher reported changed since the last refresh. */
  touched?: ReadonlySet<string>;
  /**
   * How the refresh gives the event loop back between slices; by default at once (setImmediate). An
   * engine busy with requests waits longer, so that they all go first (see server/usage.ts).
   */
  pause?: () => Promise<void>;
}

const immediate = () => new Promise<void>(resolve => setImmediate(resolve));

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
  private readonly workers: { minBytes: number; count: number } | null;
  /** Files read from their start by a parallel scan, for `update` to take instead of reading them. */
  private pre: Map<string, ScanResult> | null = null;
  private readonly files = new Map<string, FileEntry>();
  /** The counted copy of each key; null after a load until a change needs it (the list is enough to report). */
  private winners: Map<string, UsageRecord> | null = new Map();
  private winnersStale = true;
  /** The copies that lost to `winners` when it was last built whole, by skip reason; null once winners changed since. */
  private losers: { of: Map<string, UsageRecord>; replay: number; duplicate: number } | null = null;
  /** The counted records (`records()`), and what keeps them up to date without building them again (`patchList`). */
  private list: UsageRecord[] | null = null;
  private coverage: Coverage | null = null;
  /** Keys whose counted copy changed since `list` was built, with the copy `list` holds (undefined: none). */
  private pending: Map<string, UsageRecord | undefined> | null = null;
  /** Where each key is in `list`: built when a request is first replaced in place. */
  private listPos: Map<string, number> | null = null;
  /** `cols` grows with `list`: an append writes its rows, not every row. */
  private builder: ColumnsBuilder | null = null;
  /** `list` was handed out: the next patch works on a copy, so what a caller holds never changes under it. */
  private listShared = false;
  /** Positions `patchList` wrote in place since `list` was built, and each list handed out since with how many there were then (`changesSince`). */
  private listWrites: number[] = [];
  private handedOut = new WeakMap<readonly UsageRecord[], number>();
  private loaded = false;
  /** The persisted index as loaded, while nothing has needed its records as objects (see `materialize`). */
  private snap: Snapshot | null = null;
  /** Set when a loaded snapshot turned out unusable mid-refresh: that refresh starts over. */
  private discarded = false;
  private cols: UsageColumns | null = null;
  private dirty = false;
  private unreadable: PathProblem[] = [];
  /** Files whose last read failed, as they were then: not tried again until they change. */
  private failed = new Map<string, { size: number; mtimeMs: number; ino: number; reason: string }>();
  private cleaned = false;
  private readonly walkCache = new WalkCache();
  /** The stats of the last refresh: what a refresh that found nothing to do answers. */
  private lastStats: IndexStats | null = null;
  /** Log files opened for reading since construction: tests and benchmarks look at it. */
  fileReads = 0;
  /** Of `fileReads`, the files a worker thread read. */
  workerReads = 0;
  /** Paths that could not be read and why, from the last refresh (files and folders). */
  get problems(): readonly PathProblem[] { return this.unreadable; }

  constructor(opts: UsageIndexOptions) {
    this.roots = opts.roots;
    this.cacheFile = opts.cacheFile ?? null;
    this.autoSave = opts.autoSave ?? true;
    const w = opts.workers ?? false;
    this.workers = w ? { minBytes: PARALLEL_MIN_BYTES, count: workerCount(), ...(w === true ? {} : w) } : null;
  }

  /**
   * Brings the index up to date with the logs on disk. Never throws for bad or missing logs. Gives the
   * event loop back every few milliseconds, so a cold scan of a large tree does not stall the engine's
   * other requests (token counts, lenses) for seconds.
   */
  async refresh(hint?: RefreshHint): Promise<RefreshResult> {
    let walked: Walked | null | undefined;
    // a cheap poll (watcher-named files, unchanged folders) never warrants workers, nor a stat of every log
    const cheapPoll = hint?.full === false && this.loaded;
    let slice = performance.now();
    const pause = hint?.pause ?? immediate;
    if (this.workers && !cheapPoll) {
      // the walk too gives the loop back: a full sweep stats every log (26,000 of them: a few hundred ms)
      const walk = this.walk(hint);
      for (;;) {
        const r = walk.next();
        if (r.done) { walked = r.value; break; }
        if (performance.now() - slice > YIELD_AFTER_MS) { await pause(); slice = performance.now(); }
      }
      if (walked) await this.prefetch(walked.files, pause);
      else stopEarlyWorker();
    }
    const steps = this.steps(hint, walked);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - slice > YIELD_AFTER_MS) {
        await pause();
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
  private *steps(hint?: RefreshHint, walked?: Walked | null): Generator<void, RefreshResult, void> {
    const t0 = performance.now();
    const w = walked !== undefined ? walked : yield* this.walk(hint);
    let cache = this.loadResult;
    this.loadResult = null;
    const cheap = hint?.full === false && cache === null;
    // nothing named and no folder changed: nothing to do (one stat per folder, none per log)
    if (!w) return { changed: false, newFiles: 0, appendedFiles: 0, rereadFiles: 0, removedFiles: 0, cache, stats: this.lastStats!, ms: performance.now() - t0 };
    const { files: found, problems } = w;
    const result = { newFiles: 0, appendedFiles: 0, rereadFiles: 0, removedFiles: 0 };
    const present = new Set<string>();
    for (const f of found) {
      present.add(f.path);
      // a known log in a folder that did not change, and no watcher named it: taken as it was
      if (cheap && !f.stats && !hint!.touched?.has(f.path) && this.unchanged(f)) continue;
      const outcome = this.update(f, problems);
      if (outcome) result[outcome]++;
      yield;
    }
    if (this.discarded) {
      this.discarded = false;
      cache = 'corrupt';
      for (const f of found) { const outcome = this.update(f, problems); if (outcome) result[outcome]++; yield; }
    }
    for (const p of w.only ? [] : [...this.files.keys()]) {
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
    if (!w.only) this.unreadable = problems;
    else if (problems.length) {
      const said = new Set(this.unreadable.map(x => `${x.path}\0${x.reason}`));
      this.unreadable = [...this.unreadable, ...problems.filter(x => !said.has(`${x.path}\0${x.reason}`))];
    }
    if (this.dirty && this.autoSave && this.cacheFile) {
      if (!this.save()) cache = cache ?? 'unwritable';
    }
    this.pre = null;
    const stats = this.lastStats = this.stats();
    return { changed, ...result, cache, stats, ms: performance.now() - t0 };
  }

  private unchanged(f: FoundFile): boolean {
    const e = this.files.get(f.path);
    return !!e && !e.gone && e.agent === f.agent && !this.failed.has(f.path);
  }

  /** The persisted index is loaded before the first walk; how that went is said by the refresh that did it. */
  private loadResult: RefreshResult['cache'] = null;

  /**
   * Loads the persisted index once, then lists the log files; null when a cheap refresh (`hint.full`
   * false, the index already loaded) finds nothing named and no folder changed.
   */
  private *walk(hint?: RefreshHint): Generator<void, Walked | null, void> {
    if (!this.loaded) {
      this.loaded = true;
      if (this.cacheFile && !this.cleaned) { this.cleaned = true; removeStaleTemps(this.cacheFile); }
      this.loadResult = this.cacheFile ? this.load(this.cacheFile) : 'disabled';
      if (this.loadResult !== 'loaded') this.dirty = true;
    }
    const cheap = hint?.full === false && this.loadResult === null;
    if (cheap && !hint!.touched?.size && this.lastStats && this.walkCache.unchanged(this.roots)) return null;
    if (cheap && this.lastStats && hint!.touched?.size) { const only = this.touchedOnly(hint!.touched); if (only) return only; }
    return yield* walkLogFiles(this.roots, hint ? this.walkCache : undefined, !cheap);
  }

  /**
   * The logs a watcher named, when that is all there is to read: each one a log the index knows and
   * still a file, and every other path named (a file that is no log, a folder) in a folder whose
   * listing has not changed since the last walk, so no log appeared or went. Null when a walk is needed.
   * One stat per path named, none for the thousands of other logs and folders.
   */
  private touchedOnly(touched: ReadonlySet<string>): Walked | null {
    const files: FoundFile[] = [];
    for (const p of touched) {
      const e = this.files.get(p);
      if (e && !e.gone) {
        let st: fs.Stats;
        try { st = fs.lstatSync(fsPath(p)); } catch { return null; } // gone: the walk keeps its requests as history
        if (!st.isFile()) return null; // a link (the walk decides where it may lead), a folder, a FIFO
        files.push({ path: p, agent: e.agent, stats: st });
        continue;
      }
      if (!this.listingUnchanged(path.dirname(p)) || this.walkCache.dirs.has(p) && !this.listingUnchanged(p)) return null;
    }
    return { files, problems: [], only: true };
  }

  /** The last walk listed `dir`, and it has not changed since (a stat). */
  private listingUnchanged(dir: string): boolean {
    const d = this.walkCache.dirs.get(dir);
    if (!d) return false;
    let st: fs.Stats;
    try { st = fs.statSync(fsPath(dir)); } catch { return false; }
    return st.dev === d.dev && st.ino === d.ino && st.mtimeMs === d.mtimeMs && st.ctimeMs === d.ctimeMs;
  }

  /**
   * A cold or large scan: the files to be read from their start, when they add up to enough bytes,
   * are read by this thread and worker threads at once, into `pre`. Gives the event loop back between
   * files, as `refresh` does.
   */
  private async prefetch(found: readonly FoundFile[], pause: () => Promise<void>): Promise<void> {
    const jobs: ScanJob[] = [];
    let bytes = 0;
    for (const f of found) {
      let st: fs.Stats;
      try { st = f.stats ?? fs.statSync(fsPath(f.path)); } catch { continue; } // `update` says why
      const old = this.files.get(f.path);
      if (old && !old.gone && old.agent === f.agent && old.ino === st.ino) continue; // unchanged or appended
      if (adapterOf(f.agent).usage.isDatabase?.(f.path)) continue; // databases are read on this thread (sqlite.ts)
      const failed = this.failed.get(f.path);
      if (failed && failed.ino === st.ino && failed.size === st.size && failed.mtimeMs === st.mtimeMs) continue;
      jobs.push({ path: f.path, agent: f.agent, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      bytes += st.size;
    }
    const file = workerFile();
    const n = this.workers!.count;
    if (!file || n === 0 || jobs.length < 2 || bytes < this.workers!.minBytes) { stopEarlyWorker(); return; }
    const now = Date.now();
    const queue = new JobQueue(jobs);
    const pre = new Map<string, ScanResult>();
    const pending = Array.from({ length: Math.min(n, jobs.length - 1) }, () => runWorker(file, queue, now, r => { r.remote = true; pre.set(r.entry.path, r); }));
    let slice = performance.now(), taken = slice;
    for (let j = queue.back(); j; j = queue.back()) {
      const reader = adapterOf(j.agent).usage;
      const entry: FileEntry = { ...j, offset: 0, state: reader.initState(j.path), records: [], malformed: 0, emitted: 0 };
      const problems: PathProblem[] = [];
      const ok = readLog(entry, 0, problems, now, r => { addInFile(entry, reader, r); });
      pre.set(j.path, { entry, ok, problems });
      const t = performance.now();
      // the caller's pause (the engine's may wait while its client is busy) as often as a refresh
      // pauses; in between, only a turn of the event loop to take in what the workers sent
      if (t - slice > YIELD_AFTER_MS) { await pause(); slice = taken = performance.now(); }
      else if (t - taken > TAKE_RESULTS_MS) { await immediate(); taken = performance.now(); }
    }
    await Promise.all(pending);
    this.pre = pre;
  }

  /** One record per request (deduped across files), in no particular order. */
  records(): readonly UsageRecord[] {
    this.ensureObjects();
    if (this.winnersStale) this.rebuildWinners();
    if (this.list && this.pending) this.patchList();
    if (!this.list) {
      // the exact source wins over a lower bound for the sessions it covers; stand-ins give way (records.ts)
      const built = Coverage.build(this.winnerMap().values());
      this.list = built.list;
      this.coverage = built.coverage;
    }
    this.listShared = true;
    this.handedOut.set(this.list, this.listWrites.length);
    return this.list;
  }

  /**
   * How `records()` now differs from `older`, a list it handed out before: the positions written in
   * place since (in order, maybe repeated); every row past `older.length` was appended. Null when the
   * list was built again since, or `older` is unknown: compare the lists. Call after `records()`.
   */
  changesSince(older: readonly UsageRecord[]): readonly number[] | null {
    const at = this.handedOut.get(older);
    return at === undefined ? null : this.listWrites.slice(at);
  }

  /** Drops the counted list and the columns: the next `records()` builds them from the winners. */
  private dropList(): void {
    this.list = null;
    this.cols = null;
    this.coverage = null;
    this.pending = null;
    this.listPos = null;
    this.builder = null;
    this.listWrites = [];
    this.handedOut = new WeakMap();
  }

  /** The counted copy of `key` changed (`before` was it, or none): remembered for `patchList`. */
  private winnerChanged(key: string, before: UsageRecord | undefined): void {
    this.cols = null;
    this.losers = null;
    if (!this.list) return;
    const p = this.pending ??= new Map();
    if (!p.has(key)) p.set(key, before);
    // past a few thousand changes, building the list again costs less than patching it
    if (p.size > MAX_PATCHED) this.dropList();
  }

  /**
   * Brings the counted list (and the columns) up to date with the keys that changed since it was
   * built: a new request is appended, a better copy replaces the old one in place. What the
   * coverage state cannot decide alone builds the list again.
   */
  private patchList(): void {
    const pending = this.pending!;
    this.pending = null;
    if (this.listShared) { this.list = this.list!.slice(); this.listShared = false; }
    // a long session's record of writes starts again (the lists handed out before are then compared whole)
    if (this.listWrites.length > MAX_LIST_WRITES) { this.listWrites = []; this.handedOut = new WeakMap(); }
    const list = this.list!;
    const winners = this.winnerMap();
    const coverage = this.coverage ??= Coverage.build(list).coverage;
    for (const [key, before] of pending) {
      const now = winners.get(key);
      if (!now) { this.dropList(); return; }
      if (before === undefined) {
        const v = coverage.add(now);
        if (v === 'rebuild') { this.dropList(); return; }
        if (v === 'counted') { this.listPos?.set(key, list.length); list.push(now); this.builder?.append(now); }
        continue;
      }
      if (!sameCoverage(before, now)) { this.dropList(); return; }
      const at = (this.listPos ??= new Map(list.map((r, i) => [r.key, i]))).get(key);
      if (at === undefined) continue; // not counted before, nor now
      list[at] = now;
      this.builder?.replace(at, now);
      this.listWrites.push(at);
    }
  }

  /**
   * The same requests as `records()`, in the same order, as columns. Straight from the loaded
   * index file while nothing changed, so a warm report creates no object per request.
   */
  columns(): UsageColumns {
    if (this.cols) return this.cols;
    if (this.snap) return (this.cols = snapshotColumns(this.snap));
    const list = this.records();
    // room for the appends of a live session before the rows are copied into larger arrays
    return (this.cols = (this.builder ??= ColumnsBuilder.of(list, 1024 + (list.length >> 5))).view());
  }

  stats(): IndexStats {
    let malformed = 0;
    const skipped: Partial<Record<SkipReason, number>> = {};
    for (const e of this.files.values()) {
      malformed += e.malformed;
      for (const [reason, t] of Object.entries(e.skips ?? {}) as [SkipReason, { count: number }][]) if (reason !== 'malformed' && SKIP_TEXT[reason]) skipped[reason] = (skipped[reason] ?? 0) + t.count;
    }
    const records = this.snap ? this.snap.winners : this.records().length;
    let history = 0;
    for (const e of this.files.values()) if (e.gone) history++;
    return { files: this.files.size - history, historyFiles: history, records, malformedLines: malformed, skipped, unreadable: this.unreadable };
  }

  /**
   * Lines that looked like requests and were not counted, by reason (see `skipReasons.ts`). Copies of
   * a request counted elsewhere are `duplicate`, or `replay` when the losing copy is replayed history.
   */
  skippedByReason(): SkipCounts {
    if (this.snap) return { ...this.snap.skipsByReason };
    // what `explain` adds up over its agents, without its folders and per-file lists: every report asks
    this.ensureObjects();
    const winners = this.winnerMap();
    const losers = this.losers?.of === winners ? this.losers : null;
    const agents = new Set(this.roots.map(r => r.agent));
    const out: SkipCounts = {};
    for (const e of this.files.values()) {
      if (!agents.has(e.agent)) continue;
      for (const [r, t] of Object.entries(e.skips ?? {})) if (isSkipReason(r) && t?.count) addSkip(out, r, t.count);
      const within = e.emitted - e.records.length;
      if (within > 0) addSkip(out, 'duplicate', within);
      if (!losers) for (const r of e.records) if (winners.get(r.key) !== r) addSkip(out, r.rank >= 2 ? 'replay' : 'duplicate');
    }
    if (losers?.replay) addSkip(out, 'replay', losers.replay);
    if (losers?.duplicate) addSkip(out, 'duplicate', losers.duplicate);
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
      a.requestLines += e.emitted;
      const own: SkipCounts = {};
      for (const [r, t] of Object.entries(e.skips ?? {})) if (isSkipReason(r) && t?.count) addSkip(own, r, t.count);
      // every emitted copy that is not the counted one is a duplicate, or a replay when it is replayed history
      const within = e.emitted - e.records.length; // later copies in the same file, replaced or dropped
      if (within > 0) addSkip(own, 'duplicate', within);
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
    if (dropped) { this.lastStats = null; this.winnersStale = true; this.dropList(); this.dirty = true; if (this.autoSave && this.cacheFile) this.save(); }
    return dropped;
  }

  /** Log files with lines that could not be read, and how many: for messages that name the file. */
  malformedFiles(): { path: string; lines: number; at: number[] }[] {
    const out: { path: string; lines: number; at: number[] }[] = [];
    for (const e of this.files.values()) if (e.malformed > 0) out.push({ path: e.path, lines: e.malformed, at: lineNumbers(e, e.skips?.malformed?.at ?? []) });
    return out;
  }

  /**
   * Lines and requests skipped for a reason other than malformed JSON (`too-large`, `implausible`,
   * `out-of-range-time`), per file, with the line numbers of the first few (none for whole-file logs).
   */
  skippedFiles(): { path: string; reason: SkipReason; count: number; at: number[] }[] {
    const out: { path: string; reason: SkipReason; count: number; at: number[] }[] = [];
    for (const e of this.files.values()) {
      for (const [reason, t] of Object.entries(e.skips ?? {}) as [SkipReason, { count: number; at: number[] }][]) {
        // problems only: a replay or a duplicate is how the logs are, not something to warn about
        if (reason !== 'malformed' && t.count > 0 && SKIP_TEXT[reason]) out.push({ path: e.path, reason, count: t.count, at: lineNumbers(e, t.at) });
      }
    }
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
    try { st = f.stats ?? fs.statSync(fsPath(f.path)); } catch (e) {
      problems.push({ path: f.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return null;
    }
    const reader = adapterOf(f.agent).usage;
    const database = reader.isDatabase?.(f.path) ?? false;
    if (database) {
      // a database changes with its -wal: both count, and any change reads it again (from a snapshot)
      const stamp = databaseStamp(f.path);
      if (stamp) st = Object.assign(Object.create(st) as fs.Stats, stamp);
    }
    // a compressed log is never appended to: when it changes, it is read again whole
    const whole = database || (reader.isWholeFile?.(f.path) ?? false) || isCompressedLog(f.path);
    let old = this.files.get(f.path);
    if (old && !old.gone && old.agent === f.agent && old.ino === st.ino && st.size === old.size && st.mtimeMs === old.mtimeMs) return null;
    const failed = this.failed.get(f.path);
    if (failed && failed.ino === st.ino && failed.size === st.size && failed.mtimeMs === st.mtimeMs) {
      problems.push({ path: f.path, reason: failed.reason }); // the same failure: said again, not retried
      return null;
    }
    this.failed.delete(f.path);
    // something changes: from here on, records are needed as objects
    this.materialize();
    this.cols = null;
    old = this.files.get(f.path);
    if (old && !old.gone && old.agent === f.agent && old.ino === st.ino) {
      // an append keeps the bytes already read; a rewrite in place (copytruncate, an editor) does not
      if (!whole && st.size >= old.offset && fingerprint(old.path, old.offset) === old.fingerprint) {
        old.size = st.size; old.mtimeMs = st.mtimeMs;
        if (st.size === old.offset) return null; // touched, nothing new
        const before = old.offset;
        return this.read(old, old.offset, problems) && old.offset !== before ? 'appendedFiles' : null;
      }
    }
    // new, replaced, shrunk, or rewritten whole: its previous contribution goes
    const entry: FileEntry = { path: f.path, agent: f.agent, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, offset: 0,
      state: reader.initState(f.path), records: [], malformed: 0, emitted: 0 };
    // read again (Cline and Gemini rewrite their files, a database changes): its requests are set
    // against the counted ones afterwards, key by key, instead of choosing every winner again
    const reread = !!old && !this.winnersStale;
    this.files.set(f.path, entry);
    if (!this.readFromStart(entry, problems, reread)) {
      const reason = problems[problems.length - 1]?.path === f.path ? problems[problems.length - 1]!.reason : 'unreadable';
      this.failed.set(f.path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, reason });
      // a locked or corrupt database keeps what it held; it is read again when it changes
      if (database && old) { this.files.set(f.path, old); return null; }
      this.files.delete(f.path);
      if (old) this.winnersStale = true; // its counted copies went with it
      return old ? 'removedFiles' : null;
    }
    // A whole-file log caught mid-rewrite does not parse: keep what it held until it changes again.
    if (whole && old && entry.records.length === 0 && entry.malformed > 0) { entry.records = old.records; entry.byKey = undefined; }
    // Producers that compact or prune (Copilot's journal, its 7-day trace store): what was read stays.
    else if (old && (reader.retainOnReread === true || (typeof reader.retainOnReread === 'function' && reader.retainOnReread(old.records, entry.records)))) {
      const byKey = entry.byKey ??= new Map(entry.records.map((x, i) => [x.key, i]));
      for (const r of old.records) if (!byKey.has(r.key)) { byKey.set(r.key, entry.records.length); entry.records.push(r); }
    }
    if (reread) this.reconcile(old!, entry);
    else if (old) this.winnersStale = true;
    return old ? 'rereadFiles' : 'newFiles';
  }

  /**
   * A file read again from its start: its requests against the counted copies, key by key, choosing
   * as `rebuildWinners` would (rank, then size, then the file that sorts first). A copy that shrank, or
   * a request the file no longer holds, while it was the counted one may let another file's copy
   * count: then every winner is chosen again.
   */
  private reconcile(old: FileEntry, entry: FileEntry): void {
    if (this.winnersStale) return;
    const winners = this.winnerMap();
    const before = new Map<string, UsageRecord>();
    for (const r of old.records) before.set(r.key, r);
    const stale = () => { this.winnersStale = true; this.dropList(); };
    const records = entry.records;
    for (let i = 0; i < records.length; i++) {
      let r = records[i]!;
      const cur = winners.get(r.key), mine = before.get(r.key);
      before.delete(r.key);
      // the same request read again as it was (most of a file written whole again): the old object stays, nothing changes
      if (mine && mine !== r && sameRequest(mine, r)) records[i] = r = mine;
      if (cur === r) continue; // kept as it was
      if (cur !== undefined && cur === mine) {
        if (betterCopy(mine, r)) return stale();
      } else if (cur !== undefined && !betterCopy(r, cur) && (betterCopy(cur, r) || cur.file < entry.path)) continue;
      winners.set(r.key, r);
      this.winnerChanged(r.key, cur);
    }
    for (const [k, r] of before) if (winners.get(k) === r) return stale();
  }

  /**
   * Reads a new or replaced file whole: the parallel scan's result when it read this very file.
   * `alone`: into the entry only, the counted copies untouched (the caller reconciles them).
   */
  private readFromStart(entry: FileEntry, problems: PathProblem[], alone = false): boolean {
    const pre = this.pre?.get(entry.path);
    if (!pre || pre.entry.ino !== entry.ino || pre.entry.size !== entry.size || pre.entry.mtimeMs !== entry.mtimeMs || pre.entry.agent !== entry.agent) {
      if (!alone) return this.read(entry, 0, problems);
      this.fileReads++;
      const reader = adapterOf(entry.agent).usage;
      return readLog(entry, 0, problems, Date.now(), r => { addInFile(entry, reader, r); });
    }
    this.pre!.delete(entry.path);
    this.fileReads++;
    if (pre.remote) this.workerReads++;
    Object.assign(entry, pre.entry);
    problems.push(...pre.problems);
    if (alone) return pre.ok;
    this.dropList();
    if (!this.winnersStale && entry.records.length) {
      // what `add` would have done record by record (the in-file dedupe is already done): the same
      // winners, except a smaller re-emission may let another file's copy win, as there
      if (adapterOf(entry.agent).usage.lastWinsInFile) this.winnersStale = true;
      else {
        const winners = this.winnerMap();
        this.losers = null;
        for (const r of entry.records) { const cur = winners.get(r.key); if (!cur || betterCopy(r, cur)) winners.set(r.key, r); }
      }
    }
    return pre.ok;
  }

  private read(entry: FileEntry, from: number, problems: PathProblem[]): boolean {
    this.fileReads++;
    const reader = adapterOf(entry.agent).usage;
    return readLog(entry, from, problems, Date.now(), r => this.add(entry, reader, r));
  }

  private winnerMap(): Map<string, UsageRecord> {
    if (this.winnersStale) this.rebuildWinners();
    return (this.winners ??= new Map((this.list ?? []).map(r => [r.key, r])));
  }

  private add(entry: FileEntry, reader: AgentReader, r: UsageRecord): void {
    const winners = this.winnersStale ? null : this.winnerMap();
    this.losers = null;
    const prev = addInFile(entry, reader, r);
    if (prev === false) return; // an earlier copy in the file stays: nothing changed
    if (!winners) { this.dropList(); return; }
    const cur = winners.get(r.key);
    if (prev && cur === prev && !betterCopy(r, prev) && reader.lastWinsInFile) {
      this.winnersStale = true; // a smaller re-emission may let another file's copy win
      this.dropList();
      return;
    }
    if (cur === prev && prev || !cur || betterCopy(r, cur)) { winners.set(r.key, r); this.winnerChanged(r.key, cur); }
  }

  private rebuildWinners(): void {
    const w = new Map<string, UsageRecord>();
    const paths = [...this.files.keys()].sort();
    // every copy that is not the one counted loses exactly once, here: the skip counts come with it
    const agents = new Set(this.roots.map(r => r.agent));
    let replay = 0, duplicate = 0;
    for (const p of paths) {
      for (const r of this.files.get(p)!.records) {
        const cur = w.get(r.key);
        let loser: UsageRecord | undefined;
        if (!cur) w.set(r.key, r);
        else if (betterCopy(r, cur)) { w.set(r.key, r); loser = cur; } else loser = r;
        // counted as `explain` counts it: in its file, for the agents of the roots (a file's records are its agent's)
        if (loser && agents.has(loser.agent)) { if (loser.rank >= 2) replay++; else duplicate++; }
      }
    }
    this.losers = { of: w, replay, duplicate };
    this.winners = w;
    this.winnersStale = false;
    this.dropList();
  }

  private load(file: string): Exclude<RefreshResult['cache'], null> {
    let buf: Buffer;
    try { buf = readRegularFile(file); } catch { return 'missing'; }
    try {
      const snap = openSnapshot(buf);
      if (snap === 'other-version') return 'other-version';
      for (const e of snap.entries) this.files.set(e.path, e);
      this.dropList();
      this.snap = snap;
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
    this.dropList();
    try {
      this.list = materializeSnapshot(snap);
      this.winners = null;
      this.winnersStale = false;
    } catch {
      // what the CRC could not catch (a writer's bug): forget it all, the refresh reads every log again
      this.files.clear();
      this.dropList();
      this.winners = new Map();
      this.winnersStale = true;
      this.dirty = true;
      this.discarded = true;
      this.lastStats = null;
    }
  }
}

/**
 * Reads one log from `from` into `entry` (offset, state, records deduped within the file, skips):
 * what `add` does with each plausible record is the caller's. Used on the main thread and, for a cold
 * scan, in the scan workers (`scanWorker.ts`), so both read a file the same way.
 */
export function readLog(entry: FileEntry, from: number, problems: PathProblem[], now: number, add: (r: UsageRecord) => void): boolean {
  const reader = adapterOf(entry.agent).usage;
  let at = -1; // byte offset of the line being read (whole-file logs: -1)
  const emit = (r: UsageRecord) => {
    const why = implausible(r, now);
    if (why) { tally(entry, why, at); return; }
    entry.emitted++;
    add(r);
  };
  let fd: number;
  // O_NONBLOCK: a FIFO put where a log was found must not hang the read (a regular file ignores it)
  try { fd = fs.openSync(fsPath(entry.path), fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)); } catch (e) {
    problems.push({ path: entry.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
    return false;
  }
  try {
    if (reader.isDatabase?.(entry.path) && reader.database) {
      const database = reader.database;
      entry.malformed = withSnapshot(entry.path, db => database(db, entry.path, emit)).malformed;
    } else if (isCompressedLog(entry.path)) {
      try {
        scanCompressedLines(fd, reader.needles, (line, offset) => {
          const outcome = reader.line(entry.state, line, offset, entry.path, emit);
          if (outcome === 'malformed') { entry.malformed++; tally(entry, 'malformed', -1, false); }
          else if (outcome !== 'record' && outcome !== 'ignored') tally(entry, outcome, -1);
        });
      } catch (e) {
        if (typeof (e as { code?: unknown }).code !== 'number') throw e; // fzstd's errors carry a numeric code; I/O errors a string
        problems.push({ path: entry.path, reason: `not valid zstd: ${(e as Error).message}` });
        tally(entry, 'undecodable', -1);
      }
      entry.offset = entry.size;
    } else if (reader.isWholeFile?.(entry.path) && reader.wholeFile) {
      if (entry.size > MAX_WHOLE_FILE) { problems.push({ path: entry.path, reason: 'too large' }); return false; }
      const text = fs.readFileSync(fd, 'utf8');
      // A file caught mid-rewrite is not valid JSON yet: keep nothing now, it is read again when it changes.
      entry.malformed = reader.wholeFile(text, entry.path, emit).malformed;
      entry.offset = Buffer.byteLength(text);
    } else {
      const outcomeOf = (outcome: LineOutcome, offset: number) => {
        if (outcome === 'malformed') { entry.malformed++; tally(entry, 'malformed', offset, false); }
        else if (outcome !== 'record' && outcome !== 'ignored') tally(entry, outcome, offset);
      };
      const lineBytes = reader.lineBytes;
      entry.offset = scanLines(fd, from, reader.needles, (line, offset) => {
        at = offset;
        outcomeOf(reader.line(entry.state, line, offset, entry.path, emit), offset);
      }, undefined, { onTooLarge: offset => tally(entry, 'too-large', offset), headBytes: reader.needleHeadBytes,
        // the hot line kinds straight from their bytes; null sends the line to `line` (jsonFields.ts)
        onBytes: lineBytes && ((buf, s, e, offset) => {
          at = offset;
          const outcome = lineBytes.call(reader, entry.state, buf, s, e, offset, entry.path, emit);
          if (outcome === null) return false;
          outcomeOf(outcome, offset);
          return true;
        }) });
      entry.fingerprint = fingerprint(entry.path, entry.offset, fd);
    }
    return true;
  } catch (e) {
    problems.push({ path: entry.path, reason: e instanceof SqliteReadError ? e.reason : (e as NodeJS.ErrnoException).code ?? String(e) });
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Keeps `r` in its file's records, one per key: false when an earlier copy in the file stays, the
 * replaced copy when `r` takes its place, null when the key is new to the file.
 */
export function addInFile(entry: FileEntry, reader: AgentReader, r: UsageRecord): UsageRecord | null | false {
  const records = entry.records, last = records.length - 1;
  let i: number | undefined;
  // a response logged once per content block comes as lines in a row (Claude Code: half the bench
  // tree's lines): its copy is the last record, found without a map look-up
  if (last >= 0 && records[last]!.key === r.key) i = last;
  else {
    const byKey = entry.byKey ??= new Map(records.map((x, j) => [x.key, j]));
    i = byKey.get(r.key);
    if (i === undefined) {
      byKey.set(r.key, records.length);
      records.push(r);
      return null;
    }
  }
  const prev = records[i]!;
  if (!reader.lastWinsInFile && !betterCopy(r, prev)) return false;
  records[i] = r;
  return prev;
}

/** Two copies of a request that say the same in every field a report or the index reads. */
function sameRequest(a: UsageRecord, b: UsageRecord): boolean {
  const u = a.usage, v = b.usage;
  return a.key === b.key && a.timestamp === b.timestamp && a.model === b.model && a.sessionId === b.sessionId && a.project === b.project
    && a.file === b.file && a.rank === b.rank && a.contextTokens === b.contextTokens && a.basis === b.basis && a.cost === b.cost
    && !!a.aggregate === !!b.aggregate && !!a.standsIn === !!b.standsIn && (a.webSearches ?? 0) === (b.webSearches ?? 0)
    && u.input === v.input && u.output === v.output && u.cacheRead === v.cacheRead && u.cacheWrite5m === v.cacheWrite5m && u.cacheWrite1h === v.cacheWrite1h
    && JSON.stringify(a.rateLimits) === JSON.stringify(b.rateLimits) && a.agent === b.agent;
}

/** How messages say what was skipped, by reason. */
export const SKIP_TEXT: Partial<Record<SkipReason, [one: string, many: string]>> = {
  'no-type': ['line with usage but no type', 'lines with usage but no type'],
  undecodable: ['compressed log that is not valid zstd', 'compressed logs that are not valid zstd'],
  'too-large': ['line over 64 MB', 'lines over 64 MB'],
  implausible: ['request with an implausible token count (over 100,000,000)', 'requests with implausible token counts (over 100,000,000)'],
  'out-of-range-time': ['request stamped before 2000 or after tomorrow', 'requests stamped before 2000 or after tomorrow'],
};

/** ' (lines 3, 9, …)' for the first few line numbers of `count` problems; '' when none are known. */
export function atLines(at: readonly number[], count: number): string {
  if (!at.length) return '';
  return ` (line${count === 1 ? '' : 's'} ${at.join(', ')}${count > at.length ? ', …' : ''})`;
}

/** Why a record cannot be a real request, or null: counts no API reports, times no log can have. */
function implausible(r: UsageRecord, now: number): SkipReason | null {
  const u = r.usage;
  if (u.input > MAX_PLAUSIBLE_TOKENS || u.output > MAX_PLAUSIBLE_TOKENS || u.cacheRead > MAX_PLAUSIBLE_TOKENS
    || u.cacheWrite5m > MAX_PLAUSIBLE_TOKENS || u.cacheWrite1h > MAX_PLAUSIBLE_TOKENS || r.contextTokens > 5 * MAX_PLAUSIBLE_TOKENS) return 'implausible';
  if (!Number.isFinite(r.timestamp) || r.timestamp < EARLIEST || r.timestamp > now + FUTURE_SLACK_MS) return 'out-of-range-time';
  return null;
}

/** Counts a skipped line or request of a file, keeping the offsets of the first few (line-based logs only). */
function tally(entry: FileEntry, reason: SkipReason, offset: number, count = true): void {
  const skips = entry.skips ??= {};
  const t = skips[reason] ??= { count: 0, at: [] };
  if (count) t.count++;
  else t.count = entry.malformed; // malformed lines are counted in `entry.malformed`, kept equal here
  if (offset >= 0 && t.at.length < OFFSETS_KEPT && !t.at.includes(offset)) t.at.push(offset);
}

/** A checksum of the bytes just before `offset`: unchanged for an append, changed by a rewrite. */
function fingerprint(file: string, offset: number, openFd?: number): number {
  const len = Math.min(offset, FINGERPRINT_BYTES);
  if (len === 0) return 0;
  let fd = openFd;
  try {
    fd ??= fs.openSync(fsPath(file), fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const buf = Buffer.allocUnsafe(len);
    const got = fs.readSync(fd, buf, 0, len, offset - len);
    return crc32(buf.subarray(0, got));
  } catch {
    return -1; // unreadable now: the next read decides
  } finally {
    if (openFd === undefined && fd !== undefined) fs.closeSync(fd);
  }
}

/** 1-based line numbers of byte offsets in a line-based log (read only to say where problems are). */
function lineNumbers(entry: FileEntry, offsets: readonly number[]): number[] {
  if (!offsets.length) return [];
  const want = [...offsets].sort((a, b) => a - b);
  const out: number[] = [];
  let fd: number | undefined;
  try {
    fd = fs.openSync(fsPath(entry.path), fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0, line = 1, k = 0;
    while (k < want.length) {
      const r = fs.readSync(fd, buf, 0, buf.length, pos);
      if (r <= 0) break;
      const view = buf.subarray(0, r);
      let from = 0;
      while (k < want.length && want[k]! < pos + r) {
        const upto = want[k]! - pos;
        for (let i = view.indexOf(10, from); i >= 0 && i < upto; i = view.indexOf(10, i + 1)) line++;
        from = upto;
        out.push(line);
        k++;
      }
      for (let i = view.indexOf(10, from); i >= 0; i = view.indexOf(10, i + 1)) line++;
      pos += r;
    }
  } catch { /* gone or unreadable: no line numbers */ } finally { if (fd !== undefined) fs.closeSync(fd); }
  return out;
}
