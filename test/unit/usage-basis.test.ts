// Every total says where it comes from (issue 10): `exact` when the agent logged the provider's usage,
// `lower-bound` when the log holds only part of it, `estimate` when counted from text; a total over
// several parts is estimate if any part is, else lower-bound if any part is, else exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineBasis } from '../../src/core/agents/adapter';
import type { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { columnsOf } from '../../src/core/usage/columns';
import { buildReportFromColumns } from '../../src/core/usage/report';
import { spendSummary } from '../../src/core/usage/spend';

const rec = (over: Partial<UsageRecord>): UsageRecord => ({
  agent: 'codex', sessionId: 's1', project: '/p', model: 'gpt-5.2-codex', timestamp: Date.parse('2026-05-04T10:00:00Z'),
  usage: { input: 100, output: 10, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: 100, file: '/f', key: `k${Math.random()}`, rank: 0,
  ...over,
});

test('basis: combined as the brief says', () => {
  assert.equal(combineBasis('exact', 'exact'), 'exact');
  assert.equal(combineBasis('exact', 'lower-bound'), 'lower-bound');
  assert.equal(combineBasis('lower-bound', 'estimate'), 'estimate');
});

test('basis: report --json carries it per total, agent, model and session; one part that is not exact marks every total it is in', () => {
  const records = [
    rec({}),
    rec({ sessionId: 's2', model: 'gpt-5.1-codex-mini', basis: 'lower-bound' }),
    rec({ agent: 'claude-code', sessionId: 'c1', model: 'claude-sonnet-4-5', basis: 'estimate' }),
  ];
  const r = buildReportFromColumns(columnsOf(records), bundledCatalog(), { timezone: 'UTC' });
  assert.equal(r.totals.basis, 'estimate');
  assert.deepEqual(Object.fromEntries(r.agents.map(a => [a.agent, a.basis])), { codex: 'lower-bound', 'claude-code': 'estimate' });
  assert.deepEqual(Object.fromEntries(r.models.map(m => [m.model, m.basis])), { 'gpt-5.2-codex': 'exact', 'gpt-5.1-codex-mini': 'lower-bound', 'claude-sonnet-4-5': 'estimate' });
  assert.deepEqual(Object.fromEntries(r.sessions.map(s => [s.sessionId, s.basis])), { s1: 'exact', s2: 'lower-bound', c1: 'estimate' });
  assert.equal(r.days[0]!.basis, 'estimate');
});

test('basis: the spend meter\'s totals carry it, by agent and model too', () => {
  const records = [rec({}), rec({ sessionId: 's2', basis: 'lower-bound' })];
  const s = spendSummary(records, bundledCatalog(), { timezone: 'UTC', now: Date.parse('2026-05-04T12:00:00Z') });
  assert.equal(s.todaySpend.totals.basis, 'lower-bound');
  assert.equal(s.todaySpend.byAgent[0]!.basis, 'lower-bound');
  assert.equal(s.todaySpend.byModel[0]!.basis, 'lower-bound');
});
