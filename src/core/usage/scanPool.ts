// Parallel cold scans: the files a refresh reads from their start are shared out between this thread
// and worker threads (dist/scanWorker.js) as they go, so parsing runs on every core. Results are
// per file and depend only on the file's bytes, so the index takes them in its usual walk order and
// the counted copies (rank, size, sorted paths) come out the same as from a scan on one thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AgentId } from '../agents/records';
import type { PathProblem } from '../agents/locations';
import type { FileEntry } from './snapshot';
import { RecordsWire, decodeRecords } from './recordWire';

/** Less than this many bytes to read from scratch is not worth starting a worker (~30 ms each). */
export const PARALLEL_MIN_BYTES = 24 * 1024 * 1024;
/** More workers than this gain nothing here: the disk and this thread's merging are the limit. */
const MAX_WORKERS = 3;

export interface ScanJob { path: string; agent: AgentId; size: number; mtimeMs: number; ino: number }
export interface ScanResult {
  entry: FileEntry; ok: boolean; problems: PathProblem[]; remote?: boolean;
  /** From a worker: the entry's records, sent as columns (`entry.records` is empty until `runWorker` decodes them). */
  wire?: RecordsWire;
}

/** Where a worker keeps V8's compiled code between runs (codeCache.ts); null: it compiles its bundle each time. */
let codeDir: string | null = null;

/** The workers started from now on keep their compiled code in `dir` (a folder of this machine's cache). */
export function keepWorkerCode(dir: string | null): void { codeDir = dir; }

/** What a worker is started with: its code cache, and its work unless it is started ahead of it. */
export interface WorkerStart { codeCache: string | null; work: ScanWork | null }
/** A worker's share of a scan: the queue's jobs and its shared counters (`JobQueue`), and the scan's clock. */
export interface ScanWork { jobs: ScanJob[]; shared: Int32Array; now: number }

/** The bundled worker next to this module (dist/ or out/), or null when it is not there. */
export function workerFile(): string | null {
  const f = path.join(__dirname, 'scanWorker.js');
  return fs.existsSync(f) ? f : null;
}

export function workerCount(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1));
}

const bySize = (jobs: readonly ScanJob[]): ScanJob[] => [...jobs].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));

/**
 * The files of a parallel scan as one queue in shared memory, largest first: workers take from the
 * front, this thread from the back (it starts at once, while the workers are still starting, on the
 * small files), until they meet. Neither thread waits for the other's share, however fast each one
 * turns out to be (a worker's start costs ~100 ms; the machine may be busy). Job 0 is always a
 * worker's, so a worker always reads something. Which thread reads a file never changes its result.
 */
export class JobQueue {
  readonly jobs: ScanJob[];
  /** [next from the front, one past the next from the back, then one claim flag per job] */
  readonly shared: Int32Array;

  constructor(jobs: readonly ScanJob[] | { jobs: ScanJob[]; shared: Int32Array }) {
    if ('shared' in jobs) { this.jobs = jobs.jobs; this.shared = jobs.shared; return; }
    this.jobs = bySize(jobs);
    this.shared = new Int32Array(new SharedArrayBuffer(4 * (2 + this.jobs.length)));
    this.shared[1] = this.jobs.length;
  }

  /** A worker's next job, or undefined when none is left. */
  front(): ScanJob | undefined {
    const i = Atomics.add(this.shared, 0, 1);
    return i < this.jobs.length && this.claim(i) ? this.jobs[i] : undefined;
  }

  /** This thread's next job (never job 0), or undefined when none is left. */
  back(): ScanJob | undefined {
    const i = Atomics.sub(this.shared, 1, 1) - 1;
    return i >= 1 && this.claim(i) ? this.jobs[i] : undefined;
  }

  // the other end got here first: everything beyond is taken too
  private claim(i: number): boolean { return Atomics.compareExchange(this.shared, 2 + i, 0, 1) === 0; }
}

/**
 * A worker gets a stdin nobody writes to: one without makes itself an ended process.stdin as it starts
 * (Node's worker bootstrap), loading the stream modules for it: ~5 ms of a bare worker's ~25 ms start.
 */
const startWorker = (file: string, work: ScanWork | null): Worker =>
  new Worker(file, { workerData: { codeCache: codeDir, work } satisfies WorkerStart, stdin: true });

/**
 * A worker started ahead of its queue (`prestartWorker`), idle until `runWorker` hands it one: its
 * ~100-130 ms of start (Node's worker bootstrap, compiling and running the bundle's top level, the
 * first files before the JIT has warmed up) then runs beside the main thread's own start, module
 * loading and walk, instead of after them.
 */
let early: { file: string; worker: Worker; timer: NodeJS.Timeout } | null = null;
/** An early worker that no scan took by then goes: it would hold a thread for nothing. */
const EARLY_IDLE_MS = 5000;

/**
 * Starts one scan worker now, for a cold scan that is about to come (the CLI without an index, or
 * with --no-cache). Does nothing when there is no worker bundle or no second core. Never throws.
 */
export function prestartWorker(): void {
  const file = workerFile();
  if (early || !file || workerCount() === 0) return;
  try {
    const worker = startWorker(file, null);
    worker.unref(); // never what keeps the process alive
    worker.once('error', () => dropEarly(worker));
    worker.once('exit', () => dropEarly(worker));
    const timer = setTimeout(() => { const w = early?.worker; dropEarly(w); void w?.terminate(); }, EARLY_IDLE_MS);
    timer.unref();
    early = { file, worker, timer };
  } catch { /* the scan starts its own */ }
}

/** An early worker is started and waiting for its queue. */
export function earlyWorkerWaiting(): boolean { return early !== null; }

/** The early worker goes unused (a warm index, too little to read): it stops. */
export function stopEarlyWorker(): void {
  const w = early?.worker;
  dropEarly(w);
  void w?.terminate();
}

function dropEarly(w: Worker | undefined): void {
  if (!early || early.worker !== w) return;
  clearTimeout(early.timer);
  early = null;
}

/**
 * Starts a worker on `queue` (or hands it to the early one); calls `onResult` for each file it read,
 * as it goes, and resolves when it is done (or could not run: the files it did not read stay unread,
 * and the index reads them itself). Never rejects.
 */
export function runWorker(file: string, queue: JobQueue, now: number, onResult: (r: ScanResult) => void): Promise<void> {
  return new Promise(resolve => {
    let w: Worker;
    const data: ScanWork = { jobs: queue.jobs, shared: queue.shared, now };
    if (early && early.file === file) {
      w = early.worker;
      dropEarly(w);
      w.ref();
      w.postMessage(data);
    } else {
      try { w = startWorker(file, data); } catch { resolve(); return; }
    }
    w.on('message', (r: ScanResult | null) => {
      if (r) {
        if (r.wire) { r.entry.records = decodeRecords(r.wire); delete r.wire; }
        onResult(r);
      }
      else { resolve(); void w.terminate(); }
    });
    w.once('error', () => resolve());
    w.once('exit', () => resolve());
  });
}
