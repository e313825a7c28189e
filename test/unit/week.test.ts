import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { ActivityCache } from '../../src/core/activity';
import type { UsageRecord } from '../../src/core/agents/records';
import { UsageIndex } from '../../src/core/usageIndex';
import { buildWeek, computeWeek, measureInstructionFiles, parseQuotas, projectMatcher, startOfDay, weekRange, WeekSummary } from '../../src/core/week';

const FIX = path.resolve(__dirname, '../../../test/fixtures/week');
const catalog = bundledCatalog();
const near = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-6, `${msg ?? ''} ${a} != ${b}`);

async function records(): Promise<readonly UsageRecord[]> {
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: path.join(FIX, 'claude'), explicit: true }, { agent: 'codex', dir: path.join(FIX, 'codex'), explicit: true }], cacheFile: null });
  await index.refresh();
  return index.records();
}
const NOW = Date.UTC(2026, 5, 1);
const QUOTAS = [
  { name: 'client', projects: ['/home/dev/shop'], weeklyUSD: 0.25 },
  { name: 'experiments', projects: ['**/lab'], weeklyUSD: 10 },
  { name: 'bad', projects: [], weeklyUSD: 5 },
  { name: 'negative', projects: ['x'], weeklyUSD: -1 },
  { projects: ['y'], weeklyUSD: 1 },
];
let cached: WeekSummary | undefined;
async function week(): Promise<WeekSummary> {
  if (cached) return cached;
  const cache = new ActivityCache(null);
  cached = buildWeek(await records(), (f, a) => cache.get(f, a), catalog, {
    weekStart: '2026-05-06', timezone: 'UTC', weekStartsOn: 'monday', wasteThresholdUSD: 2, quotas: QUOTAS, now: NOW,
    projectNames: { '/home/dev/shop': 'Shop' },
    instructionFiles: [{ project: '/home/dev/shop', agent: 'claude-code', path: '/home/dev/shop/CLAUDE.md', tokens: 1000, approximate: true }],
  });
  return cached;
}

test('range, headline and change against the previous week', async () => {
  const w = await week();
  assert.equal(w.range.weekStart, '2026-05-04');
  assert.equal(w.range.weekEnd, '2026-05-10');
  assert.equal(w.range.hours, 168);
  assert.equal(w.range.previousWeek, '2026-04-27');
  near(w.headline.spendUSD, 0.2736 + 3.89295 + 0.03325);
  assert.equal(w.headline.requests, 16);
  assert.equal(w.headline.sessions, 3);
  assert.equal(w.headline.tokens, 12 * 50600 + 480930 + 21000);
  near(w.headline.previous.spendUSD, 1.5);
  assert.equal(w.headline.previous.sessions, 1);
  near(w.headline.change.spendUSD, 4.1998 - 1.5);
  near(w.headline.change.spendPercent!, ((4.1998 - 1.5) / 1.5) * 100);
});

test('totals have the report --json shape', async () => {
  const w = await week();
  assert.deepEqual(Object.keys(w.totals), ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'requests', 'costUSD']);
  assert.equal(w.totals.cacheReadTokens, 12 * 50000 + 300000 + 10000);
  assert.equal(w.totals.inputTokens, 1200 + 30 + 10000);
  assert.equal(w.totals.cacheCreationTokens, 180000);
  assert.equal(w.totals.outputTokens, 6000 + 900 + 1000);
});

test('spend per day split by agent, and day × agent × model rows', async () => {
  const w = await week();
  assert.equal(w.days.length, 7);
  near(w.days[0]!.byAgent['claude-code']!, 0.2736);
  near(w.days[1]!.costUSD, 3.89295);
  near(w.days[2]!.byAgent.codex!, 0.03325);
  assert.equal(w.days[3]!.requests, 0);
  assert.deepEqual(w.dayRows.map(r => [r.date, r.agent, r.model, r.requests]), [
    ['2026-05-04', 'claude-code', 'claude-sonnet-4-5-20250929', 12],
    ['2026-05-05', 'claude-code', 'claude-opus-4-1-20250805', 3],
    ['2026-05-06', 'codex', 'gpt-5.2-codex', 1],
  ]);
});

