import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { dayKeyer, defaultTimeZone, isValidTimeZone } from '../../src/core/time';
import { buildReport } from '../../src/core/usage/report';
import { spendSummary } from '../../src/core/usage/spend';
import { readFixtures } from './agents-fixtures';

const catalog = bundledCatalog();
const T_KEYS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'requests', 'costUSD', 'basis'];

function rec(p: Partial<UsageRecord> & { at: string }): UsageRecord {
  return { agent: 'claude-code', sessionId: 's', project: '/p', model: 'claude-sonnet-4-5-20250929', timestamp: Date.parse(p.at),
    usage: { input: 1, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: 1, file: '/f.jsonl', key: p.at, rank: 0, ...p };
}

test('report: the documented JSON shape, over all three agents, with hand-checked totals', async () => {
  const { index, result } = await readFixtures('claude-code', 'codex', 'gemini');
  const r = buildReport(index.records(), catalog, { timezone: 'UTC', malformedLines: result.stats.malformedLines });
  assert.deepEqual(Object.keys(r), ['range', 'totals', 'days', 'models', 'agents', 'projects', 'sessions', 'skipped', 'basis']);
  assert.equal(r.basis, 'exact');
  assert.deepEqual(r.range, { since: null, until: null, timezone: 'UTC' });
  assert.deepEqual(Object.keys(r.totals), T_KEYS);
  for (const [k, rows] of [['date', r.days], ['model', r.models], ['agent', r.agents], ['project', r.projects]] as const) {
    // every row's basis is part of its totals (agents' too): one place, not two
    for (const row of rows) assert.deepEqual(Object.keys(row), [k, ...T_KEYS]);
  }
  for (const row of r.sessions) assert.deepEqual(Object.keys(row), ['agent', 'sessionId', 'project', ...T_KEYS]);
  // claude 21/320/2000/14000 (5 req), codex 2400/400/0/5450 (7), gemini 1200/390/0/2100 (3)
  assert.deepEqual({ ...r.totals, costUSD: 0 }, { inputTokens: 3621, outputTokens: 1110, cacheCreationTokens: 2000, cacheReadTokens: 21550,
    totalTokens: 3621 + 1110 + 2000 + 21550, requests: 15, costUSD: 0, basis: 'exact' });
  assert.deepEqual(r.agents.map(a => [a.agent, a.requests, a.inputTokens, a.cacheReadTokens]).sort(),
    [['claude-code', 5, 21, 14000], ['codex', 7, 2400, 5450], ['gemini', 3, 1200, 2100]]);
  assert.deepEqual(r.days.map(d => [d.date, d.requests]), [['2026-05-02', 2], ['2026-05-03', 1], ['2026-05-04', 10], ['2026-05-05', 2]]);
  assert.deepEqual(r.skipped, { malformedLines: 3, unpricedRequests: 0, byReason: {} }); // byReason comes from the index (cli-report)
  const total = r.days.reduce((s, d) => s + d.costUSD, 0);
  assert.ok(Math.abs(total - r.totals.costUSD) < 1e-5);
  for (const [k, v] of Object.entries(r.totals)) assert.ok(Number.isInteger(v) || v === r.totals.costUSD || k === 'basis');
  assert.ok([r.totals, ...r.agents, ...r.models, ...r.sessions].every(t => t.basis === 'exact'), 'all three agents log the provider\'s usage');
});

test('report: days follow the time zone (a 02:30 UTC request is the previous day in Los Angeles)', async () => {
  const { index } = await readFixtures('claude-code');
  const utc = buildReport(index.records(), catalog, { timezone: 'UTC' });
  const la = buildReport(index.records(), catalog, { timezone: 'America/Los_Angeles' });
  assert.deepEqual(utc.days.map(d => [d.date, d.requests]), [['2026-05-04', 4], ['2026-05-05', 1]]);
  assert.deepEqual(la.days.map(d => [d.date, d.requests]), [['2026-05-04', 5]]);
  const since = buildReport(index.records(), catalog, { timezone: 'UTC', since: '2026-05-05', until: '2026-05-05' });
  assert.equal(since.totals.requests, 1);
  assert.equal(since.totals.outputTokens, 40);
  // by hand: opus 4.1 at $15 in, $75 out, $1.50 cache read per M: 2*15 + 40*75 + 5000*1.5
  assert.equal(since.totals.costUSD, 0.01053);
});

test('report: days are right across a DST change', () => {
  const k = dayKeyer('Europe/Berlin');
  assert.equal(k(Date.parse('2026-03-28T22:59:00Z')), '2026-03-28'); // 23:59 CET
  assert.equal(k(Date.parse('2026-03-28T23:00:00Z')), '2026-03-29'); // 00:00 CET
  assert.equal(k(Date.parse('2026-03-29T21:59:00Z')), '2026-03-29'); // 23:59 CEST
  assert.equal(k(Date.parse('2026-03-29T22:00:00Z')), '2026-03-30');
  assert.equal(dayKeyer('Asia/Kolkata')(Date.parse('2026-05-04T18:29:00Z')), '2026-05-04');
  assert.equal(dayKeyer('Asia/Kolkata')(Date.parse('2026-05-04T18:30:00Z')), '2026-05-05');
});

test('report: an unpriced model counts its tokens, costs nothing, and is reported as skipped', () => {
  const r = buildReport([rec({ at: '2026-05-04T10:00:00Z', model: 'mystery-model-9' }), rec({ at: '2026-05-04T11:00:00Z' })], catalog, { timezone: 'UTC' });
  assert.equal(r.totals.requests, 2);
  assert.equal(r.skipped.unpricedRequests, 1);
  assert.equal(r.totals.costUSD, 0.000018);
});

test('spend meter: today and this week (Monday start), by agent and model, cache hit ratio, rate limits, active session', async () => {
  const { index } = await readFixtures('claude-code', 'codex', 'gemini');
  const now = Date.parse('2026-05-05T12:00:00Z'); // a Tuesday
  const s = spendSummary(index.records(), catalog, { timezone: 'UTC', now, rateLimits: index.latestRateLimits().get('codex') });
  assert.equal(s.today, '2026-05-05');
  assert.equal(s.weekStart, '2026-05-04');
  assert.equal(s.todaySpend.totals.requests, 2); // m4 and gem-2
  assert.equal(s.weekSpend.totals.requests, 12); // everything but 05-02 and 05-03
  assert.deepEqual(s.weekSpend.byAgent.map(a => a.agent).sort(), ['claude-code', 'codex', 'gemini']);
  const w = s.weekSpend.totals;
  assert.equal(s.weekSpend.cacheHitRatio, w.cacheReadTokens / (w.cacheReadTokens + w.inputTokens + w.cacheCreationTokens));
  assert.equal(s.rateLimits?.primary?.usedPercent, 25);
  assert.equal(s.rateLimits?.reportedAt, Date.parse('2026-05-04T10:01:30.000Z'));
  assert.equal(s.activeSession?.sessionId, 'gem-2');
  assert.equal(s.activeSession?.contextWindow, 1048576);
  const sunday = spendSummary(index.records(), catalog, { timezone: 'UTC', now, weekStartsOn: 'sunday' });
  assert.equal(sunday.weekStart, '2026-05-03');
  assert.equal(sunday.weekSpend.totals.requests, 13);
});

test('spend meter: the active session prefers the workspace, and ignores sub-agent transcripts', () => {
  const records = [
    rec({ at: '2026-05-05T10:00:00Z', sessionId: 'main', project: '/work/app', contextTokens: 150_000 }),
    rec({ at: '2026-05-05T10:01:00Z', sessionId: 'main', project: '/work/app', contextTokens: 20, file: '/x/main/subagents/a.jsonl' }),
    rec({ at: '2026-05-05T10:02:00Z', sessionId: 'other', project: '/elsewhere', contextTokens: 10 }),
  ];
  const s = spendSummary(records, catalog, { timezone: 'UTC', now: Date.parse('2026-05-05T11:00:00Z'), preferProjects: ['/work/app'] });
  assert.equal(s.activeSession?.sessionId, 'main');
  assert.equal(s.activeSession?.contextTokens, 150_000);
  assert.equal(s.activeSession?.contextShare, 0.75);
  const any = spendSummary(records, catalog, { timezone: 'UTC', now: Date.parse('2026-05-05T11:00:00Z') });
  assert.equal(any.activeSession?.sessionId, 'other');
});

test('spend meter: an old workspace session does not hide the current one, and an idle one has no live context', () => {
  const records = [
    rec({ at: '2026-04-20T10:00:00Z', sessionId: 'old-ws', project: '/work/app', contextTokens: 190_000 }),
    rec({ at: '2026-05-05T10:02:00Z', sessionId: 'now', project: '/elsewhere', contextTokens: 10 }),
  ];
  const s = spendSummary(records, catalog, { timezone: 'UTC', now: Date.parse('2026-05-05T11:00:00Z'), preferProjects: ['/work/app'] });
  assert.equal(s.activeSession?.sessionId, 'now');
  const later = spendSummary(records, catalog, { timezone: 'UTC', now: Date.parse('2026-05-06T11:00:00Z'), preferProjects: ['/work/app'] });
  assert.equal(later.activeSession, null, 'idle for a day: no context warning');
});

test('report: UTC is answered without Intl and agrees with it; days from quarter hours are exact across DST', () => {
  // Africa/Abidjan is UTC+0 all year but not on the fast path: Intl answers it
  const fast = dayKeyer('UTC'), viaIntl = dayKeyer('Africa/Abidjan');
  for (let ts = Date.UTC(2025, 0, 1); ts < Date.UTC(2027, 0, 1); ts += 7 * 3_600_000 + 59_999) assert.equal(fast(ts), viaIntl(ts));
  assert.equal(isValidTimeZone('UTC'), true);
  assert.equal(isValidTimeZone('Etc/UTC'), true);
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
  assert.equal(defaultTimeZone({ TZ: ':UTC' }), 'UTC');
  // requests one minute either side of Berlin's midnights around the spring change, and Kathmandu's +05:45
  const edges = ['2026-03-28T22:59:59.999Z', '2026-03-28T23:00:00.000Z', '2026-03-29T21:59:59.999Z', '2026-03-29T22:00:00.000Z', '2026-03-29T00:59:00Z', '2026-03-29T01:00:00Z'];
  for (const timezone of ['Europe/Berlin', 'Asia/Kathmandu', 'America/St_Johns', 'UTC']) {
    const records = edges.map(at => rec({ at }));
    const want = new Map<string, number>();
    for (const r of records) want.set(dayKeyer(timezone)(r.timestamp), (want.get(dayKeyer(timezone)(r.timestamp)) ?? 0) + 1);
    const got = buildReport(records, catalog, { timezone }).days.map(d => [d.date, d.requests]);
    assert.deepEqual(got, [...want].sort(), timezone);
  }
});

test('report: a long-context request is priced at its tier, grouped with cheaper ones of the same model', () => {
  const model = catalog.all().find(m => m.longContext.length > 0);
  assert.ok(model, 'the bundled catalog has a model with long-context pricing');
  const threshold = model.longContext[0]!.threshold;
  const small = { input: 1000, output: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  const big = { input: threshold + 1, output: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  const records = [rec({ at: '2026-05-04T09:00:00Z', model: model.id, usage: small }), rec({ at: '2026-05-04T09:01:00Z', model: model.id, usage: big })];
  const r = buildReport(records, catalog, { timezone: 'UTC' });
  const want = (requestCost(model, small)! + requestCost(model, big)!);
  assert.ok(Math.abs(r.totals.costUSD - Math.round(want * 1e6) / 1e6) < 1e-9, `${r.totals.costUSD} vs ${want}`);
  assert.ok(requestCost(model, big)! / big.input > requestCost(model, small)! / small.input * 1.01, 'the big one paid the higher rate');
});
