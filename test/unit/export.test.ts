// The OTLP export's pure parts: the series (totals equal the report's), project labels, the state
// (resets, start times, validation), per-day backfill series, the settings, the lock and the salt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UsageRecord } from '../../src/core/agents/records';
import { Catalog } from '../../src/core/catalog';
import { endpointUrl, parseAttributes, parseExportConfig, parseHeaders } from '../../src/core/export/config';
import { COST_METRIC, Series, TOKEN_METRIC, dailySeries, dayBounds, projectLabel, seriesKey, usageSeries } from '../../src/core/export/series';
import { advance, emptyState, parseKey, parseState, serializeState } from '../../src/core/export/state';
import { dayNumberer } from '../../src/core/time';
import { columnsOf } from '../../src/core/usage/columns';
import { buildReport } from '../../src/core/usage/report';
import { ExportLock, hostId, machineSalt, seriesOf } from '../../src/server/export';
import { readFixtures } from './agents-fixtures';

const catalog = new Catalog();
const SALT = '0123456789abcdef0123456789abcdef';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-export-'));

function rec(over: Partial<UsageRecord> & { ts: string }): UsageRecord {
  const { ts, ...rest } = over;
  return {
    agent: 'claude-code', sessionId: 's', project: '/home/dev/shop', model: 'claude-sonnet-4-5', timestamp: Date.parse(ts),
    usage: { input: 10, output: 20, cacheRead: 300, cacheWrite5m: 40, cacheWrite1h: 5 }, contextTokens: 355,
    file: '/x.jsonl', key: `k${Math.random()}`, rank: 0, ...rest,
  };
}

const sumBy = (series: Series[], metric: string, pred: (a: Readonly<Record<string, string>>) => boolean) =>
  series.filter(s => s.metric === metric && pred(s.attributes)).reduce((n, s) => n + s.value, 0);

test('series over the fixture logs add up to the report, by token type, agent and model, cost to the cent', async () => {
  const { records } = await readFixtures('claude-code', 'codex', 'gemini');
  const report = buildReport(records, catalog, { timezone: 'UTC' });
  const series = seriesOf(records, catalog, 'hashed', SALT);
  const type = (t: string) => sumBy(series, TOKEN_METRIC, a => a['gen_ai.token.type'] === t);
  assert.equal(type('input'), report.totals.inputTokens);
  assert.equal(type('output'), report.totals.outputTokens);
  assert.equal(type('cache_read'), report.totals.cacheReadTokens);
  assert.equal(type('cache_creation'), report.totals.cacheCreationTokens);
  assert.ok(Math.abs(sumBy(series, COST_METRIC, () => true) - report.totals.costUSD) < 0.005);
  for (const a of report.agents) {
    assert.equal(sumBy(series, TOKEN_METRIC, x => x.agent === a.agent), a.totalTokens, a.agent);
    assert.ok(Math.abs(sumBy(series, COST_METRIC, x => x.agent === a.agent) - a.costUSD) < 1e-6, a.agent);
  }
  for (const m of report.models) assert.equal(sumBy(series, TOKEN_METRIC, x => x['gen_ai.request.model'] === m.model), m.totalTokens, m.model);
  // one point per agent × model × token type, plus cost; attributes named as the GenAI conventions name them
  const s = series.find(x => x.metric === TOKEN_METRIC)!;
  assert.deepEqual(Object.keys(s.attributes).sort(), ['agent', 'basis', 'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.token.type', 'project']);
  assert.ok(series.every(x => x.attributes.basis === 'exact'));
  assert.equal(new Set(series.map(x => x.key)).size, series.length, 'keys are unique');
  // no path leaves: the project attribute is a hash
  for (const x of series) assert.match(x.attributes.project!, /^[0-9a-f]{12}$/);
  assert.deepEqual(seriesOf(records, catalog, 'hashed', SALT), series, 'the same records give the same series, in the same order');
});

