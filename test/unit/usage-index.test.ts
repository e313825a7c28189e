import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { AgentRoot } from '../../src/core/agents/locations';
import { bundledCatalog } from '../../src/core/catalog';
import { buildReport, buildReportFromColumns } from '../../src/core/usage/report';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { crc32 } from '../../src/core/usage/snapshot';
import { FIXTURES, sum } from './agents-fixtures';

function tmp(): { dir: string; projects: string; roots: AgentRoot[]; cache: string } {
  const dir = tempDir('tkx-index-');
  const projects = path.join(dir, 'claude/projects/-p');
  fs.mkdirSync(projects, { recursive: true });
  return { dir, projects, roots: [{ agent: 'claude-code', dir: path.join(dir, 'claude'), explicit: true }], cache: path.join(dir, 'cache/index.bin') };
}

let n = 0;
function req(out = 10, id = `m${++n}`): string {
  return JSON.stringify({ type: 'assistant', sessionId: 's', cwd: '/p', timestamp: '2026-05-04T09:00:00.000Z', requestId: `r-${id}`,
    message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1, output_tokens: out, cache_read_input_tokens: 100 } } }) + '\n';
}
const outputs = (i: UsageIndex) => sum(i.records()).output;

test('only appended bytes are parsed; a half-written last line counts once its newline arrives', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, req(10) + '{"snapshot":"' + 'x'.repeat(10_000) + '"}\n');
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  let r = await idx.refresh();
  assert.equal(r.newFiles, 1);
  assert.equal(outputs(idx), 10);
  const line = req(20);
  fs.appendFileSync(f, line.slice(0, 40));
  r = await idx.refresh();
  assert.equal(idx.records().length, 1, 'the half line is not a record yet');
  assert.equal(r.stats.malformedLines, 0, 'nor is it malformed');
  fs.appendFileSync(f, line.slice(40));
  r = await idx.refresh();
  assert.equal(r.appendedFiles, 1);
  assert.equal(outputs(idx), 30);
  r = await idx.refresh();
  assert.equal(r.changed, false);
  // a fresh index from the persisted one continues where this one stopped
  fs.appendFileSync(f, req(5));
  const again = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  r = await again.refresh();
  assert.equal(r.cache, 'loaded');
  assert.equal(r.appendedFiles, 1);
  assert.equal(outputs(again), 35);
  fs.rmSync(t.dir, { recursive: true });
});

test('a truncated file and a replaced file (new inode) are read again from the start', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, req(10) + req(20) + req(30));
  const idx = new UsageIndex({ roots: t.roots, cacheFile: null });
  await idx.refresh();
  assert.equal(outputs(idx), 60);
  fs.truncateSync(f, 0);
  fs.appendFileSync(f, req(7));
  let r = await idx.refresh();
  assert.equal(r.rereadFiles, 1);
  assert.equal(outputs(idx), 7);
  // rotation: a new file renamed over the old one, even a bigger one, is a different file
  const g = path.join(t.projects, 'new.tmp');
  fs.writeFileSync(g, req(1) + req(2) + req(3) + req(4));
  fs.renameSync(g, f);
  r = await idx.refresh();
  assert.equal(r.rereadFiles, 1);
  assert.equal(outputs(idx), 10);
  fs.rmSync(t.dir, { recursive: true });
});

test('a deleted file\'s requests are kept as history until forgotten; then a copy elsewhere counts', async () => {
  const t = tmp();
  const a = path.join(t.projects, 'a.jsonl'), b = path.join(t.projects, 'b.jsonl');
  const shared = req(50, 'shared');
  fs.writeFileSync(a, shared + req(1));
  fs.writeFileSync(b, shared + req(2)); // a resumed session copies the line
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  await idx.refresh();
  assert.equal(outputs(idx), 53);
  assert.ok(idx.records().find(r => r.key === 'c:shared')!.file.endsWith('a.jsonl'));
  fs.unlinkSync(a);
  const r = await idx.refresh();
  assert.equal(r.removedFiles, 1);
  assert.equal(outputs(idx), 53, 'the agent cleaned up its log: what was counted stays counted');
  assert.equal(r.stats.historyFiles, 1);
  const reloaded = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  await reloaded.refresh();
  assert.equal(outputs(reloaded), 53, 'and survives a reload');
  assert.equal(reloaded.forget(() => true), 2);
  assert.equal(outputs(reloaded), 52);
  assert.ok(reloaded.records().find(r => r.key === 'c:shared')!.file.endsWith('b.jsonl'));
  fs.rmSync(t.dir, { recursive: true });
});

