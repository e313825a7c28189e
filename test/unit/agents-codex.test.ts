import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codexReader } from '../../src/core/agents/codex';
import { UsageRecord, codexLineageKey } from '../../src/core/agents/records';
import { readFixtures, sum } from './agents-fixtures';

test('codex: per-event last_token_usage, cached input split out, duplicates and replayed fork history counted once', async () => {
  const { records, result } = await readFixtures('codex');
  // A: 2 requests (one token_count written twice, one info:null); B (fork): 1 new; C (two session_meta): 1 new;
  // D: active + archived copy = 1; E: running totals only = 2
  assert.deepEqual(records.map(r => [r.sessionId, r.usage.input, r.usage.cacheRead, r.usage.output]), [
    ['thread-E', 50, 50, 10],
    ['thread-E', 50, 100, 20],
    ['thread-D', 100, 0, 10],
    ['thread-A', 200, 800, 100],
    ['thread-A', 500, 1500, 200],
    ['thread-B', 1000, 3000, 50],
    ['thread-C', 500, 0, 10],
  ]);
  assert.deepEqual(sum(records), { requests: 7, input: 2400, output: 400, cacheRead: 5450, cacheWrite5m: 0, cacheWrite1h: 0 });
  assert.equal(result.stats.malformedLines, 1);
});

test('codex: the model comes from the latest preceding turn_context', async () => {
  const { records } = await readFixtures('codex');
  const a = records.filter(r => r.sessionId === 'thread-A');
  assert.deepEqual(a.map(r => r.model), ['gpt-5.2-codex', 'gpt-5.1-codex-mini']);
  assert.equal(records.find(r => r.sessionId === 'thread-E')!.model, 'gpt-5-codex');
  assert.equal(a[0]!.contextTokens, 1000, 'input_tokens, cached included');
  assert.equal(a[0]!.project, '/home/dev/shop');
});

test('codex: replayed history is attributed to the parent, and an active copy wins over an archived one', async () => {
  const { records } = await readFixtures('codex');
  for (const r of records.filter(r => r.sessionId === 'thread-A')) assert.ok(r.file.includes('000000000001'), r.file);
  const d = records.find(r => r.sessionId === 'thread-D')!;
  assert.ok(d.file.includes(`${'sessions'}/2026/05/03`), d.file);
  assert.equal(d.rank, 0);
});

test('codex: rate limits are kept as reported (percent, window, reset in ms), once per file, not on every record', async () => {
  const { records, index } = await readFixtures('codex');
  assert.ok(records.every(r => r.rateLimits === undefined));
  // the latest is thread-A's last report (10:01:30); a fork's replayed copy of it is history
  assert.deepEqual(index.latestRateLimits().get('codex'), { at: Date.parse('2026-05-04T10:01:30.000Z'), limits: {
    primary: { usedPercent: 25, windowMinutes: 300, resetsAt: 1778000000_000 },
    secondary: { usedPercent: 42, windowMinutes: 10080, resetsAt: 1778400000_000 },
    planType: 'plus',
  } });
});

test('codex: a fork\'s history stamped before the fork is replay: skipped with a reason, its totals kept as the baseline', () => {
  const out: UsageRecord[] = [];
  const s = codexReader.initState('/c/sessions/rollout-x.jsonl');
  const line = (o: unknown) => codexReader.line(s, JSON.stringify(o), 0, 'f', r => out.push(r));
  line({ timestamp: '2026-05-04T10:05:00Z', type: 'session_meta', payload: { id: 'B', forked_from_id: 'A' } });
  line({ timestamp: '2026-05-04T10:00:01Z', type: 'turn_context', payload: { model: 'gpt-5.2-codex' } });
  assert.equal(line({ timestamp: '2026-05-04T10:00:09Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 10, cached_input_tokens: 0, output_tokens: 1, total_tokens: 11 } } } }), 'replay');
  assert.equal(line({ timestamp: '2026-05-04T10:06:00Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 30, cached_input_tokens: 0, output_tokens: 3, total_tokens: 33 } } } }), 'record');
  assert.deepEqual(out.map(r => [r.usage.input, r.usage.output, r.key]), [[20, 2, codexLineageKey('A', { input: 30, cached: 0, cacheWrite: 0, output: 3, reasoning: 0, total: 33 })]], 'the fork\'s own request is what its total adds to the replayed one, keyed in the parent\'s lineage');
});

test('codex: an odd rate_limits shape never costs the request its tokens', () => {
  const line = (rl: unknown) => JSON.stringify({ timestamp: '2026-05-04T10:00:09.000Z', type: 'event_msg', payload: { type: 'token_count',
    info: { last_token_usage: { input_tokens: 100, cached_input_tokens: 40, output_tokens: 7, reasoning_output_tokens: 0, total_tokens: 107 } }, rate_limits: rl } });
  for (const rl of [{ primary: { used_percent: null } }, { primary: {} }, { plan_type: 3 }, 'weird']) {
    const state = codexReader.initState('/x/sessions/2026/05/04/rollout-a.jsonl');
    const out: UsageRecord[] = [];
    assert.equal(codexReader.line(state, line(rl), 0, '/x/rollout-a.jsonl', r => out.push(r)), 'record', JSON.stringify(rl));
    assert.deepEqual([out[0]!.usage.input, out[0]!.usage.cacheRead, out[0]!.usage.output], [60, 40, 7]);
    assert.equal(codexReader.rateLimitsOf!(state), undefined);
  }
});
