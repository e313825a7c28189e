// The incremental, persisted index of agent usage: which bytes of which log were read, and the
// requests found there, so a refresh parses only what was appended since the last one.
// Each file is read by its agent's adapter (`adapterOf(agent).usage`): line by line from where the
// last read stopped, or whole for formats that rewrite the file (`isWholeFile`, e.g. Gemini's JSON).
import fs from 'node:fs';
import { adapterOf } from '../agents/index';
import { scanLines } from '../agents/lineScanner';
import { AgentRoot, FoundFile, PathProblem, findLogFiles } from '../agents/locations';
import { AgentReader, UsageRecord, applyCoverage, betterCopy } from '../agents/records';
import { SqliteReadError, databaseStamp, withSnapshot } from '../agents/sqlite';
import { UsageColumns, columnsOf } from './columns';
import { FileEntry, INDEX_VERSION, Snapshot, materializeSnapshot, openSnapshot, readAligned, serialize, snapshotColumns, writeAtomic } from './snapshot';

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

/**
 * A format rewritten in place (Copilot's journal compacts into one line on the same inode, possibly
 * longer than before): the bytes where the last read line began no longer hold that line.
 */
function rewrittenInPlace(reader: AgentReader, entry: FileEntry): boolean {
  const anchor = reader.anchor?.(entry.state);
  if (!anchor) return false;
  const want = Buffer.from(anchor.text);
  const got = Buffer.alloc(want.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(entry.path, 'r');
    return fs.readSync(fd, got, 0, got.length, anchor.offset) !== got.length || !got.equals(want);
  } catch { return true; } finally { if (fd !== undefined) fs.closeSync(fd); }
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
      if (!present.has(p)) { this.materialize(); this.cols = null; this.files.delete(p); this.winnersStale = true; result.removedFiles++; }
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
    // the exact source wins over a lower bound for the sessions it covers; stand-ins give way (records.ts)
    return (this.list ??= applyCoverage([...this.winnerMap().values()]));
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
    return { files: this.files.size, records, malformedLines: malformed, unreadable: this.unreadable };
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
    const reader = adapterOf(f.agent).usage;
    const database = reader.isDatabase?.(f.path) ?? false;
    if (database) {
      // a database changes with its -wal: both count, and any change reads it again (from a snapshot)
      const stamp = databaseStamp(f.path);
      if (stamp) st = Object.assign(Object.create(st) as fs.Stats, stamp);
    }
    const whole = database || (reader.isWholeFile?.(f.path) ?? false);
    let old = this.files.get(f.path);
    if (old && old.agent === f.agent && old.ino === st.ino && st.size === old.size && st.mtimeMs === old.mtimeMs) return null;
    // something changes: from here on, records are needed as objects
    this.materialize();
    this.cols = null;
    old = this.files.get(f.path);
    if (old && old.agent === f.agent && old.ino === st.ino) {
      if (!whole && st.size >= old.offset && !rewrittenInPlace(reader, old)) {
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
    if (!this.read(entry, 0, problems)) {
      // a locked or corrupt database keeps what it held; it is read again when it changes
      if (database && old) { this.files.set(f.path, old); return null; }
      this.files.delete(f.path);
      return old ? 'removedFiles' : null;
    }
    // A whole-file log caught mid-rewrite does not parse: keep what it held until it changes again.
    if (whole && old && entry.records.length === 0 && entry.malformed > 0) { entry.records = old.records; entry.byKey = undefined; }
    // Producers that compact or prune (Copilot's journal, its 7-day trace store): what was read stays.
    else if (old && reader.retainOnReread) {
      const byKey = entry.byKey ??= new Map(entry.records.map((x, i) => [x.key, i]));
      for (const r of old.records) if (!byKey.has(r.key)) { byKey.set(r.key, entry.records.length); entry.records.push(r); }
    }
    return old ? 'rereadFiles' : 'newFiles';
  }

  private read(entry: FileEntry, from: number, problems: PathProblem[]): boolean {
    const reader = adapterOf(entry.agent).usage;
    const emit = (r: UsageRecord) => this.add(entry, reader, r);
    let fd: number;
    try { fd = fs.openSync(entry.path, 'r'); } catch (e) {
      problems.push({ path: entry.path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return false;
    }
    try {
      if (reader.isDatabase?.(entry.path) && reader.database) {
        const database = reader.database;
        entry.malformed = withSnapshot(entry.path, db => database(db, entry.path, emit)).malformed;
      } else if (reader.isWholeFile?.(entry.path) && reader.wholeFile) {
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
      problems.push({ path: entry.path, reason: e instanceof SqliteReadError ? e.reason : (e as NodeJS.ErrnoException).code ?? String(e) });
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
