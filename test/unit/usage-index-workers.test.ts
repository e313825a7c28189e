// A cold scan on worker threads (scanPool.ts, scanWorker.ts) must count exactly what a scan on one
// thread counts: the same records in the same order, the same counted copies, skips and persisted
// index, whatever order the workers finish in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentRoot } from '../../src/core/agents/locations';
import { JobQueue, earlyWorkerWaiting, prestartWorker, workerCount } from '../../src/core/usage/scanPool';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { FIXTURES, rootsFor } from './agents-fixtures';
import { tempDir } from './tempDirs';

const TRAPS: [string, string][] = [
  ['claude-fast', 'claude-code'], ['claude-sidechain', 'claude-code'], ['codex-fork', 'codex'], ['codex-ordinals', 'codex'],
  ['codex-reemit', 'codex'], ['codex-subagents', 'codex'], ['codex-zst', 'codex'], ['codex-zst-plain', 'codex'], ['gemini', 'gemini'],
];

/** Everything an index says after a cold scan, and the bytes it persists. */
async function cold(roots: AgentRoot[], workers: UsageIndex extends never ? never : ConstructorParameters<typeof UsageIndex>[0]['workers']) {
  const cacheFile = path.join(tempDir('tokenomics-workers-'), 'index.bin');
  const index = new UsageIndex({ roots, cacheFile, workers });
  const result = await index.refresh();
  return {
    index,
    seen: {
      records: index.records(), stats: result.stats, explain: index.explain(), skipped: index.skippedByReason(),
      malformed: index.malformedFiles(), skippedFiles: index.skippedFiles(), columns: index.columns(),
    },
    bytes: fs.readFileSync(cacheFile),
  };
}

const trees: [string, AgentRoot[]][] = [
  ['all fixtures', rootsFor('claude-code', 'codex', 'gemini')],
  ...TRAPS.map(([trap, agent]): [string, AgentRoot[]] => [trap, [{ agent, dir: path.join(FIXTURES, 'traps', trap), explicit: true }]]),
];

for (const [name, roots] of trees) {
  test(`workers: a cold scan of ${name} on worker threads counts what one thread counts`, async () => {
    const one = await cold(roots, false);
    for (const count of [1, 2]) {
      const par = await cold(roots, { minBytes: 0, count });
      assert.deepEqual(par.seen, one.seen, `${count} worker(s)`);
      assert.ok(par.bytes.equals(one.bytes), `${count} worker(s): the persisted index differs`);
      assert.equal(par.index.fileReads, one.index.fileReads);
      if (one.seen.stats.files >= 2) assert.ok(par.index.workerReads > 0, `${count} worker(s) read none of ${one.seen.stats.files} files`);
    }
  });
}

test('workers: a worker started ahead of the scan (the CLI with --no-cache) is the one the scan hands its queue to, and counts the same', async t => {
  if (workerCount() === 0) { t.skip('one core: no scan workers'); return; }
  const roots = rootsFor('claude-code', 'codex', 'gemini');
  const one = await cold(roots, false);
  prestartWorker();
  assert.ok(earlyWorkerWaiting(), 'the worker bundle is next to scanPool.js and there is a second core');
  const par = await cold(roots, { minBytes: 0, count: 1 });
  assert.equal(earlyWorkerWaiting(), false, 'taken by the scan');
  assert.deepEqual(par.seen, one.seen);
  assert.ok(par.bytes.equals(one.bytes));
  assert.ok(par.index.workerReads > 0);
  // a scan too small for workers stops the early one instead of leaving it idle
  prestartWorker();
  await cold(roots, { minBytes: Number.MAX_SAFE_INTEGER, count: 1 });
  assert.equal(earlyWorkerWaiting(), false, 'stopped');
});

test('workers: a refresh after the cold scan (an append, a new file) stays on this thread and agrees', async () => {
  const src = path.join(FIXTURES, 'claude');
  const a = tempDir('tokenomics-workers-a-'), b = tempDir('tokenomics-workers-b-');
  fs.cpSync(src, a, { recursive: true });
  fs.cpSync(src, b, { recursive: true });
  const one = new UsageIndex({ roots: [{ agent: 'claude-code', dir: a, explicit: true }], cacheFile: null });
  const par = new UsageIndex({ roots: [{ agent: 'claude-code', dir: b, explicit: true }], cacheFile: null, workers: { minBytes: 0, count: 1 } });
  await one.refresh(); await par.refresh();
  const before = par.workerReads;
  assert.ok(before > 0);
  const line = `{"type":"assistant","cwd":"/w","sessionId":"n","timestamp":"2026-05-01T10:00:00.000Z","requestId":"req_w","message":{"id":"msg_w","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":5,"output_tokens":7}}}\n`;
  for (const d of [a, b]) {
    const proj = path.join(d, 'projects', '-home-dev-shop');
    fs.appendFileSync(path.join(proj, 's2.jsonl'), line);
    fs.writeFileSync(path.join(proj, 's3.jsonl'), line.replace(/msg_w/, 'msg_w3').replace(/req_w/, 'req_w3'));
  }
  const r1 = await one.refresh(), r2 = await par.refresh();
  assert.equal(r2.appendedFiles, 1);
  assert.equal(r2.newFiles, 1);
  assert.equal(par.workerReads, before, 'a small refresh started a worker');
  const strip = (rs: readonly { file: string }[]) => rs.map(r => ({ ...r, file: path.relative(r.file.startsWith(a) ? a : b, r.file) }));
  assert.deepEqual(strip(par.records()), strip(one.records()));
  assert.equal(r2.stats.records, r1.stats.records);
});

test('workers: the shared queue gives every file to exactly one thread, largest first to the workers, job 0 never to this thread', () => {
  const jobs = Array.from({ length: 50 }, (_, i) => ({ path: `/f${i}`, agent: 'codex', size: (i * 7919) % 1000 * 100_000, mtimeMs: 0, ino: i }));
  const q = new JobQueue(jobs);
  const worker = new JobQueue({ jobs: q.jobs, shared: q.shared }); // the worker's view of the same memory
  assert.deepEqual(new JobQueue([...jobs].reverse()).jobs, q.jobs, 'the order depends on the jobs only');
  const sizes = q.jobs.map(j => j.size);
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  const front: string[] = [], back: string[] = [];
  // interleaved as two threads might, this thread faster
  for (let k = 0; front.length + back.length < jobs.length; k++) {
    const b1 = q.back(), b2 = q.back();
    for (const b of [b1, b2]) if (b) back.push(b.path);
    if (k % 3 === 0) { const f = worker.front(); if (f) front.push(f.path); }
    if (!b1 && !b2) { const f = worker.front(); if (!f) break; front.push(f.path); }
  }
  assert.equal(q.back(), undefined);
  assert.equal(worker.front(), undefined);
  assert.deepEqual([...front, ...back].sort(), jobs.map(j => j.path).sort());
  assert.equal(front[0], q.jobs[0]!.path);
  assert.ok(!back.includes(q.jobs[0]!.path));
});
