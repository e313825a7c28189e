// Each section of the weekly summary on its own: hand-made requests on a two-model test catalog with
// round prices, so every expected number can be checked with a pencil.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileActivity } from '../../src/core/activity';
import type { UsageRecord } from '../../src/core/agents/records';
import { Catalog } from '../../src/core/catalog';
import { globWork } from '../../src/core/glob';
import { gatherWeek, peakContext, projectName } from '../../src/core/week/gather';
import { contextBloat } from '../../src/core/week/sections/bloat';
import { breakdowns } from '../../src/core/week/sections/breakdowns';
import { cache } from '../../src/core/week/sections/cache';
import { cheaperTier } from '../../src/core/week/sections/cheaperTier';
import { days } from '../../src/core/week/sections/days';
import { headline } from '../../src/core/week/sections/headline';
import { instructionFiles } from '../../src/core/week/sections/instructionFiles';
import { quotas } from '../../src/core/week/sections/quotas';
import { sessionValues, topSessions, value } from '../../src/core/week/sections/value';
import { waste } from '../../src/core/week/sections/waste';
import type { WeekOptions } from '../../src/core/week/types';

// USD per 1M tokens: big (frontier) 10 in / 50 out / 1 cache read / 12.5 cache write; small (fast) a tenth of that.
const catalog = new Catalog({ source: 'test', unit: 'USD per 1M tokens', models: {
  'big-1': { provider: 'test', family: 'test', tier: 'frontier', input: 10, output: 50, cacheRead: 1, cacheWrite5m: 12.5, cacheWrite1h: 20, contextWindow: 100_000 },
  'small-1': { provider: 'test', family: 'test', tier: 'fast', input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2, contextWindow: 100_000 },
} });
const near = (a: number | null, b: number, msg = '') => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg} ${a} != ${b}`);

// The week of Monday 2026-05-04 in UTC; "now" is the next Monday, so every cache write has expired.
const NOW = Date.UTC(2026, 4, 11, 12);
const OPTS: WeekOptions = { weekStart: '2026-05-04', timezone: 'UTC', now: NOW };
let n = 0;
function rec(p: Partial<UsageRecord> & { at: string; input?: number; output?: number; cacheRead?: number; write?: number }): UsageRecord {
  const usage = { input: p.input ?? 1000, output: p.output ?? 100, cacheRead: p.cacheRead ?? 0, cacheWrite5m: p.write ?? 0, cacheWrite1h: 0 };
  return { agent: 'claude-code', sessionId: 's1', project: '/w/app', model: 'big-1', timestamp: Date.parse(p.at), usage,
    contextTokens: usage.input + usage.cacheRead + usage.cacheWrite5m, file: '/logs/s1.jsonl', key: `k${n++}`, rank: 0, ...p };
}
const none = () => undefined;
const input = (records: UsageRecord[], opts: Partial<WeekOptions> = {}, activity: (f: string) => FileActivity | undefined = none) =>
  gatherWeek(records, activity, catalog, { ...OPTS, ...opts });

test('gather: the week\'s requests priced once with their day, the previous week apart, sessions with their main transcript', () => {
  const w = input([
    rec({ at: '2026-05-03T23:59:00Z' }), // previous week
    rec({ at: '2026-05-04T00:00:00Z', model: 'nobody-knows' }),
    rec({ at: '2026-05-05T10:00:00Z', file: '/logs/s1/subagents/a.jsonl', project: '/w/app/sub' }),
    rec({ at: '2026-05-05T09:00:00Z', sessionId: 's2', agent: 'codex' }),
    rec({ at: '2026-05-11T00:00:00Z' }), // next week
  ]);
  assert.deepEqual(w.records.map(x => x.date), ['2026-05-04', '2026-05-05', '2026-05-05']);
  assert.deepEqual(w.records.map(x => x.cost), [null, (1000 * 10 + 100 * 50) / 1e6, (1000 * 10 + 100 * 50) / 1e6]);
  assert.equal(w.previous.length, 1);
  assert.deepEqual(w.sessions.map(s => [s.agent, s.sessionId, s.project, s.mainFile, s.records.length]),
    [['claude-code', 's1', '/w/app', '/logs/s1.jsonl', 2], ['codex', 's2', '/w/app', '/logs/s1.jsonl', 1]]);
  assert.equal(w.sessions[0]!.topModel, 'big-1', 'the model it spent most on, not the unpriced one');
  assert.equal(projectName('/w/app/sub', { '/w/app': 'App' }), 'App/sub');
  assert.equal(projectName('/w/other/'), 'other');
});

test('headline: spend, tokens, requests and sessions, and the change from the previous week', () => {
  const h = headline(input([
    rec({ at: '2026-04-30T10:00:00Z', sessionId: 'old' }),
    rec({ at: '2026-05-04T10:00:00Z' }), rec({ at: '2026-05-06T10:00:00Z' }), rec({ at: '2026-05-06T11:00:00Z', sessionId: 's2' }),
  ]));
  near(h.spendUSD, 3 * 0.015);
  assert.deepEqual([h.tokens, h.requests, h.sessions], [3300, 3, 2]);
  assert.deepEqual(h.previous, { spendUSD: 0.015, tokens: 1100, requests: 1, sessions: 1 });
  near(h.change.spendUSD, 0.03);
  near(h.change.spendPercent, 200);
  near(h.change.sessionsPercent, 100);
  assert.equal(headline(input([rec({ at: '2026-05-04T10:00:00Z' })])).change.spendPercent, null, 'nothing the week before: no percentage');
});

test('days: all seven days, each agent\'s spend per day, and the day × agent × model rows sorted', () => {
  const d = days(input([
    rec({ at: '2026-05-05T10:00:00Z', agent: 'codex', sessionId: 'x' }),
    rec({ at: '2026-05-05T11:00:00Z' }),
    rec({ at: '2026-05-04T11:00:00Z', model: 'small-1' }),
  ]));
  assert.deepEqual(d.days.map(x => x.date), ['2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08', '2026-05-09', '2026-05-10']);
  assert.deepEqual(d.days[1]!.byAgent, { codex: 0.015, 'claude-code': 0.015 });
  assert.deepEqual(d.days[2]!, { date: '2026-05-06', costUSD: 0, requests: 0, tokens: 0, basis: 'exact', byAgent: {} });
  assert.deepEqual(d.days.map(x => x.basis).slice(0, 2), ['exact', 'exact']);
  const lower = days(input([rec({ at: '2026-05-07T10:00:00Z', agent: 'copilot' }), rec({ at: '2026-05-07T11:00:00Z' })]));
  assert.equal(lower.days[3]!.basis, 'lower-bound', "a day with a part from Copilot's journal is a lower bound");
  assert.deepEqual(d.dayRows.map(r => [r.date, r.agent, r.model, r.requests]),
    [['2026-05-04', 'claude-code', 'small-1', 1], ['2026-05-05', 'claude-code', 'big-1', 1], ['2026-05-05', 'codex', 'big-1', 1]]);
});

test('breakdowns: totals, and by model (with tier, unpriced marked), agent and project, most expensive first', () => {
  const b = breakdowns(input([
    rec({ at: '2026-05-05T10:00:00Z', model: 'small-1', project: '/w/cheap' }),
    rec({ at: '2026-05-05T11:00:00Z', cacheRead: 5000, write: 2000 }),
    rec({ at: '2026-05-05T12:00:00Z', model: 'mystery', agent: 'gemini', sessionId: 'g' }),
  ], { projectNames: { '/w/app': 'App' } }));
  assert.deepEqual({ ...b.totals, costUSD: 0 }, { inputTokens: 3000, outputTokens: 300, cacheCreationTokens: 2000, cacheReadTokens: 5000, totalTokens: 10300, requests: 3, costUSD: 0, basis: 'exact' });
  near(b.totals.costUSD, 0.0015 + (10_000 + 5000 + 5000 + 25_000) / 1e6);
  assert.deepEqual(b.models.map(m => [m.model, m.tier, m.priced]), [['big-1', 'frontier', true], ['small-1', 'fast', true], ['mystery', null, false]]);
  assert.deepEqual(b.agents.map(a => [a.agent, a.requests]), [['claude-code', 2], ['gemini', 1]]);
  assert.deepEqual(b.projects.map(p => [p.project, p.name]), [['/w/app', 'App'], ['/w/cheap', 'cheap']]);
});

test('cache: read share of the prompt, savings against full input price, the write premium', () => {
  const c = cache(input([rec({ at: '2026-05-05T10:00:00Z', input: 1000, cacheRead: 8000, write: 1000 }), rec({ at: '2026-05-05T11:00:00Z', model: 'mystery', cacheRead: 1000 })]));
  assert.deepEqual([c.cacheReadTokens, c.promptTokens, c.cacheWriteTokens], [9000, 12000, 1000]);
  near(c.readShare, 0.75);
  near(c.savingsUSD, (8000 * (10 - 1)) / 1e6, 'only priced requests save');
  near(c.writePremiumUSD, (1000 * (12.5 - 10)) / 1e6);
  assert.equal(cache(input([])).readShare, null);
});

const facts = (p: Partial<FileActivity>): FileActivity => ({ agent: 'claude-code', sessionId: null, edits: [], commits: [], commitTimes: [], testRuns: [], testRunTimes: [],
  toolCalls: 0, reads: [], bigResults: [], failures: [], malformedLines: 0, ...p });

test('value: lines changed per session and per dollar; expensive sessions that changed nothing are waste candidates', () => {
  const t = Date.parse('2026-05-05T10:30:00Z');
  const activity = (f: string) => f === '/logs/s1.jsonl'
    ? facts({ edits: [{ id: 'e1', file: '/w/app/a.ts', added: 8, removed: 2, t }], commits: ['c1'], commitTimes: [t] })
    : undefined;
  const w = input([
    rec({ at: '2026-05-05T10:00:00Z' }), rec({ at: '2026-05-05T11:00:00Z' }),
    rec({ at: '2026-05-06T10:00:00Z', sessionId: 'idle', file: '/logs/idle.jsonl', input: 300_000, output: 0 }), // $3, no edits
  ], { wasteThresholdUSD: 2 }, activity);
  const values = sessionValues(w);
  assert.deepEqual(values.map(v => [v.sessionId, v.costUSD, v.linesChanged, v.filesChanged, v.commits]), [['idle', 3, 0, 0, 0], ['s1', 0.03, 10, 1, 1]]);
  near(values[1]!.costPerChangedLine, 0.003);
  near(values[1]!.outputTokensPerChangedLine, 20);
  assert.equal(values[1]!.durationMs, 3_600_000);
  const v = value(w, values);
  assert.deepEqual([v.linesChanged, v.filesChanged, v.commits, v.testRuns], [10, 1, 1, 0]);
  near(v.costPerChangedLine, 3.03 / 10);
  assert.deepEqual(v.wasteCandidates.map(s => s.sessionId), ['idle']);
  assert.equal(value(w, values).wasteThresholdUSD, 2);
  assert.deepEqual(value(input([], { wasteThresholdUSD: 5 }), []).costPerChangedLine, null);
  assert.deepEqual(topSessions([...values, ...values, ...values]).length, 5);
});

test('context bloat: sessions above 60% of the window, their long turns, and the cost at a compacted 30%', () => {
  const w = input([
    rec({ at: '2026-05-05T10:00:00Z', input: 10_000, output: 100 }),            // 10%: not a long turn
    rec({ at: '2026-05-05T11:00:00Z', input: 80_000, output: 100 }),            // 80%: warning
    rec({ at: '2026-05-05T12:00:00Z', input: 95_000, output: 100, file: '/logs/s1/subagents/a.jsonl' }), // a sub-agent's own context
    rec({ at: '2026-05-05T12:00:00Z', input: 50_000, sessionId: 'calm', file: '/logs/calm.jsonl' }),
  ]);
  assert.deepEqual(peakContext(w.sessions[0]!, w.modelOf), { share: 0.8, tokens: 80_000, window: 100_000 });
  const b = contextBloat(w);
  assert.equal(b.sessions.length, 1);
  const s = b.sessions[0]!;
  assert.deepEqual([s.sessionId, s.level, s.longTurns, s.maxContextTokens, s.contextWindow], ['s1', 'warning', 1, 80_000, 100_000]);
  near(s.longTurnsUSD, (80_000 * 10 + 100 * 50) / 1e6);
  near(s.compactedUSD, (30_000 * 10 + 100 * 50) / 1e6);
  near(b.savingsUSD, (50_000 * 10) / 1e6);
  assert.equal(b.compactedShare, 0.3);
  assert.equal(contextBloat(input([rec({ at: '2026-05-05T11:00:00Z', input: 90_000 })])).sessions[0]!.level, 'critical');
});

test('waste: repeated reads, big results, unread cache writes and retry loops, priced at the session model\'s input price', () => {
  const t = Date.parse('2026-05-05T10:30:00Z');
  const activity = () => facts({
    reads: [{ key: '/w/app/big.ts', times: [t, t + 1, t + 2], tokens: [3000, 3000, 3000] }],
    bigResults: [{ tool: 'Bash', tokens: 6000, detail: 'npm test', timestamp: t }],
    failures: [{ key: 'npm run lint', times: [t, t + 1, t + 2], tokens: [100, 100, 100] }],
  });
  const w = input([rec({ at: '2026-05-05T10:00:00Z' }), rec({ at: '2026-05-05T11:00:00Z', write: 30_000 })], {}, activity);
  const f = Object.fromEntries(waste(w, sessionValues(w)).findings.map(x => [x.kind, x]));
  assert.deepEqual(Object.keys(f), ['repeated-reads', 'big-tool-results', 'unread-cache-writes', 'retry-loops']);
  assert.deepEqual([f['repeated-reads']!.tokens, f['repeated-reads']!.items[0]!.count], [6000, 3], 'every read after the first');
  near(f['repeated-reads']!.costUSD, 6000 * 10 / 1e6);
  assert.equal(f['big-tool-results']!.tokens, 5000, 'what a capped result (1,000 tokens) would not have sent');
  assert.equal(f['unread-cache-writes']!.tokens, 30_000);
  near(f['unread-cache-writes']!.costUSD, 30_000 * (12.5 - 10) / 1e6);
  assert.deepEqual([f['retry-loops']!.tokens, f['retry-loops']!.items[0]!.count], [300, 3]);
  // a session still running (its cache write not expired) has read nothing back yet
  const live = input([rec({ at: '2026-05-05T11:00:00Z', write: 30_000 })], { now: Date.parse('2026-05-05T11:02:00Z') });
  assert.deepEqual(waste(live, sessionValues(live)).findings, []);
});

test('cheaper tier: small frontier turns priced on the family\'s cheaper tier, big ones and cheap models left out', () => {
  const c = cheaperTier(input([
    rec({ at: '2026-05-05T10:00:00Z', output: 500 }), rec({ at: '2026-05-05T11:00:00Z', output: 999 }),
    rec({ at: '2026-05-05T12:00:00Z', output: 1000 }),          // not small
    rec({ at: '2026-05-05T13:00:00Z', model: 'small-1', output: 10 }), // already cheap
  ]));
  assert.equal(c.counterfactual, true);
  assert.match(c.note, /^Counterfactual: /);
  assert.deepEqual(c.rows.map(r => [r.model, r.alternative, r.requests]), [['big-1', 'small-1', 2]]);
  near(c.rows[0]!.actualUSD, (2000 * 10 + 1499 * 50) / 1e6);
  near(c.savingsUSD, (2000 * 9 + 1499 * 45) / 1e6);
});

test('instruction files: tokens × the week\'s requests of that agent in the project × the input price of the models used', () => {
  const files = [
    { project: '/w/app', agent: 'claude-code', path: '/w/app/CLAUDE.md', tokens: 2000, approximate: true },
    { project: '/w/app', agent: 'codex', path: '/w/app/AGENTS.md', tokens: 500, approximate: false },
  ];
  const i = instructionFiles(input([
    rec({ at: '2026-05-05T10:00:00Z' }), rec({ at: '2026-05-05T11:00:00Z' }), rec({ at: '2026-05-05T12:00:00Z', model: 'small-1' }),
  ], { instructionFiles: files }));
  assert.deepEqual(i.files.map(f => [f.path, f.requests, f.model]), [['/w/app/CLAUDE.md', 3, 'big-1'], ['/w/app/AGENTS.md', 0, null]]);
  near(i.files[0]!.costUSD, (2000 * 2 * 10 + 2000 * 1) / 1e6);
  assert.equal(i.files[1]!.costUSD, 0);
  near(i.costUSD, 0.042);
  assert.deepEqual(i.names.slice(0, 3), ['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'], 'every adapter\'s files, in the adapters\' order');
});

test('quotas: the week\'s spend of each quota\'s projects, its sessions and status; invalid entries reported', () => {
  const q = quotas(input([
    rec({ at: '2026-05-05T10:00:00Z', project: '/w/client/a' }), rec({ at: '2026-05-05T11:00:00Z', project: '/w/client/b', sessionId: 's2' }),
    rec({ at: '2026-05-05T12:00:00Z', project: '/w/lab', sessionId: 's3' }),
  ], { quotas: [{ name: 'client', projects: ['/w/client'], weeklyUSD: 0.02 }, { name: 'lab', projects: ['lab'], weeklyUSD: 1 }, { name: 'broken', projects: [] }], warnAtPercent: 50 }));
  assert.deepEqual(q.quotas.map(x => [x.name, x.spentUSD, x.status, x.sessions]), [['client', 0.03, 'over', 2], ['lab', 0.015, 'ok', 1]]);
  near(q.quotas[0]!.share, 1.5);
  assert.deepEqual(q.quotaProblems.map(p => [p.name, p.field]), [['broken', 'projects']]);
  assert.deepEqual(quotas(input([])).quotas, []);
});

test('an agent\'s reported cost is taken as is; an aggregate row (Cline\'s deleted requests) adds cost and tokens, not a request', () => {
  const w = input([
    rec({ at: '2026-05-05T10:00:00Z', agent: 'cline', sessionId: 't1', cost: 0.5, model: 'not-in-the-catalog' }),
    rec({ at: '2026-05-05T10:01:00Z', agent: 'cline', sessionId: 't1', cost: 0.25, aggregate: true, model: 'not-in-the-catalog' }),
  ]);
  const h = headline(w);
  assert.equal(h.requests, 1);
  near(h.spendUSD, 0.75, 'reported costs, not big-1 prices');
  const b = breakdowns(w);
  assert.deepEqual(b.agents.map(a => [a.agent, a.requests, a.inputTokens]), [['cline', 1, 2000]]);
  assert.deepEqual(b.models.map(m => [m.model, m.priced, m.costUSD]), [['not-in-the-catalog', true, 0.75]], 'priced by the agent, not unpriced');
  assert.equal(days(w).days.find(d => d.date === '2026-05-05')!.requests, 1);
});

test('project names are own keys: a folder called constructor is named by its folder', () => {
  assert.equal(projectName('constructor', { '/w/app': 'App' }), 'constructor');
  assert.equal(projectName('/w/__proto__', {}), '__proto__');
  assert.equal(projectName('toString', { toString: 'Mine' }), 'Mine');
});

test('quotas: a hostile project pattern is matched in linear time, an over-long list is refused by name', () => {
  const deep = `/w/${'a'.repeat(200)}`;
  const hostile = `*${'a*'.repeat(12)}b`;
  globWork.steps = 0;
  const q = quotas(input([rec({ at: '2026-05-05T10:00:00Z', project: deep })], {
    quotas: [{ name: 'redos', projects: [hostile, '**/'.repeat(8) + 'x'], weeklyUSD: 1 }, { name: 'many', projects: Array.from({ length: 201 }, (_, i) => `/p${i}`), weeklyUSD: 1 }],
  }));
  assert.deepEqual(q.quotas.map(x => [x.name, x.spentUSD]), [['redos', 0]]);
  assert.ok(globWork.steps < 200_000, `bounded work: ${globWork.steps} steps`);
  assert.deepEqual(q.quotaProblems.map(p => [p.name, p.field]), [['many', 'projects']]);
  assert.match(q.quotaProblems[0]!.message, /tokenomics\.quotas\[1\]\.projects: 201 patterns, more than the 200 allowed/);
});