test('breakdowns by model (with tier), agent and project (named as the user knows it)', async () => {
  const w = await week();
  assert.deepEqual(w.models.map(m => [m.model, m.tier]), [['claude-opus-4-1-20250805', 'frontier'], ['claude-sonnet-4-5-20250929', 'balanced'], ['gpt-5.2-codex', 'frontier']]);
  assert.deepEqual(w.agents.map(a => a.agent), ['claude-code', 'codex']);
  assert.deepEqual(w.projects.map(p => [p.project, p.name]), [['/home/dev/lab', 'lab'], ['/home/dev/shop', 'Shop']]);
  near(w.projects[1]!.costUSD, 0.2736 + 0.03325);
});

test('cache: read share and savings against full input price', async () => {
  const w = await week();
  near(w.cache.readShare!, 910000 / (910000 + 11230 + 180000));
  const savings = (600000 * (3 - 0.3) + 300000 * (15 - 1.5) + 10000 * (1.75 - 0.175)) / 1e6;
  near(w.cache.savingsUSD, savings);
});

test('value per token: the session with edits and the one without', async () => {
  const w = await week();
  const edits = w.value.sessions.find(s => s.sessionId.startsWith('11111111'))!;
  assert.equal(edits.filesChanged, 2);
  assert.equal(edits.linesChanged, 8);
  assert.equal(edits.commits, 1);
  assert.equal(edits.testRuns, 1);
  near(edits.costPerChangedLine!, 0.2736 / 8);
  assert.equal(edits.outputTokensPerChangedLine, 750);
  assert.equal(edits.durationMs, 11 * 60_000);
  assert.equal(edits.projectName, 'Shop');
  const idle = w.value.sessions.find(s => s.sessionId.startsWith('22222222'))!;
  assert.equal(idle.linesChanged, 0);
  assert.equal(idle.costPerChangedLine, null);
  assert.deepEqual(w.value.wasteCandidates.map(s => s.sessionId), [idle.sessionId]);
  assert.equal(w.value.linesChanged, 11);
  assert.equal(w.value.filesChanged, 3);
  assert.equal(w.value.commits, 1);
  assert.equal(w.value.testRuns, 2);
});

test('waste findings with tokens, dollars and a fix', async () => {
  const w = await week();
  const f = Object.fromEntries(w.waste.findings.map(x => [x.kind, x]));
  assert.equal(f['repeated-reads']!.tokens, 2000);
  near(f['repeated-reads']!.costUSD, 2000 * 3 / 1e6);
  assert.equal(f['big-tool-results']!.tokens, 9000);
  near(f['big-tool-results']!.costUSD, 9000 * 3 / 1e6);
  assert.equal(f['unread-cache-writes']!.tokens, 30000);
  near(f['unread-cache-writes']!.costUSD, 30000 * (18.75 - 15) / 1e6);
  assert.equal(f['retry-loops']!.tokens, 39);
  assert.equal(f['retry-loops']!.items[0]!.detail, 'npm run lint');
  for (const x of w.waste.findings) assert.match(x.fix, /^[A-Z].+\.$/);
});

