import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextPollMs } from '../../src/server/usage';

test('idle means idle: the log sweep backs off while nothing changes, and is back to 1 s after a change', () => {
  const run = (changes: boolean[], watchersWork: boolean) => {
    let ms = 1000;
    return changes.map(c => (ms = nextPollMs(ms, c, watchersWork)));
  };
  // with watchers that have announced a change, the sweep is a rare safety net
  assert.deepEqual(run([false, false, false, false, false, false, true, false], true), [2000, 4000, 8000, 16_000, 30_000, 30_000, 1000, 2000]);
  // without them, the sweep is how changes are found: never slower than every 4 s
  assert.deepEqual(run([false, false, false, false], false), [2000, 4000, 4000, 4000]);
});