test('dedupe keys survive persistence: a copy appended after a reload is not counted twice', async () => {
  const t = tmp();
  const a = path.join(t.projects, 'a.jsonl'), b = path.join(t.projects, 'b.jsonl');
  fs.writeFileSync(a, req(5, 'k1') + req(10, 'k2'));
  await new UsageIndex({ roots: t.roots, cacheFile: t.cache }).refresh();
  fs.writeFileSync(b, req(5, 'k1') + req(99, 'k2')); // a bigger copy of k2 wins, k1 is the same request
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  const r = await idx.refresh();
  assert.equal(r.cache, 'loaded');
  assert.equal(idx.records().length, 2);
  assert.equal(outputs(idx), 104);
  fs.rmSync(t.dir, { recursive: true });
});

test('gemini whole-file logs replace their contribution when rewritten', async () => {
  const dir = tempDir('tkx-gem-');
  const chats = path.join(dir, 'tmp/h/chats');
  fs.mkdirSync(chats, { recursive: true });
  const f = path.join(chats, 'session-1.json');
  const msg = (id: string, out: number) => ({ id, type: 'gemini', timestamp: '2026-05-04T12:00:00Z', model: 'gemini-2.5-pro', tokens: { input: 100, output: out, cached: 0 } });
  fs.writeFileSync(f, JSON.stringify({ sessionId: 'g', messages: [msg('a', 1)] }));
  const idx = new UsageIndex({ roots: [{ agent: 'gemini', dir, explicit: true }], cacheFile: null });
  await idx.refresh();
  assert.equal(outputs(idx), 1);
  fs.writeFileSync(f, JSON.stringify({ sessionId: 'g', messages: [msg('a', 3), msg('b', 4)] }, null, 1));
  const r = await idx.refresh();
  assert.equal(r.rereadFiles, 1);
  assert.equal(outputs(idx), 7);
  fs.writeFileSync(f, '{"sessionId":"g","messages":[{"id":"a"'); // caught mid-rewrite
  await idx.refresh();
  assert.equal(outputs(idx), 7, 'what the file held is kept until it parses again');
  fs.rmSync(dir, { recursive: true });
});

test('a corrupt, truncated or other-version index is rebuilt from the logs', async () => {
  const t = tmp();
  fs.writeFileSync(path.join(t.projects, 'a.jsonl'), req(10) + req(20));
  const first = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  assert.equal((await first.refresh()).cache, 'missing');
  const good = fs.readFileSync(t.cache);
  const cases: [string, Buffer, string][] = [
    ['garbage', Buffer.from('not an index at all'), 'corrupt'],
    ['truncated', good.subarray(0, good.length - 5), 'corrupt'],
    ['bad header', Buffer.concat([good.subarray(0, 16), Buffer.from('{'.repeat(good.readUInt32LE(8))), good.subarray(16 + good.readUInt32LE(8))]), 'corrupt'],
    ['other version', (() => { const b = Buffer.from(good); b.writeUInt32LE(999, 4); return b; })(), 'other-version'],
  ];
  for (const [name, bytes, want] of cases) {
    fs.writeFileSync(t.cache, bytes);
    const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
    const r = await idx.refresh();
    assert.equal(r.cache, want, name);
    assert.equal(outputs(idx), 30, name);
    assert.equal((await new UsageIndex({ roots: t.roots, cacheFile: t.cache }).refresh()).cache, 'loaded', `${name}: rewritten`);
  }
  fs.rmSync(t.dir, { recursive: true });
});

test('two writers at once: in-process interleaving neither corrupts nor double counts', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, req(1));
  const w1 = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  const w2 = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  let expected = 1;
  for (let i = 0; i < 20; i++) {
    fs.appendFileSync(f, req(i + 2));
    expected += i + 2;
    await (i % 2 ? w1 : w2).refresh();
    if (i % 3 === 0) await w1.refresh();
  }
  await w1.refresh(); await w2.refresh();
  assert.equal(outputs(w1), expected);
  assert.equal(outputs(w2), expected);
  const reader = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  assert.equal((await reader.refresh()).cache, 'loaded');
  assert.equal(outputs(reader), expected);
  fs.rmSync(t.dir, { recursive: true });
});

