// Parallel cold scans: the files a refresh reads from their start are split by size between this
// thread and worker threads (dist/scanWorker.js), so JSON parsing runs on every core. Results are
// per file and depend only on the file's bytes, so the index takes them in its usual walk order and
// the counted copies (rank, size, sorted paths) come out the same as from a scan on one thread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AgentId } from '../agents/records';
import type { PathProblem } from '../agents/locations';
import type { FileEntry } from './snapshot';

/** Less than this many bytes to read from scratch is not worth starting a worker (~30 ms each). */
export const PARALLEL_MIN_BYTES = 24 * 1024 * 1024;
/**
 * This thread walks, merges what the workers send and builds the report after them: give it this
 * share of an even split fewer bytes (a worker's start, tens of ms, costs less than that).
 */
const MAIN_HANDICAP = 0.15;
/** More workers than this gain nothing here: the disk and this thread's merging are the limit. */
const MAX_WORKERS = 3;

export interface ScanJob { path: string; agent: AgentId; size: number; mtimeMs: number; ino: number }
export interface ScanResult { entry: FileEntry; ok: boolean; problems: PathProblem[]; remote?: boolean }

/** The bundled worker next to this module (dist/ or out/), or null when it is not there. */
export function workerFile(): string | null {
  const f = path.join(__dirname, 'scanWorker.js');
  return fs.existsSync(f) ? f : null;
}

export function workerCount(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1));
}

/**
 * Splits `jobs` into this thread's share and one share per worker, balanced by bytes (largest files
 * first, each to the lightest share). Deterministic: the same jobs give the same split.
 */
export function splitJobs(jobs: readonly ScanJob[], workers: number): { local: ScanJob[]; remote: ScanJob[][] } {
  const shares: ScanJob[][] = Array.from({ length: workers + 1 }, () => []);
  const total = jobs.reduce((n, j) => n + j.size, 0);
  const load = shares.map((_, i) => (i === 0 ? MAIN_HANDICAP * total / shares.length : 0));
  const bySize = [...jobs].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  for (const j of bySize) {
    let k = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[k]!) k = i;
    shares[k]!.push(j);
    load[k]! += j.size;
  }
  return { local: shares[0]!, remote: shares.slice(1).filter(s => s.length) };
}

/**
 * Starts a worker on `jobs`; resolves to its results, or to [] when it could not run (the index then
 * reads those files itself). Never rejects.
 */
export function runWorker(file: string, jobs: readonly ScanJob[], now: number): Promise<ScanResult[]> {
  return new Promise(resolve => {
    let done = false;
    const finish = (r: ScanResult[]) => { if (!done) { done = true; resolve(r); } };
    let w: Worker;
    try { w = new Worker(file, { workerData: { jobs, now } }); } catch { finish([]); return; }
    w.once('message', (r: ScanResult[]) => { finish(Array.isArray(r) ? r : []); void w.terminate(); });
    w.once('error', () => finish([]));
    w.once('exit', () => finish([]));
  });
}
