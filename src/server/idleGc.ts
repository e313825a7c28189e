// After a burst of heavy work (analysing many large prompt files, a cold log scan), V8 keeps the heap
// it grew to until some later allocation triggers a collection: an idle engine can sit on 100 MB of
// garbage. One full collection, once the engine has been idle for a moment, gives it back.
import v8 from 'node:v8';
import vm from 'node:vm';

const IDLE_MS = 1500;
let collect: (() => void) | undefined;
let timer: NodeJS.Timeout | undefined;

function gcFunction(): (() => void) | undefined {
  if (collect) return collect;
  try {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  } catch {
    collect = undefined;
  }
  return collect;
}

/** Call after heavy work; the collection runs once the engine has had no heavy work for IDLE_MS. */
export function afterHeavyWork(): void {
  if (timer) clearTimeout(timer);
  // Two passes: the first frees objects, the second lets V8 compact and return the emptied pages.
  timer = setTimeout(() => { timer = undefined; const gc = gcFunction(); gc?.(); setTimeout(() => gc?.(), 200).unref(); }, IDLE_MS);
  timer.unref();
}