test('context bloat: long-context turns against the same turns compacted', async () => {
  const w = await week();
  assert.equal(w.contextBloat.sessions.length, 1);
  const b = w.contextBloat.sessions[0]!;
  assert.equal(b.level, 'critical');
  near(b.maxShare, 180010 / 200000);
  assert.equal(b.longTurns, 3);
  near(b.longTurnsUSD, 3.89295);
  const opus = catalog.resolve('claude-opus-4-1-20250805')!;
  const f1 = 60000 / 150010, f3 = 60000 / 180010;
  const compacted = requestCost(opus, { input: Math.round(10 * f1), output: 200, cacheRead: 0, cacheWrite5m: Math.round(150000 * f1), cacheWrite1h: 0 })!
    + requestCost(opus, { input: Math.round(10 * f1), output: 300, cacheRead: Math.round(150000 * f1), cacheWrite5m: 0, cacheWrite1h: 0 })!
    + requestCost(opus, { input: Math.round(10 * f3), output: 400, cacheRead: Math.round(150000 * f3), cacheWrite5m: Math.round(30000 * f3), cacheWrite1h: 0 })!;
  near(b.compactedUSD, compacted);
  near(b.savingsUSD, 3.89295 - compacted);
});

test('cheaper tier: small frontier turns priced on the cheaper tier, labelled counterfactual', async () => {
  const w = await week();
  assert.equal(w.cheaperTier.counterfactual, true);
  assert.match(w.cheaperTier.note, /Counterfactual/);
  assert.equal(w.cheaperTier.rows.length, 1, 'the Codex request has 1,000 output tokens: not small');
  const row = w.cheaperTier.rows[0]!;
  const opus = catalog.resolve('claude-opus-4-1-20250805')!;
  const alt = catalog.cheaperAlternatives(opus)[0]!;
  assert.equal(row.alternative, alt.id);
  assert.equal(row.requests, 3);
  const altCost = [{ input: 10, output: 200, cacheRead: 0, cacheWrite5m: 150000, cacheWrite1h: 0 }, { input: 10, output: 300, cacheRead: 150000, cacheWrite5m: 0, cacheWrite1h: 0 },
    { input: 10, output: 400, cacheRead: 150000, cacheWrite5m: 30000, cacheWrite1h: 0 }].reduce((n, u) => n + requestCost(alt, u)!, 0);
  near(row.alternativeUSD, altCost);
  near(row.savingsUSD, 3.89295 - altCost);
});

test('always-loaded instruction files: tokens × requests × input price', async () => {
  const w = await week();
  const f = w.instructionFiles.files[0]!;
  assert.equal(f.requests, 12, 'the Claude Code requests in the project; Codex reads AGENTS.md');
  near(f.costUSD!, (1000 * 12 * 3) / 1e6);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-instr-'));
  fs.writeFileSync(path.join(dir, 'CLAUDE.md'), 'Use pnpm. Run tests before committing.');
  fs.writeFileSync(path.join(dir, 'AGENTS.md'), 'Be brief.');
  const cache = new ActivityCache(null);
  const { getCounter } = await import('../../src/core/tokenizer');
  const counter = await getCounter('o200k_base');
  const found = await measureInstructionFiles([dir], file => cache.fileTokens(file, async t => counter.count(t)), new Map([[dir, new Set(['claude-code' as const])]]));
  assert.deepEqual(found.map(x => [path.basename(x.path), x.approximate, x.agent]), [['CLAUDE.md', true, 'claude-code']]);
  assert.equal(found[0]!.tokens, counter.count('Use pnpm. Run tests before committing.'));
});

test('top five sessions with project, model, duration, cost and transcript', async () => {
  const w = await week();
  assert.deepEqual(w.topSessions.map(s => s.sessionId.slice(0, 8)), ['22222222', '11111111', '33333333']);
  assert.ok(fs.existsSync(w.topSessions[0]!.file));
  assert.equal(w.topSessions[0]!.model, 'claude-opus-4-1-20250805');
  assert.equal(w.topSessions[0]!.durationMs, 10 * 60_000);
});