test('two writer processes at once leave a loadable index with exact totals', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, req(1));
  const mod = path.resolve(__dirname, '../../src/core/usage/usageIndex.js');
  const script = `
    const { UsageIndex } = require(${JSON.stringify(mod)});
    (async () => {
      for (let i = 0; i < 30; i++) {
        const idx = new UsageIndex({ roots: ${JSON.stringify(t.roots)}, cacheFile: ${JSON.stringify(t.cache)} });
        await idx.refresh();
      }
    })();`;
  const run = () => new Promise<number>((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    p.on('error', reject); p.on('exit', code => resolve(code ?? 1));
  });
  const writers = [run(), run()];
  let expected = 1;
  for (let i = 0; i < 40; i++) {
    fs.appendFileSync(f, req(i + 2));
    expected += i + 2;
    await new Promise(r => setTimeout(r, 2));
  }
  assert.deepEqual(await Promise.all(writers), [0, 0]);
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  const r = await idx.refresh();
  assert.equal(r.cache, 'loaded');
  assert.equal(outputs(idx), expected);
  assert.deepEqual(fs.readdirSync(path.dirname(t.cache)).filter(n => n.endsWith('.tmp')), [], 'no temp files left behind');
  fs.rmSync(t.dir, { recursive: true });
});

// Root reads every file whatever its mode, so as root the check runs in a child process that has
// given up root for `nobody` (spawn's uid/gid): the same code, on the same tree, without the privilege.
const NOBODY = 65534;
async function unreadableCheck(x: ReturnType<typeof tmp>): Promise<{ outputs: number; unreadable: [string, string][] }> {
  const body = (U: typeof UsageIndex, roots: AgentRoot[]) => {
    const idx = new U({ roots, cacheFile: null });
    const r = idx.refreshSync();
    let output = 0;
    for (const rec of idx.records()) output += rec.usage.output;
    return { outputs: output, unreadable: r.stats.unreadable.map(p => [p.path.split(/[\\/]/).pop()!, p.reason] as [string, string]) };
  };
  if (process.getuid?.() !== 0) return body(UsageIndex, x.roots);
  for (let d = x.projects; d.startsWith(x.dir); d = path.dirname(d)) fs.chmodSync(d, 0o755); // mkdtemp made it 0700
  const mod = path.resolve(__dirname, '../../src/core/usage/usageIndex.js');
  const script = `const { UsageIndex } = require(${JSON.stringify(mod)});
    process.stdout.write(JSON.stringify((${body.toString()})(UsageIndex, ${JSON.stringify(x.roots)})));`;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['-e', script], { uid: NOBODY, gid: NOBODY, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (c: Buffer) => { text += c; });
    p.on('error', reject);
    p.on('exit', code => (code === 0 ? resolve(text) : reject(new Error(`child as nobody exited ${code}`))));
  });
  return JSON.parse(out);
}

test('unreadable files and folders are reported, never fatal (as root too, through a child that dropped root)', async () => {
  const x = tmp();
  fs.writeFileSync(path.join(x.projects, 'a.jsonl'), req(3));
  const locked = path.join(x.projects, 'b.jsonl');
  fs.writeFileSync(locked, req(4));
  fs.chmodSync(locked, 0o000);
  const lockedDir = path.join(x.projects, 'sub');
  fs.mkdirSync(lockedDir);
  fs.writeFileSync(path.join(lockedDir, 'c.jsonl'), req(5));
  fs.chmodSync(lockedDir, 0o000);
  const r = await unreadableCheck(x);
  assert.equal(r.outputs, 3, 'the readable file still counts');
  assert.deepEqual(r.unreadable.sort(), [['b.jsonl', 'EACCES'], ['sub', 'EACCES']]);
  fs.chmodSync(lockedDir, 0o755);
  fs.rmSync(x.dir, { recursive: true, force: true });
});

test('an unwritable cache location is reported and the index still works', async () => {
  const t = tmp();
  fs.writeFileSync(path.join(t.projects, 'a.jsonl'), req(3));
  const blocker = path.join(t.dir, 'file');
  fs.writeFileSync(blocker, '');
  const idx = new UsageIndex({ roots: t.roots, cacheFile: path.join(blocker, 'sub/index.bin') });
  const r = await idx.refresh();
  assert.equal(outputs(idx), 3);
  assert.ok(idx.problems.some(p => p.reason.startsWith('cannot write index')));
  assert.equal(r.cache, 'missing');
  fs.rmSync(t.dir, { recursive: true });
});

