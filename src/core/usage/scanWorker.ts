// A scan worker: reads log files from their start, taking them from the queue it shares with the
// index's thread (scanPool.ts), the same way the index does on its own thread (`readLog`), and posts
// back each file's entry as it is read. A cold scan of a large tree parses on every core this way;
// bundled apart as dist/scanWorker-main.js, which dist/scanWorker.js starts (scanWorkerLaunch.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { adapterOf } from '../agents/index';
import type { PathProblem } from '../agents/locations';
import { addInFile, readLog } from './usageIndex';
import { JobQueue, ScanJob, ScanResult, ScanWork, WorkerStart } from './scanPool';
import { encodeRecords } from './recordWire';

function scan(job: ScanJob, now: number): { result: ScanResult; transfer: ArrayBuffer[] } {
  const reader = adapterOf(job.agent).usage;
  const entry = { path: job.path, agent: job.agent, size: job.size, mtimeMs: job.mtimeMs, ino: job.ino, offset: 0,
    state: reader.initState(job.path), records: [], malformed: 0, emitted: 0 } as ScanResult['entry'];
  const problems: PathProblem[] = [];
  const ok = readLog(entry, 0, problems, now, r => { addInFile(entry, reader, r); });
  delete entry.byKey; // rebuilt on the main thread when needed: not worth cloning
  // the records go as columns (recordWire.ts), the rest of the entry as it is
  const { wire, transfer } = encodeRecords(entry.records);
  entry.records = [];
  return { result: { entry, ok, problems, wire }, transfer };
}

function run(port: NonNullable<typeof parentPort>, { jobs, shared, now }: ScanWork, done?: () => void): void {
  const queue = new JobQueue({ jobs, shared });
  // each file's result as soon as it is read: the index takes it in while it reads its own files
  for (let j = queue.front(); j; j = queue.front()) { const { result, transfer } = scan(j, now); port.postMessage(result, transfer); }
  // before the last message: the index stops this thread when it gets it
  done?.();
  port.postMessage(null);
}

/** Runs this thread's share of the scan; `done` when it is read, before the index hears so (scanWorkerLaunch.ts). */
export function start(done?: () => void): void {
  if (!parentPort) return;
  const port = parentPort;
  const { work } = workerData as WorkerStart;
  // started ahead of its queue (`prestartWorker`): loaded and waiting when the scan hands it over
  if (work) run(port, work, done);
  else port.once('message', (w: ScanWork) => run(port, w, done));
}

// run as out/src/core/usage/scanWorker.js (a tsc build); dist/scanWorker.js is scanWorkerLaunch.ts
if (require.main === module) start();
