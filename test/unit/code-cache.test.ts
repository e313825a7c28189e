// V8's compiled code kept between runs (src/core/codeCache.ts): a bundle runs the same with and without
// it, a cache is used only when it is whole and made from the same source, and a bad one is replaced.
// The launchers (dist/cli.js, dist/scanWorker.js) are tested as `npm test` builds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { loadBundle } from '../../src/core/codeCache';
import { JobQueue, ScanJob, ScanResult, WorkerStart } from '../../src/core/usage/scanPool';
import { decodeRecords } from '../../src/core/usage/recordWire';
import { FIXTURES } from './agents-fixtures';
import { tempDir } from './tempDirs';

const ROOT = path.resolve(__dirname, '../../..');
const DIST = path.join(ROOT, 'dist');

type Probe = { twice(x: number): number; sep: string; file: string; dir: string; isMain: boolean; thisIsExports: boolean };
const PROBE = `#!/usr/bin/env node
exports.twice = x => x * 2;
exports.sep = require('node:path').sep;
exports.file = __filename;
exports.dir = __dirname;
exports.isMain = require.main === module;
exports.thisIsExports = this === module.exports;
`;

function bundle(source = PROBE): { file: string; cache: string } {
  const d = tempDir('tokenomics-codecache-');
  const file = path.join(d, 'probe.js');
  fs.writeFileSync(file, source);
  return { file, cache: path.join(d, 'code') };
}

/**
 * The bundle loaded in a process of its own, as the CLI and the workers load theirs: in this one, V8
 * takes a source it compiled before from memory and never looks at the cache it is given.
 */
