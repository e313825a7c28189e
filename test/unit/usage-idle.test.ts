// Idle means idle (issue 14): with the engine's hints, a refresh where nothing changed costs a stat per
// folder and none per log; a folder whose modification time moved is listed again; a log a watcher
// named is read; the full sweep still finds what no watcher named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { nextFullMs } from '../../src/server/usage';

const line = (id: string) => JSON.stringify({ type: 'assistant', cwd: '/w', sessionId: 's', timestamp: new Date(Date.now() - 3_600_000).toISOString(), requestId: `r${id}`,
  message: { id: `m${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: 5 } } }) + '\n';

/** Counts fs.statSync and fs.readdirSync calls made while `f` runs. */
async function counting<T>(f: () => Promise<T>): Promise<{ value: T; stats: number; listings: number }> {
  const stat = fs.statSync, readdir = fs.readdirSync;
  let stats = 0, listings = 0;
  (fs as { statSync: unknown }).statSync = (...a: Parameters<typeof fs.statSync>) => { stats++; return stat(...a); };
  (fs as { readdirSync: unknown }).readdirSync = (...a: Parameters<typeof fs.readdirSync>) => { listings++; return readdir(...a); };
  try { return { value: await f(), stats, listings }; } finally {
    (fs as { statSync: unknown }).statSync = stat;
    (fs as { readdirSync: unknown }).readdirSync = readdir;
  }
}

/** A tree of `dirs` folders of `per` logs, its folders' times set a minute back (listings are trusted only for folders that settled). */
function tree(dirs: number, per: number): { root: string; folders: string[] } {
  const root = tempDir('tokenomics-idle-');
  const folders: string[] = [];
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, 'projects', `p${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < per; i++) fs.writeFileSync(path.join(dir, `s${i}.jsonl`), line(`${d}-${i}`));
    folders.push(dir);
  }
  settle(root, folders);
  return { root, folders };
}
const ago = () => new Date(Date.now() - 60_000);
const settle = (root: string, folders: string[]) => { for (const d of [...folders, path.join(root, 'projects')]) fs.utimesSync(d, ago(), ago()); };

test('nothing changed: a hinted refresh stats the folders, not the logs, and lists nothing', async () => {
  const { root } = tree(4, 50);
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: root, explicit: true }], autoSave: false });
  const cold = await index.refresh({ full: true });
  assert.equal(cold.newFiles, 200);
  const idle = await counting(() => index.refresh({ full: false }));
  assert.equal(idle.value.changed, false);
  assert.equal(idle.value.stats.records, 200);
  assert.equal(idle.listings, 0, 'no folder listed again');
  assert.ok(idle.stats <= 10, `${idle.stats} stats for 5 folders and 200 logs`);
  // the same refresh without a hint (the CLI's) stats every log
  const plain = await counting(() => index.refresh());
  assert.ok(plain.stats >= 200);
});

test('a new log, a deleted log, a log a watcher named, and an append no watcher named (found by the full sweep)', async () => {
  const { root, folders } = tree(3, 10);
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: root, explicit: true }], autoSave: false });
  await index.refresh({ full: true });
  await index.refresh({ full: false }); // listings kept
  fs.writeFileSync(path.join(folders[1]!, 'new.jsonl'), line('new'));
  const added = await index.refresh({ full: false });
  assert.equal(added.newFiles, 1, 'the folder time moved: listed again');
  assert.equal(added.stats.records, 31);
  fs.unlinkSync(path.join(folders[2]!, 's0.jsonl'));
  const removed = await index.refresh({ full: false });
  assert.equal(removed.removedFiles, 1);
  settle(root, folders);
  await index.refresh({ full: false });
  const named = path.join(folders[0]!, 's1.jsonl');
  fs.appendFileSync(named, line('more1'));
  const unnamed = path.join(folders[0]!, 's2.jsonl');
  fs.appendFileSync(unnamed, line('more2'));
  const hinted = await index.refresh({ full: false, touched: new Set([named]) });
  assert.equal(hinted.appendedFiles, 1, 'the log the watcher named is read; the other waits for the full sweep');
  const full = await index.refresh({ full: true });
  assert.equal(full.appendedFiles, 1);
  assert.equal(full.stats.records, 33, 'the deleted log is kept as history');
});

test('the full sweep backs off while it finds nothing the watchers missed, and comes back when it does', () => {
  let ms = 30_000;
  const seq = [false, false, false, false, true, false].map(m => (ms = nextFullMs(ms, m)));
  assert.deepEqual(seq, [60_000, 120_000, 240_000, 300_000, 30_000, 60_000]);
});

test('a FIFO at the index path neither hangs the load nor the save: the logs are read, the index is written over it', { timeout: 30_000 }, async t => {
  const { root } = tree(1, 3);
  const cacheFile = path.join(tempDir('tokenomics-fifo-index-'), 'usage-index.json');
  try { execFileSync('mkfifo', [cacheFile]); } catch { t.skip('no mkfifo on this system'); return; }
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: root, explicit: true }], cacheFile });
  const r = await index.refresh();
  assert.equal(r.stats.records, 3);
  assert.ok(fs.statSync(cacheFile).isFile(), 'the save replaced the FIFO with the index');
});
