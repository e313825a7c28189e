import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import { FIXTURES } from './agents-fixtures';

const home = tempDir('tkx-cli-home-');
function io(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC', ...env }, cwd: FIXTURES };
  return o;
}
const ALL = ['--claude-dir', 'claude', '--codex-dir', 'codex', '--gemini-dir', 'gemini'];

test('report --json over the fixtures, cached and uncached alike', async () => {
  const a = io();
  assert.equal(await main(['report', '--json', '--no-cache', ...ALL], a), 0, a.err);
  const r = JSON.parse(a.out);
  assert.equal(r.totals.requests, 15);
  assert.deepEqual(r.skipped, { malformedLines: 3, unpricedRequests: 0, byReason: { malformed: 3, replay: 3, duplicate: 9 } });
  // each file with skipped lines is named on stderr; stdout stays pure JSON
  const named = a.err.split('\n').filter(l => /skipped \d+ malformed lines? in .*\.jsonl?$/.test(l));
  assert.ok(named.length >= 1, a.err);
  assert.equal(named.reduce((n, l) => n + Number(/skipped (\d+)/.exec(l)![1]), 0), 3);
  assert.deepEqual(fs.existsSync(path.join(home, 'cache/tokenomics')), false, '--no-cache writes nothing');
  const b = io();
  assert.equal(await main(['report', '--json', ...ALL], b), 0);
  assert.ok(fs.readdirSync(path.join(home, 'cache/tokenomics')).some(f => f.startsWith('usage-index-')));
  const c = io();
  assert.equal(await main(['report', '--json', ...ALL], c), 0);
  assert.deepEqual(JSON.parse(c.out), r);
});

test('report honours CLAUDE_CONFIG_DIR and CODEX_HOME, --since/--until and --timezone', async () => {
  const o = io({ CLAUDE_CONFIG_DIR: path.join(FIXTURES, 'claude'), CODEX_HOME: path.join(FIXTURES, 'codex') });
  assert.equal(await main(['report', '--json', '--since', '2026-05-04', '--until', '2026-05-04', '--timezone', 'America/Los_Angeles'], o), 0, o.err);
  const r = JSON.parse(o.out);
  assert.deepEqual(r.range, { since: '2026-05-04', until: '2026-05-04', timezone: 'America/Los_Angeles' });
  assert.deepEqual(r.days.map((d: { date: string }) => d.date), ['2026-05-04']);
  assert.deepEqual(r.agents.map((a: { agent: string }) => a.agent).sort(), ['claude-code', 'codex']);
  assert.equal(r.totals.requests, 5 + 4); // all of claude (m4 is the 4th in LA); codex A x2, B, C
});

test('report without --json prints a table by day with totals', async () => {
  const o = io();
  assert.equal(await main(['report', '--no-cache', ...ALL], o), 0);
  const lines = o.out.split('\n');
  assert.match(lines[0]!, /^Date\s+Input\s+Output\s+Cache write\s+Cache read\s+Total tokens\s+Requests\s+Cost$/);
  assert.ok(lines.some(l => l.startsWith('2026-05-04 ')));
  assert.match(o.out, /^Total\s+3,621\s+1,110\s+2,000\s+21,550\s+28,281\s+15\s+\$/m);
  assert.match(o.out, /3 malformed log line\(s\) skipped/);
});

test('bad arguments exit 2 with a one-line message', async () => {
  const cases: [string[], RegExp][] = [
    [['--since', '2026-13-01'], /--since 2026-13-01 is not a date/],
    [['--until', 'yesterday'], /not a date/],
    [['--since', '2026-05-05', '--until', '2026-05-04'], /is after/],
    [['--timezone', 'Mars/Olympus'], /unknown time zone 'Mars\/Olympus'/],
    [['--claude-dir', 'no-such-folder'], /no such folder: .*no-such-folder/],
    [['--bogus'], /unknown option --bogus/],
    [['extra'], /unexpected argument/],
  ];
  for (const [args, msg] of cases) {
    const o = io();
    assert.equal(await main(['report', '--no-cache', ...args], o), 2, args.join(' '));
    assert.match(o.err, msg);
    assert.equal(o.err.trim().split('\n').length, 1, o.err);
  }
});

test('no logs at all: an empty report, and the folders looked in on stderr', async () => {
  const o = io();
  assert.equal(await main(['report', '--json', '--no-cache'], o), 0);
  const r = JSON.parse(o.out);
  assert.equal(r.totals.requests, 0);
  assert.deepEqual(r.days, []);
  assert.match(o.err, /no agent logs found; looked in:/);
  assert.ok(o.err.includes(path.join(home, '.claude')));
  assert.ok(o.err.includes(path.join(home, '.codex')));
  assert.ok(o.err.includes(path.join(home, '.gemini')));
});
