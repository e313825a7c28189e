import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { ActivityCache } from '../../src/core/activity';
import type { UsageRecord } from '../../src/core/agents/records';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { parseQuotas } from '../../src/core/usage/quotas';
import { projectMatcher } from '../../src/core/glob';
import { startOfDay, weekRange } from '../../src/core/time';
import { buildWeek, computeWeek } from '../../src/core/week/build';
import { measureInstructionFiles } from '../../src/core/week/sections/instructionFiles';
import type { WeekSummary } from '../../src/core/week/types';

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
  assert.deepEqual(Object.keys(w.totals), ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens', 'requests', 'costUSD', 'basis']);
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
  const dir = tempDir('tkx-instr-');
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

// ---- a session spanning two weeks ------------------------------------------------------------------

/** A Claude Code session in /home/dev/span with tool calls on Sunday 2026-05-10 and Monday 2026-05-11 (New York time). */
function spanningSession(): string {
  const dir = tempDir('tkx-span-');
  const sid = '55555555-eeee-4000-8000-000000000005';
  const proj = path.join(dir, 'claude', 'projects', '-home-dev-span');
  fs.mkdirSync(proj, { recursive: true });
  const lines: string[] = [];
  let n = 0;
  const base = { cwd: '/home/dev/span', sessionId: sid, version: '2.1.90', userType: 'external', isSidechain: false };
  const call = (iso: string, name: string, input: Record<string, unknown>, result: string, isError = false) => {
    n++;
    lines.push(JSON.stringify({ ...base, type: 'assistant', timestamp: iso, uuid: `a-${n}`, requestId: `req_span_${n}`,
      message: { id: `msg_span_${n}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'tool_use', id: `toolu_span_${n}`, name, input }],
        usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 100 } } }));
    lines.push(JSON.stringify({ ...base, type: 'user', timestamp: iso, uuid: `u-${n}`,
      message: { role: 'user', content: [{ tool_use_id: `toolu_span_${n}`, type: 'tool_result', content: result, ...(isError ? { is_error: true } : {}) }] } }));
  };
  const page = 'p'.repeat(4000); // 1,000 tokens
  // Sunday 10:00 in New York (14:00 UTC)
  call('2026-05-10T14:00:00.000Z', 'Edit', { file_path: '/home/dev/span/a.ts', old_string: 'x', new_string: 'y' }, 'ok');
  call('2026-05-10T14:01:00.000Z', 'Read', { file_path: '/home/dev/span/big.ts' }, page);
  call('2026-05-10T14:02:00.000Z', 'Read', { file_path: '/home/dev/span/big.ts' }, page);
  for (let i = 0; i < 3; i++) call(`2026-05-10T14:1${i}:00.000Z`, 'Bash', { command: 'npm run lint' }, 'lint failed', true);
  call('2026-05-10T14:20:00.000Z', 'Bash', { command: 'npm run build' }, 'b'.repeat(20000));
  call('2026-05-10T14:30:00.000Z', 'Bash', { command: "git commit -am 'sunday'" }, 'ok');
  // Sunday 22:30 in New York: already Monday in UTC
  call('2026-05-11T02:30:00.000Z', 'Write', { file_path: '/home/dev/span/c.ts', content: 'c1\nc2\n' }, 'ok');
  // Monday 09:00 in New York (13:00 UTC)
  call('2026-05-11T13:00:00.000Z', 'Write', { file_path: '/home/dev/span/b.ts', content: '1\n2\n3\n' }, 'ok');
  for (let i = 0; i < 3; i++) call(`2026-05-11T13:0${i + 1}:00.000Z`, 'Read', { file_path: '/home/dev/span/big.ts' }, page);
  call('2026-05-11T13:10:00.000Z', 'Bash', { command: 'npm run lint' }, 'lint failed', true);
  call('2026-05-11T13:20:00.000Z', 'Bash', { command: 'npm test' }, 'ok');
  fs.writeFileSync(path.join(proj, `${sid}.jsonl`), lines.join('\n') + '\n');
  return path.join(dir, 'claude');
}

test('a session spanning two weeks reports each edit, commit, test and waste finding in the week it happened', async () => {
  const root = spanningSession();
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: root, explicit: true }], cacheFile: null });
  await index.refresh();
  const recs = index.records();
  const cacheFile = path.join(path.dirname(root), 'activity.json');
  const cache = new ActivityCache(cacheFile);
  const opts = { timezone: 'America/New_York', weekStartsOn: 'monday' as const, now: NOW, instructionFiles: [] };
  const sunday = await computeWeek(recs, catalog, cache, { ...opts, weekStart: '2026-05-10' });
  const monday = await computeWeek(recs, catalog, cache, { ...opts, weekStart: '2026-05-11' });
  assert.equal(sunday.range.weekStart, '2026-05-04');
  assert.equal(monday.range.weekStart, '2026-05-11');
  assert.equal(sunday.headline.sessions, 1);
  assert.equal(monday.headline.sessions, 1);
  assert.equal(sunday.headline.requests + monday.headline.requests, 15);

  const s1 = sunday.value.sessions[0]!, s2 = monday.value.sessions[0]!;
  assert.deepEqual([s1.filesChanged, s1.linesAdded, s1.linesRemoved, s1.linesChanged, s1.commits, s1.testRuns], [2, 3, 1, 4, 1, 0]);
  assert.deepEqual([s2.filesChanged, s2.linesAdded, s2.linesRemoved, s2.linesChanged, s2.commits, s2.testRuns], [1, 3, 0, 3, 0, 1]);
  assert.equal(sunday.value.linesChanged, 4);
  assert.equal(monday.value.linesChanged, 3);
  assert.equal(sunday.value.commits + monday.value.commits, 1);
  assert.equal(sunday.value.testRuns + monday.value.testRuns, 1);

  const f1 = Object.fromEntries(sunday.waste.findings.map(x => [x.kind, x]));
  const f2 = Object.fromEntries(monday.waste.findings.map(x => [x.kind, x]));
  // big.ts: read twice on Sunday (one extra read), three times on Monday (two extra reads)
  assert.deepEqual(f1['repeated-reads']!.items.map(i => [i.detail, i.count, i.tokens]), [['/home/dev/span/big.ts', 2, 1000]]);
  assert.deepEqual(f2['repeated-reads']!.items.map(i => [i.detail, i.count, i.tokens]), [['/home/dev/span/big.ts', 3, 2000]]);
  near(f2['repeated-reads']!.costUSD, 2000 * 3 / 1e6);
  // the build's 5,000-token output and the lint retry loop were Sunday's; Monday's single lint failure is no loop
  assert.equal(f1['big-tool-results']!.tokens, 4000);
  assert.equal(f2['big-tool-results'], undefined);
  assert.deepEqual(f1['retry-loops']!.items.map(i => [i.detail, i.count]), [['npm run lint', 3]]);
  assert.equal(f2['retry-loops'], undefined);

  // in UTC the 22:30 write is Monday's: the same facts re-bucket by the summary's time zone
  const utc1 = buildWeek(recs, (f, a) => cache.get(f, a), catalog, { ...opts, timezone: 'UTC', weekStart: '2026-05-10' });
  const utc2 = buildWeek(recs, (f, a) => cache.get(f, a), catalog, { ...opts, timezone: 'UTC', weekStart: '2026-05-11' });
  assert.equal(utc1.value.linesChanged, 2);
  assert.equal(utc2.value.linesChanged, 5);
  assert.equal(utc2.value.filesChanged, 2);

  // the persisted cache keeps the timestamps: a new process gives the same answer without reading the transcript
  assert.ok(cache.save());
  const again = new ActivityCache(cacheFile);
  const monday2 = await computeWeek(recs, catalog, again, { ...opts, weekStart: '2026-05-11', now: NOW });
  assert.equal(again.reads, 0);
  assert.deepEqual({ ...monday2, generatedAt: 0 }, { ...monday, generatedAt: 0 });
});