test('the fixture tree read through a persisted index equals a fresh read', async () => {
  const dir = tempDir('tkx-fx-');
  const roots: AgentRoot[] = [
    { agent: 'claude-code', dir: path.join(FIXTURES, 'claude'), explicit: true },
    { agent: 'codex', dir: path.join(FIXTURES, 'codex'), explicit: true },
    { agent: 'gemini', dir: path.join(FIXTURES, 'gemini'), explicit: true },
  ];
  const cache = path.join(dir, 'i.bin');
  const a = new UsageIndex({ roots, cacheFile: cache });
  await a.refresh();
  const b = new UsageIndex({ roots, cacheFile: cache });
  const r = await b.refresh();
  assert.equal(r.cache, 'loaded');
  assert.equal(r.changed, false);
  const norm = (i: UsageIndex) => [...i.records()].map(x => ({ ...x, key: x.key })).map(x => JSON.stringify([x.key, x.agent, x.sessionId, x.project, x.model, x.timestamp, x.usage, x.contextTokens, x.file, x.rank, x.rateLimits ?? null])).sort();
  assert.deepEqual(norm(b), norm(a));
  assert.equal(r.stats.malformedLines, 3);
  fs.rmSync(dir, { recursive: true });
});

test('a loaded index reports from its stored columns, without record objects, exactly what its records give', async () => {
  const dir = tempDir('tkx-cols-');
  const roots: AgentRoot[] = [
    { agent: 'claude-code', dir: path.join(FIXTURES, 'claude'), explicit: true },
    { agent: 'codex', dir: path.join(FIXTURES, 'codex'), explicit: true },
    { agent: 'gemini', dir: path.join(FIXTURES, 'gemini'), explicit: true },
  ];
  const cache = path.join(dir, 'i.bin');
  const fresh = new UsageIndex({ roots, cacheFile: cache });
  await fresh.refresh();
  const warm = new UsageIndex({ roots, cacheFile: cache });
  const r = await warm.refresh();
  assert.equal(r.cache, 'loaded');
  assert.equal(r.stats.records, fresh.records().length);
  const catalog = bundledCatalog();
  for (const opts of [{ timezone: 'UTC' }, { timezone: 'America/Los_Angeles' }, { timezone: 'Asia/Kolkata', since: '2026-05-04', until: '2026-05-04' }]) {
    const fromColumns = buildReportFromColumns(warm.columns(), catalog, opts);
    assert.equal((warm as unknown as { snap: unknown }).snap !== null, true, 'still no record objects');
    const fromRecords = buildReport(fresh.records(), catalog, opts);
    const noCost = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'costUSD' ? Math.round(v * 1e4) : v)));
    assert.deepEqual(noCost(fromColumns), noCost(fromRecords), opts.timezone);
    assert.ok(Math.abs(fromColumns.totals.costUSD - fromRecords.totals.costUSD) <= 1e-6);
  }
  // the records, once asked for, are the ones the columns described, in the same order
  const cols = warm.columns();
  const recs = warm.records();
  assert.equal(recs.length, cols.rows.length);
  assert.deepEqual(buildReportFromColumns(cols, catalog, { timezone: 'UTC' }), buildReport(recs, catalog, { timezone: 'UTC' }));
  fs.rmSync(dir, { recursive: true });
});

test('a flipped byte anywhere in a stored index is caught by its checksum and the index rebuilt', async () => {
  const t = tmp();
  fs.writeFileSync(path.join(t.projects, 'a.jsonl'), req(10) + req(20) + req(30));
  await new UsageIndex({ roots: t.roots, cacheFile: t.cache }).refresh();
  const good = fs.readFileSync(t.cache);
  for (const at of [40, Math.floor(good.length / 2), good.length - 3]) {
    const bad = Buffer.from(good);
    bad[at] = bad[at]! ^ 0x10;
    fs.writeFileSync(t.cache, bad);
    const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
    assert.equal((await idx.refresh()).cache, 'corrupt', `byte ${at}`);
    assert.equal(outputs(idx), 60, `byte ${at}`);
  }
  fs.rmSync(t.dir, { recursive: true });
});