function loadApart(file: string, cache: string): { state: string; twice: number; saved: boolean } {
  const script = `const { loadBundle } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/codeCache.js'))});
const b = loadBundle(${JSON.stringify(file)}, ${JSON.stringify(cache)}, 'probe');
process.stdout.write(JSON.stringify({ state: b.state, twice: b.exports.twice(21), saved: b.save() }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { state: string; twice: number; saved: boolean };
}

const cacheFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

test('code cache: a bundle loads as require loads it, and the second run starts on the code the first compiled', () => {
  const { file, cache } = bundle();
  const off = loadBundle<Probe>(file, null, 'probe');
  assert.equal(off.state, 'off');
  assert.equal(off.save(), false);
  const first = loadBundle<Probe>(file, cache, 'probe');
  assert.equal(first.state, 'none');
  const e = first.exports;
  assert.equal(e.twice(21), 42);
  assert.deepEqual([e.sep, e.file, e.dir, e.isMain, e.thisIsExports], [path.sep, file, path.dirname(file), false, true]);
  assert.deepEqual(cacheFiles(cache), [], 'nothing is written before the work is done');
  assert.equal(first.save(), true);
  assert.equal(first.save(), false, 'once');
  const [name] = cacheFiles(cache);
  assert.match(name!, /^probe\.[0-9a-f]{16}\..+\.bin$/);
  const bytes = fs.readFileSync(path.join(cache, name!));
  assert.equal(bytes.subarray(0, 4).toString(), 'TKCC');
  assert.deepEqual(loadApart(file, cache), { state: 'loaded', twice: 42, saved: false }, 'a cache that was used is not written again');
  assert.ok(fs.readFileSync(path.join(cache, name!)).equals(bytes));
});

test('code cache: a torn, flipped or foreign cache file is never handed to V8; the bundle compiles and the file is replaced', () => {
  const { file, cache } = bundle();
  loadBundle<Probe>(file, cache, 'probe').save();
  const p = path.join(cache, cacheFiles(cache)[0]!);
  const good = fs.readFileSync(p);
  const damaged: [string, Buffer][] = [
    ['one payload byte flipped', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1]! ^ 1])])],
    ['truncated', good.subarray(0, good.length >> 1)],
    ['header only', good.subarray(0, 40)],
    ['empty', Buffer.alloc(0)],
    ['another format', Buffer.concat([Buffer.from('TKCC'), Buffer.from([9, 0, 0, 0]), good.subarray(8)])],
    ['not ours', crypto.randomBytes(good.length)],
  ];
  for (const [what, bytes] of damaged) {
    fs.writeFileSync(p, bytes);
    const b = loadBundle<Probe>(file, cache, 'probe');
    assert.equal(b.state, 'invalid', what);
    assert.equal(b.exports.twice(4), 8, what);
    assert.equal(b.save(), true, what);
    assert.equal(loadBundle<Probe>(file, cache, 'probe').state, 'loaded', `${what}: replaced by a whole one`);
  }
  assert.deepEqual(loadApart(file, cache), { state: 'loaded', twice: 42, saved: false }, 'and V8 takes it');
  // whole and checked, but compiled from another script: V8 refuses it, and it is replaced
  const other = new vm.Script('(function () { return 1; })');
  other.runInThisContext();
  const payload = other.createCachedData();
  const head = Buffer.alloc(40);
  head.write('TKCC'); head.writeUInt32LE(1, 4);
  crypto.createHash('sha256').update(payload).digest().copy(head, 8);
  fs.writeFileSync(p, Buffer.concat([head, payload]));
  assert.deepEqual(loadApart(file, cache), { state: 'rejected', twice: 42, saved: true });
  assert.deepEqual(loadApart(file, cache), { state: 'loaded', twice: 42, saved: false });
});

test('code cache: a changed bundle gets its own file, and the old build\'s goes when it is written; a fresh temp file of another run stays', () => {
  const { file, cache } = bundle();
  loadBundle<Probe>(file, cache, 'probe').save();
  const [old] = cacheFiles(cache);
  // the same length: V8 alone would take the old code for it (it checks the source's length)
  fs.writeFileSync(file, PROBE.replace('x * 2', 'x * 3'));
  const changed = loadBundle<Probe>(file, cache, 'probe');
  assert.equal(changed.state, 'none');
  assert.equal(changed.exports.twice(2), 6, 'the new source runs');
  const fresh = path.join(cache, `${old}.123.abcd.tmp`), stale = path.join(cache, `${old}.456.ef01.tmp`);
  fs.writeFileSync(fresh, 'x'); fs.writeFileSync(stale, 'x');
  const hourAgo = new Date(Date.now() - 3600_000);
  fs.utimesSync(stale, hourAgo, hourAgo);
  fs.writeFileSync(path.join(cache, 'other.0000000000000000.v.x.bin'), 'another bundle'); // not this one's
  assert.equal(changed.save(), true);
  const now = cacheFiles(cache);
  assert.ok(!now.includes(old!), 'the old build\'s code is removed');
  assert.ok(now.includes(path.basename(fresh)) && !now.includes(path.basename(stale)));
  assert.ok(now.includes('other.0000000000000000.v.x.bin'));
  assert.equal(now.filter(f => f.startsWith('probe.') && f.endsWith('.bin')).length, 1);
});

test('code cache: a folder or a FIFO where the cache file should be is never read (no hang), and the bundle runs', () => {
  const { file, cache } = bundle();
  loadBundle<Probe>(file, cache, 'probe').save();
  const p = path.join(cache, cacheFiles(cache)[0]!);
  fs.rmSync(p);
  fs.mkdirSync(p);
  const dir = loadBundle<Probe>(file, cache, 'probe');
  assert.equal(dir.state, 'invalid');
  assert.equal(dir.exports.twice(2), 4);
  assert.equal(dir.save(), false, 'a folder is not replaced');
  assert.ok(fs.statSync(p).isDirectory());
  assert.deepEqual(cacheFiles(cache).filter(f => f.endsWith('.tmp')), [], 'no temporary left behind');
  fs.rmSync(p, { recursive: true });
  // mkfifo is coreutils': on this project's Linux CI it is there; a FIFO opened for reading would block forever
  execFileSync('mkfifo', [p]);
  const fifo = loadBundle<Probe>(file, cache, 'probe');
  assert.equal(fifo.state, 'invalid');
  assert.equal(fifo.exports.twice(3), 6);
});

test('code cache: a folder that cannot be written costs only the cache', () => {
  const { file } = bundle();
  const blocker = path.join(path.dirname(file), 'blocker');
  fs.writeFileSync(blocker, 'a file where the folder should be');
  const b = loadBundle<Probe>(file, path.join(blocker, 'code'), 'probe');
  assert.equal(b.state, 'none');
  assert.equal(b.save(), false);
  assert.equal(b.exports.twice(1), 2);
});

test('code cache: a bundle that throws while loading throws as under require', () => {
  const { file, cache } = bundle('throw new Error("top-level failure at probe.js");\n');
  assert.throws(() => loadBundle(file, cache, 'probe'), /top-level failure at probe\.js/);
});

// ---- the launchers as built ----------------------------------------------------------------------

/** A code cache file as codeCache.ts writes it: its header's SHA-256 is its payload's. */
const wholeCache = (b: Buffer) => b.length > 40 && b.subarray(0, 4).toString() === 'TKCC'
  && crypto.createHash('sha256').update(b.subarray(40)).digest().equals(b.subarray(8, 40));

function cli(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [path.join(DIST, 'cli.js'), ...args], { env: { PATH: process.env.PATH, TZ: 'UTC', ...env }, encoding: 'utf8' });
}

test('code cache: dist/cli.js reports the same with its code kept, after it is damaged, and with it off', () => {
  assert.ok(fs.existsSync(path.join(DIST, 'cli.js')) && fs.existsSync(path.join(DIST, 'cli-main.js')), 'npm test builds dist/ before the unit tests');
  const home = tempDir('tokenomics-codecache-home-');
  const args = ['report', '--json', '--no-cache', '--claude-dir', path.join(FIXTURES, 'claude'), '--codex-dir', path.join(FIXTURES, 'codex'), '--gemini-dir', path.join(FIXTURES, 'gemini')];
  const env = { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') };
  const code = path.join(home, 'cache', 'tokenomics', 'code');
  const plain = cli(args, { ...env, TOKENOMICS_CODE_CACHE: '0' });
  assert.deepEqual(cacheFiles(code), [], 'TOKENOMICS_CODE_CACHE=0 writes nothing');
  assert.ok(JSON.parse(plain).totals.requests > 0);
  assert.equal(cli(args, env), plain, 'first run');
  const files = cacheFiles(code);
  assert.equal(files.length, 1);
  assert.match(files[0]!, /^cli-report\./);
  const p = path.join(code, files[0]!);
  const made = fs.readFileSync(p);
  assert.equal(cli(args, env), plain, 'second run, on the kept code');
  assert.ok(fs.readFileSync(p).equals(made), 'a cache that was used is not written again');
  const damaged = Buffer.concat([made.subarray(0, made.length - 64), crypto.randomBytes(64)]);
  fs.writeFileSync(p, damaged);
  assert.equal(cli(args, env), plain, 'damaged cache');
  const replaced = fs.readFileSync(p);
  assert.ok(wholeCache(replaced) && !replaced.equals(damaged), 'replaced by a whole one');
  assert.equal(cli(args, env), plain, 'on the replaced cache');
  assert.ok(fs.readFileSync(p).equals(replaced), 'used, not written again');
  // another command keeps its own
  cli(['count', path.join(ROOT, 'README.md')], env);
  assert.deepEqual(cacheFiles(code).map(f => f.split('.')[0]).sort(), ['cli-count', 'cli-report']);
});

/** Runs a worker bundle on one queue of `jobs`, the way scanPool.ts starts it, and collects what it posts. */
function runWorker(file: string, jobs: ScanJob[], codeCache: string | null): Promise<ScanResult[]> {
  const queue = new JobQueue(jobs); // this thread takes none: the worker reads every job
  return new Promise((resolve, reject) => {
    const got: ScanResult[] = [];
    const start: WorkerStart = { codeCache, work: { jobs: queue.jobs, shared: queue.shared, now: Date.parse('2026-06-01T00:00:00Z') } };
    const w = new Worker(file, { workerData: start });
    w.on('message', (r: ScanResult | null) => {
      if (!r) { void w.terminate(); resolve(got.sort((a, b) => (a.entry.path < b.entry.path ? -1 : 1))); return; }
      if (r.wire) { r.entry.records = decodeRecords(r.wire); delete r.wire; }
      got.push(r);
    });
    w.once('error', reject);
  });
}

test('code cache: dist/scanWorker.js reads what the worker of the tsc build reads, with and without its kept code', async () => {
  const launcher = path.join(DIST, 'scanWorker.js');
  assert.ok(fs.existsSync(launcher) && fs.existsSync(path.join(DIST, 'scanWorker-main.js')), 'npm test builds dist/ before the unit tests');
  const jobs: ScanJob[] = [];
  const dirs = [['claude-code', 'claude'], ['claude-code', 'traps/claude-sidechain'], ['codex', 'codex'], ['codex', 'traps/codex-zst'], ['gemini', 'gemini']] as const;
  for (const [agent, dir] of dirs) {
    for (const f of fs.readdirSync(path.join(FIXTURES, dir), { recursive: true }) as string[]) {
      const p = path.join(FIXTURES, dir, f);
      const st = fs.statSync(p);
      if (st.isFile() && /\.(jsonl|json|zst)$/.test(p)) jobs.push({ path: p, agent, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    }
  }
  assert.ok(jobs.length >= 3);
  const tsc = await runWorker(path.resolve(__dirname, '../../src/core/usage/scanWorker.js'), jobs, null);
  assert.equal(tsc.length, jobs.length);
  assert.ok(tsc.some(r => r.entry.records.length > 0));
  const code = path.join(tempDir('tokenomics-codecache-worker-'), 'code');
  assert.deepEqual(await runWorker(launcher, jobs, null), tsc, 'no code cache');
  assert.deepEqual(cacheFiles(code), []);
  assert.deepEqual(await runWorker(launcher, jobs, code), tsc, 'first run');
  const [file] = cacheFiles(code);
  assert.match(file!, /^scanWorker\./, 'written before the last message');
  const made = fs.readFileSync(path.join(code, file!));
  assert.ok(wholeCache(made));
  assert.deepEqual(await runWorker(launcher, jobs, code), tsc, 'on the kept code');
  assert.ok(fs.readFileSync(path.join(code, file!)).equals(made), 'used, not written again');
  assert.ok(tsc.some(r => r.entry.path.endsWith('.zst') && r.entry.records.length > 0), 'a compressed rollout among them');
});
