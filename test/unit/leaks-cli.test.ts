// `tokenomics leaks` and the weekly summary's "Where it leaked" on the leak fixtures
// (test/fixtures/agent-logs/leaks/, shapes and sources in leaks-ledgers.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import { FIXTURES } from './agents-fixtures';

const home = tempDir('tkx-leaks-home-');
function io(): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC' }, cwd: path.join(FIXTURES, 'leaks') };
  return o;
}
const DIRS = ['--claude-dir', 'claude', '--codex-dir', 'codex'];

test('leaks --json has exactly the issue\'s shape; week --format json carries the same object as `leaks`', async () => {
  const a = io();
  assert.equal(await main(['leaks', '--week', '2026-12-02', '--json', '--timezone', 'UTC', ...DIRS], a), 0, a.err);
  const l = JSON.parse(a.out);
  assert.deepEqual(Object.keys(l), ['cacheMisses', 'compactions', 'subagents', 'toolOutput', 'quota', 'totals']);
  assert.deepEqual(Object.keys(l.cacheMisses[0]), ['agent', 'sessionId', 'timestamp', 'cause', 'reportedCause', 'tokensRewritten', 'wastedUSD']);
  assert.deepEqual(Object.keys(l.compactions[0]), ['agent', 'sessionId', 'timestamp', 'warm', 'costUSD']);
  assert.deepEqual(Object.keys(l.subagents[0]), ['agent', 'sessionId', 'subagent', 'requests', 'costUSD']);
  assert.deepEqual(Object.keys(l.toolOutput[0]), ['agent', 'tool', 'server', 'calls', 'tokens', 'costUSD']);
  assert.deepEqual(Object.keys(l.quota[0]), ['sessionId', 'window', 'percent']);
  assert.equal(l.cacheMisses.length, 16);
  assert.match(l.cacheMisses[0].timestamp, /^2026-11-30T09:10:01\.000Z$/);
  const w = io();
  assert.equal(await main(['week', '--week', '2026-12-02', '--format', 'json', '--timezone', 'UTC', ...DIRS], w), 0, w.err);
  assert.deepEqual(JSON.parse(w.out).leaks, l);
  const md = io();
  assert.equal(await main(['week', '--week', '2026-12-02', '--format', 'md', '--timezone', 'UTC', ...DIRS], md), 0, md.err);
  assert.match(md.out, /Where it leaked/);
  assert.match(md.out, /Cache misses: 16 cache rewrites mid-session/);
  assert.match(md.out, /Fix: raise the cache TTL/);
});

test('leaks --since/--until picks days; a range before the sessions finds nothing; text output; --help', async () => {
  const a = io();
  assert.equal(await main(['leaks', '--since', '2026-11-30', '--until', '2026-11-30', '--json', '--timezone', 'UTC', ...DIRS], a), 0, a.err);
  assert.equal(JSON.parse(a.out).cacheMisses.length, 16);
  const b = io();
  assert.equal(await main(['leaks', '--since', '2026-11-01', '--until', '2026-11-29', '--json', '--timezone', 'UTC', ...DIRS], b), 0, b.err);
  assert.equal(JSON.parse(b.out).totals.cacheMisses.count, 0);
  const t = io();
  assert.equal(await main(['leaks', '--week', '2026-11-30', '--timezone', 'UTC', ...DIRS], t), 0, t.err);
  assert.match(t.out, /^Where it leaked, 2026-11-30 – 2026-12-06 \(UTC\)/);
  assert.match(t.out, /Sub-agents: 2 sub-agents made 5 requests/);
  const bad = io();
  assert.equal(await main(['leaks', '--week', '2026-11-30', '--since', '2026-11-30'], bad), 2);
  const h = io();
  assert.equal(await main(['leaks', '--help'], h), 0);
  for (const f of ['--week DATE', '--since, --until DATE', '--json', '--timezone IANA', '--claude-dir DIR']) assert.ok(h.out.includes(f), f);
});