test('after a warm load, the first append turns the stored records into objects and counts once', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  const g = path.join(t.projects, 'b.jsonl');
  fs.writeFileSync(f, req(10, 'dup') + req(20));
  fs.writeFileSync(g, req(5, 'dup')); // the same request, smaller: a streaming partial copied into another file
  await new UsageIndex({ roots: t.roots, cacheFile: t.cache }).refresh();
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  assert.equal((await idx.refresh()).cache, 'loaded');
  fs.appendFileSync(g, req(7) + req(12, 'dup'));
  const r = await idx.refresh();
  assert.equal(r.appendedFiles, 1);
  assert.equal(outputs(idx), 12 + 20 + 7, 'the larger copy of dup wins, across files');
  fs.rmSync(g);
  await idx.refresh();
  assert.equal(outputs(idx), 12 + 20 + 7, 'a file gone from disk is kept as history');
  idx.forget(() => true);
  assert.equal(outputs(idx), 10 + 20, 'its other copy counts again once its history is forgotten');
  fs.rmSync(t.dir, { recursive: true });
});

/** `cur`, as index version 8 wrote it: the same file, but Codex lineage keys in decimal. */
function asVersion8(cur: Buffer): Buffer {
  const PREFIX = 32, hl = cur.readUInt32LE(8), kl = cur.readUInt32LE(12);
  const decimal = (k: string): string => {
    const m = /^x:(.*):([\u0100-\u80ff]{18})$/.exec(k);
    if (!m) return k;
    const d = [...m[2]!].map(c => c.charCodeAt(0) - 0x100);
    const n = [0, 1, 2, 3, 4, 5].map(i => d[i * 3]! + d[i * 3 + 1]! * 0x8000 + d[i * 3 + 2]! * 0x8000 * 0x8000);
    return `x:${m[1]}:${n.join(':')}`;
  };
  const keys = Buffer.from(cur.toString('utf8', PREFIX + hl, PREFIX + hl + kl).split('\0').map(decimal).join('\0'));
  const oldStart = PREFIX + hl + kl + ((8 - ((PREFIX + hl + kl) % 8)) % 8);
  const pre = PREFIX + hl + keys.length, pad = (8 - (pre % 8)) % 8;
  const out = Buffer.concat([cur.subarray(0, PREFIX + hl), keys, Buffer.alloc(pad), cur.subarray(oldStart)]);
  out.writeUInt32LE(8, 4);
  out.writeUInt32LE(keys.length, 12);
  out.writeUInt32LE(crc32(out.subarray(PREFIX)), 24);
  return out;
}

test('an index written by version 8 (decimal Codex keys) loads, keeps the history of a deleted log, and dedupes against a copy read since', async () => {
  const dir = tempDir('tkx-v8-');
  const day = path.join(dir, 'sessions/2026/05/04');
  fs.mkdirSync(day, { recursive: true });
  const name = 'rollout-2026-05-04T10-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl';
  const tc = (at: string, input: number, output: number) => JSON.stringify({ timestamp: at, type: 'event_msg', payload: { type: 'token_count',
    info: { total_token_usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output },
      last_token_usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output } } } });
  const rollout = [
    JSON.stringify({ timestamp: '2026-05-04T10:00:00.000Z', type: 'session_meta', payload: { id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', cwd: '/p' } }),
    JSON.stringify({ timestamp: '2026-05-04T10:00:00.100Z', type: 'turn_context', payload: { model: 'gpt-5.2-codex', cwd: '/p' } }),
    tc('2026-05-04T10:00:05.000Z', 40000, 300), tc('2026-05-04T10:01:05.000Z', 90000, 700),
  ].join('\n') + '\n';
  const live = path.join(day, name);
  fs.writeFileSync(live, rollout);
  const roots: AgentRoot[] = [{ agent: 'codex', dir, explicit: true }];
  const cache = path.join(dir, 'index.bin');
  await new UsageIndex({ roots, cacheFile: cache }).refresh();
  const v9 = fs.readFileSync(cache);
  assert.equal(v9.readUInt32LE(4), 9);
  const v8 = asVersion8(v9);
  assert.notDeepEqual(v8, v9, 'the stored keys differ between the versions');
  fs.writeFileSync(cache, v8);
  fs.rmSync(live); // the agent cleaned up: only the index remembers
  const idx = new UsageIndex({ roots, cacheFile: cache });
  assert.equal((await idx.refresh()).cache, 'loaded');
  assert.equal(outputs(idx), 1000, 'the deleted log\'s requests are kept');
  // the same rollout again, archived: its requests are the ones the index remembers, not new ones
  fs.mkdirSync(path.join(dir, 'archived_sessions'));
  fs.writeFileSync(path.join(dir, 'archived_sessions', name), rollout);
  await idx.refresh();
  assert.equal(idx.records().length, 2);
  assert.equal(outputs(idx), 1000);
  fs.rmSync(dir, { recursive: true });
});