test('cost follows the long-context tier of each request, as the report prices it', () => {
  assert.ok(catalog.resolve('claude-sonnet-4-5')!.longContext.length > 0, 'the model has a long-context tier');
  const big = { input: 250_000, output: 1000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  const records = [rec({ ts: '2026-05-01T10:00:00Z', usage: big, model: 'claude-sonnet-4-5' }), rec({ ts: '2026-05-01T11:00:00Z', model: 'claude-sonnet-4-5' })];
  const report = buildReport(records, catalog, { timezone: 'UTC' });
  const cost = sumBy(seriesOf(records, catalog, 'none', SALT), COST_METRIC, () => true);
  assert.ok(Math.abs(cost - report.totals.costUSD) < 1e-6, `${cost} vs ${report.totals.costUSD}`);
});

test('an unpriced model gets token series but no cost series (unknown is not free); the provider comes from the agent', () => {
  const series = seriesOf([rec({ ts: '2026-05-01T10:00:00Z', agent: 'codex', model: 'no-such-model-xyz' })], catalog, 'none', SALT);
  assert.equal(series.filter(s => s.metric === COST_METRIC).length, 0);
  assert.equal(series.filter(s => s.metric === TOKEN_METRIC).length, 4);
  assert.equal(series[0]!.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(series[0]!.attributes.project, undefined, 'includeProjects none: no project attribute');
});

test('a record that carries a basis is exported under it; the others under their agent\'s', () => {
  const records = [rec({ ts: '2026-05-01T10:00:00Z' }), Object.assign(rec({ ts: '2026-05-01T10:00:00Z' }), { basis: 'lower-bound' }),
    Object.assign(rec({ ts: '2026-05-01T10:00:00Z', agent: 'codex', model: 'gpt-5' }), { basis: 'bogus' })];
  const series = seriesOf(records, catalog, 'none', SALT);
  const bases = (agent: string) => [...new Set(series.filter(s => s.attributes.agent === agent).map(s => s.attributes.basis))].sort();
  assert.deepEqual(bases('claude-code'), ['exact', 'lower-bound']);
  assert.deepEqual(bases('codex'), ['exact'], 'an unknown basis falls back to the adapter\'s (Codex: exact)');
});

test('project labels: a salted hash or the folder name, never the path', () => {
  const h = projectLabel('/home/ada/work/secret-client', 'hashed', SALT)!;
  assert.match(h, /^[0-9a-f]{12}$/);
  assert.notEqual(h, projectLabel('/home/ada/work/secret-client', 'hashed', 'f'.repeat(32)), 'another machine\'s salt gives another hash');
  assert.equal(h, projectLabel('/home/ada/work/secret-client', 'hashed', SALT));
  assert.equal(projectLabel('/home/ada/work/secret-client/', 'names', SALT), 'secret-client');
  assert.equal(projectLabel('C:\\Users\\ada\\shop', 'names', SALT), 'shop');
  assert.equal(projectLabel('/x', 'none', SALT), undefined);
  // two paths with the same folder name are one series, their values added
  const records = [rec({ ts: '2026-05-01T10:00:00Z', project: '/a/shop' }), rec({ ts: '2026-05-01T10:00:00Z', project: '/b/shop' })];
  const named = seriesOf(records, catalog, 'names', SALT);
  assert.equal(named.filter(s => s.metric === TOKEN_METRIC).length, 4);
  assert.equal(sumBy(named, TOKEN_METRIC, a => a['gen_ai.token.type'] === 'input'), 20);
});

const S = (key: string, value: number): Series => ({ key: seriesKey(TOKEN_METRIC, { k: key }), metric: TOKEN_METRIC, attributes: { k: key }, value });

test('state: the same totals keep their start time; a total that falls restarts the series; a vanished one is sent once as 0', () => {
  const first = advance(emptyState(), [S('a', 100), S('b', 5)], 1000);
  assert.deepEqual(first.points.map(p => [p.value, p.startMs, p.endMs, p.reset]), [[100, 1000, 1000, false], [5, 1000, 1000, false]]);
  // a restart, a second window, a re-read log: the same values under the same start
  const again = advance(first.next, [S('a', 100), S('b', 5)], 2000);
  assert.deepEqual(again.points.map(p => [p.value, p.startMs, p.reset]), [[100, 1000, false], [5, 1000, false]]);
  const grown = advance(again.next, [S('a', 150), S('b', 5)], 3000);
  assert.equal(grown.points[0]!.startMs, 1000);
  // a series new since the last export (a model used for the first time) was 0 at that export
  const added = advance(again.next, [S('a', 100), S('b', 5), S('n', 7)], 3000);
  assert.deepEqual(added.points.filter(p => p.attributes.k === 'n').map(p => [p.value, p.startMs, p.endMs]), [[0, 2001, 2001], [7, 2001, 3000]]);
  assert.equal(first.points.length, 2, 'but not on the first export: the history before it is unknown');
  // history forgotten: never a lower value under the old start
  const fell = advance(grown.next, [S('a', 40), S('b', 5)], 4000);
  assert.deepEqual([fell.points[0]!.value, fell.points[0]!.startMs, fell.points[0]!.reset], [40, 4000, true]);
  assert.deepEqual(fell.next.series[S('a', 0).key], { start: 4000, last: 40 });
  const gone = advance(fell.next, [S('a', 40)], 5000);
  const zero = gone.points.find(p => p.attributes.k === 'b')!;
  assert.deepEqual([zero.value, zero.reset, zero.startMs > 1000], [0, true, true]);
  assert.equal(gone.next.series[S('b', 0).key], undefined, 'then forgotten');
  assert.equal(advance(gone.next, [S('a', 40)], 6000).points.length, 1);
  // a reset in the same millisecond as its run's start still gets a later start
  const same = advance(advance(emptyState(), [S('a', 9)], 7000).next, [S('a', 1)], 7000);
  assert.equal(same.points[0]!.startMs, 7001);
});

test('state: a float a hair lower from another summing order is not a reset', () => {
  const a = advance(emptyState(), [{ ...S('c', 0.1 + 0.2), metric: COST_METRIC }], 1000);
  const b = advance(a.next, [{ ...S('c', 0.3), metric: COST_METRIC }], 2000);
  assert.equal(b.points[0]!.reset, false);
  assert.equal(b.points[0]!.value, 0.1 + 0.2, 'the counter never goes backwards');
});

test('state files: validated, round-tripped, anything else a fresh state and a reason', () => {
  const s = advance(emptyState(), [S('a', 1)], 1000).next;
  assert.deepEqual(parseState(serializeState(s)), { state: s });
  assert.deepEqual(parseState(null), { state: emptyState() });
  for (const bad of ['{', '[]', '{"version":2,"series":{}}', '{"version":1,"series":{"x":{"start":-1,"last":0}}}', '{"version":1,"series":{"x":{"start":1,"last":"9"}}}']) {
    const r = parseState(bad);
    assert.deepEqual(r.state, emptyState(), bad);
    assert.ok(r.problem, bad);
  }
  assert.deepEqual(parseKey(seriesKey(COST_METRIC, { b: '2', a: '1' })), { metric: COST_METRIC, attributes: { a: '1', b: '2' } });
  assert.equal(parseKey('other.metric[]'), null);
  assert.equal(parseKey('tokenomics.cost.usage[{'), null);
});

test('backfill series: cumulative per day in the time zone, ending at the all-time totals', () => {
  const records = [
    rec({ ts: '2026-05-01T10:00:00Z' }), rec({ ts: '2026-05-01T23:30:00Z' }), // 23:30 UTC is May 2 in Berlin
    rec({ ts: '2026-05-03T08:00:00Z', model: 'gpt-5', agent: 'codex' }),
  ];
  const cols = columnsOf(records);
  const opts = { projects: 'none' as const, salt: SALT };
  for (const timezone of ['UTC', 'Europe/Berlin']) {
    const days = dailySeries(cols, catalog, { ...opts, timezone });
    // every day from the first, a day without requests carrying the totals forward
    assert.deepEqual(days.map(d => d.date), ['2026-05-01', '2026-05-02', '2026-05-03']);
    assert.deepEqual(days[days.length - 1]!.series, usageSeries(cols, catalog, opts));
    const input = (d: (typeof days)[number]) => sumBy(d.series, TOKEN_METRIC, a => a['gen_ai.token.type'] === 'input');
    assert.deepEqual(days.map(input), timezone === 'UTC' ? [20, 20, 30] : [10, 20, 30]);
    // the codex series appears on its first day, not before
    assert.equal(days[0]!.series.some(s => s.attributes.agent === 'codex'), false);
    for (const d of days) {
      const num = dayNumberer(timezone);
      assert.equal(num(d.startMs), num(d.endMs));
      assert.notEqual(num(d.startMs - 1), num(d.startMs));
      assert.notEqual(num(d.endMs + 1), num(d.endMs));
    }
  }
  // through a later day (today): the totals carried forward to it
  const through = dayNumberer('UTC')(Date.parse('2026-05-06T00:00:00Z'));
  const filled = dailySeries(cols, catalog, { ...opts, timezone: 'UTC', through });
  assert.deepEqual(filled.map(d => d.date), ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06']);
  assert.deepEqual(filled[5]!.series, filled[2]!.series);
  assert.deepEqual(dailySeries(columnsOf([]), catalog, { ...opts, timezone: 'UTC' }), []);
  // a 23-hour day (DST starts in Berlin on 2026-03-29)
  const day = dayNumberer('Europe/Berlin')(Date.parse('2026-03-29T12:00:00Z'));
  const b = dayBounds(day, 'Europe/Berlin');
  assert.equal(b.end + 1 - b.start, 23 * 3_600_000);
});

test('settings: URLs, headers and attributes are checked and each bad value named', () => {
  assert.deepEqual(endpointUrl('http://127.0.0.1:4318'), { url: 'http://127.0.0.1:4318/v1/metrics' });
  assert.deepEqual(endpointUrl('https://otel.example.com/opentelemetry/v1/metrics'), { url: 'https://otel.example.com/opentelemetry/v1/metrics' });
  for (const bad of ['not a url', 'ftp://x/v1/metrics', 'http://user:pw@x/v1/metrics']) assert.ok('error' in endpointUrl(bad), bad);
  assert.deepEqual(parseHeaders('authorization=Bearer%20abc, x-team=a=b'), { headers: { authorization: 'Bearer abc', 'x-team': 'a=b' } });
  assert.deepEqual(parseHeaders('{"api-key":"k"}'), { headers: { 'api-key': 'k' } });
  assert.ok('error' in parseHeaders('no pairs here'));
  const problems: { setting: string; message: string }[] = [];
  assert.deepEqual(parseAttributes({ team: 'payments', n: 3, 'host.id': 'x', 'bad name': 'y', obj: {} }, problems), { team: 'payments', n: '3' });
  assert.deepEqual(problems.map(p => p.setting), ['tokenomics.export.otlp.attributes.host.id', 'tokenomics.export.otlp.attributes.bad name', 'tokenomics.export.otlp.attributes.obj']);
  const off = parseExportConfig({});
  assert.deepEqual(off, { config: { endpoint: null, headers: {}, intervalSeconds: 60, attributes: {}, includeProjects: 'hashed' }, problems: [] });
  const bad = parseExportConfig({ endpoint: 'nope', intervalSeconds: 1, includeProjects: 'paths' });
  assert.equal(bad.config.endpoint, null);
  assert.deepEqual(bad.problems.map(p => p.setting), ['tokenomics.export.otlp.endpoint', 'tokenomics.export.otlp.intervalSeconds', 'tokenomics.export.otlp.includeProjects']);
});

test('the lock: one holder per machine; a dead holder\'s lock is taken over; a holder that lost it knows', () => {
  const dir = tmp();
  try {
    const file = path.join(dir, 'export.lock');
    const a = new ExportLock(file, 60_000), b = new ExportLock(file, 60_000);
    assert.equal(a.acquire(), true);
    assert.equal(b.acquire(), false, 'a live holder keeps it');
    assert.equal(a.acquire(), true, 'the holder keeps it on every export');
    a.release();
    assert.equal(fs.existsSync(file), false);
    assert.equal(b.acquire(), true);
    b.release();
    // a process that died holding the lock (its pid is gone)
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(file, JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), token: 'dead', at: 0 }));
    assert.equal(a.acquire(), true, 'taken over from a dead process');
    // another process took over (this one was seen as stale): the old holder stops
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other', at: Date.now() }));
    assert.equal(a.acquire(), false);
    assert.equal(a.isHeld, false);
    // a lock not touched for longer than the stale time, held by a process on another host
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old', at: 0 }));
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(file, old, old);
    const c = new ExportLock(file, 60_000);
    assert.equal(c.acquire(), true);
    c.release();
    // garbage in the lock file: a process may be writing it right now, so it waits a moment, then is stale
    fs.writeFileSync(file, '{"pid":');
    assert.equal(new ExportLock(file, 60_000).acquire(), false);
    fs.utimesSync(file, old, old);
    assert.equal(new ExportLock(file, 60_000).acquire(), true);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the machine salt is made once and kept; the host id is a hash, stable per salt', () => {
  const dir = tmp();
  try {
    const s = machineSalt(dir);
    assert.match(s, /^[0-9a-f]{32}$/);
    assert.equal(machineSalt(dir), s);
    fs.writeFileSync(path.join(dir, 'salt'), 'garbage');
    const t = machineSalt(dir);
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.equal(machineSalt(dir), t);
    assert.match(hostId(s), /^[0-9a-f]{16}$/);
    assert.equal(hostId(s), hostId(s));
    assert.notEqual(hostId(s), hostId(t));
    assert.ok(!hostId(s).includes(os.hostname()));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('an export with nothing to send (no logs yet) succeeds without a request and without loading the sender', async () => {
  const dir = tmp();
  try {
    const logs: string[] = [];
    const { Exporter } = await import('../../src/server/export');
    const e = new Exporter(dir, (_l, m) => logs.push(m));
    const r = await e.exportTotals({ cols: columnsOf([]) }, catalog, { url: 'http://127.0.0.1:9/v1/metrics', headers: {}, attributes: {}, includeProjects: 'hashed' }, { attempts: 3, persist: true });
    assert.deepEqual(r, { ok: true, points: 0, attempts: 0 });
    assert.deepEqual(logs, []);
    assert.ok(!Object.keys(require.cache).some(k => /[\\/]server[\\/]otlp\.js$/.test(k)), 'the OpenTelemetry sender was not loaded');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

// The salt was read with readFileSync, which waits forever on a FIFO. In a child process, so a hang is a
// failed run (killed at the timeout), not a frozen test file.
test('a FIFO at the salt path: a fresh salt replaces it, nothing hangs', () => {
  const dir = tmp();
  try {
    execFileSync('mkfifo', [path.join(dir, 'salt')]);
    const r = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(path.resolve(__dirname, '../../src/server/export.js'))}).machineSalt(${JSON.stringify(dir)}))`],
      { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, 'machineSalt returned (no hang on a FIFO)');
    assert.match(r.stdout, /^[0-9a-f]{32}$/, r.stderr);
    assert.ok(fs.statSync(path.join(dir, 'salt')).isFile(), 'the salt replaced the FIFO');
    assert.equal(machineSalt(dir), r.stdout, 'and is kept');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
