// dist/scanWorker.js, the thread scanPool.ts starts: runs the scan worker (dist/scanWorker-main.js)
// on the code V8 compiled for it in an earlier scan, kept where the starter says (codeCache.ts): a
// worker's start is most of its share of a small scan.
import path from 'node:path';
import { workerData } from 'node:worker_threads';
import { loadBundle } from '../codeCache';
import type { WorkerStart } from './scanPool';
import type * as ScanWorker from './scanWorker';

const bundle = loadBundle<typeof ScanWorker>(path.join(__dirname, 'scanWorker-main.js'), (workerData as WorkerStart).codeCache, 'scanWorker');
bundle.exports.start(() => { bundle.save(); });