test('quotas: spend against limits by project globs; a quota crossed; invalid entries by name and field', async () => {
  const w = await week();
  assert.deepEqual(w.quotas.map(q => [q.name, q.status]), [['client', 'over'], ['experiments', 'ok']]);
  near(w.quotas[0]!.spentUSD, 0.2736 + 0.03325);
  near(w.quotas[1]!.spentUSD, 3.89295);
  assert.deepEqual(w.quotaProblems.map(p => [p.name, p.field]), [['bad', 'projects'], ['negative', 'weeklyUSD'], ['#5', 'name']]);
  assert.deepEqual(parseQuotas('nope').problems.length, 1);
  const m = projectMatcher(['/home/dev/client-*', 'sandbox']);
  assert.ok(m('/home/dev/client-a'));
  assert.ok(m('/home/dev/client-a/packages/web'));
  assert.ok(m('/tmp/sandbox'));
  assert.ok(!m('/home/dev/clientele'));
});

test('weeks start on the configured day', () => {
  assert.equal(weekRange('2026-05-06', 'UTC', 'monday').weekStart, '2026-05-04');
  assert.equal(weekRange('2026-05-06', 'UTC', 'sunday').weekStart, '2026-05-03');
  assert.equal(weekRange('2026-05-06', 'UTC', 'saturday').weekStart, '2026-05-02');
  assert.equal(weekRange('2026-05-02', 'UTC', 'saturday').weekStart, '2026-05-02');
  assert.equal(weekRange(undefined, 'UTC', 'monday', Date.UTC(2026, 4, 10, 23)).weekStart, '2026-05-04');
  assert.equal(weekRange(undefined, 'UTC', 'monday', Date.UTC(2026, 4, 10, 23)).isCurrent, true);
});

test('weeks with a daylight-saving change have 7 days and 167 or 169 hours', () => {
  assert.equal(weekRange('2026-10-28', 'America/New_York').hours, 169);
  assert.equal(weekRange('2026-10-21', 'Europe/Berlin').hours, 169);
  assert.equal(weekRange('2026-03-04', 'America/New_York').hours, 167);
  assert.equal(weekRange('2026-03-25', 'Europe/Berlin').hours, 167);
  assert.equal(weekRange('2026-10-28', 'America/New_York').days.length, 7);
  assert.equal(startOfDay('2026-11-02', 'America/New_York'), Date.UTC(2026, 10, 2, 5));
  assert.equal(startOfDay('2026-10-26', 'America/New_York'), Date.UTC(2026, 9, 26, 4));
  assert.equal(startOfDay('2026-05-04', 'Asia/Kolkata'), Date.UTC(2026, 4, 3, 18, 30));
});

test('a week spanning the fall-back change in America/New_York counts the right requests', async () => {
  const cache = new ActivityCache(null);
  const w = buildWeek(await records(), (f, a) => cache.get(f, a), catalog, { weekStart: '2026-10-26', timezone: 'America/New_York', now: NOW });
  assert.equal(w.range.hours, 169);
  assert.equal(w.headline.requests, 4);
  assert.equal(w.headline.previous.requests, 1);
  assert.deepEqual(w.days.map(d => d.requests), [1, 0, 0, 0, 0, 0, 3]);
  near(w.headline.spendUSD, 4 * 0.015);
});

test('computeWeek uses the cache and finds nothing to measure in projects that do not exist here', async () => {
  const cache = new ActivityCache(null);
  const w = await computeWeek(await records(), catalog, cache, { weekStart: '2026-05-04', timezone: 'UTC', now: NOW });
  assert.equal(w.instructionFiles.files.length, 0);
  assert.equal(w.value.linesChanged, 11);
  const reads = cache.reads;
  await computeWeek(await records(), catalog, cache, { weekStart: '2026-05-04', timezone: 'UTC', now: NOW });
  assert.equal(cache.reads, reads);
  assert.ok(JSON.parse(JSON.stringify(w)), 'JSON-able');
});

test('an empty week', () => {
  const w = buildWeek([], () => undefined, catalog, { weekStart: '2026-05-04', timezone: 'UTC', now: NOW });
  assert.equal(w.headline.spendUSD, 0);
  assert.equal(w.headline.change.spendPercent, null);
  assert.equal(w.cache.readShare, null);
  assert.equal(w.value.costPerChangedLine, null);
  assert.equal(w.topSessions.length, 0);
});
