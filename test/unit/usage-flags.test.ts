// One flags layout for both issue 10 (basis, web searches) and issue 11 (aggregate, stand-in rows,
// reported costs): a row that carries all of them keeps each through the columns and the persisted
// index, and every path that prices it (report, spend meter) agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { BASIS_CODES, COLUMNS, COLUMNS_PER_ROW, FLAG_AGGREGATE, FLAG_STANDS_IN, SEARCH_SHIFT, basisOfFlags, columnsOf, flagsOf } from '../../src/core/usage/columns';
import { recordCost } from '../../src/core/usage/recordCost';
import { buildReport, buildReportFromColumns } from '../../src/core/usage/report';
import { FileEntry, materializeSnapshot, openSnapshot, serialize, snapshotColumns } from '../../src/core/usage/snapshot';
import { spendSummary } from '../../src/core/usage/spend';

const catalog = bundledCatalog();
const at = Date.parse('2026-05-04T10:00:00Z');
const rec = (over: Partial<UsageRecord>): UsageRecord => ({
  agent: 'claude-code', sessionId: 's1', project: '/p', model: 'claude-sonnet-4-5', timestamp: at,
  usage: { input: 1000, output: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: 1000, file: '/f.jsonl', key: 'k', rank: 0,
  ...over,
});

test('flags: basis, aggregate, stand-in and web searches share one row without touching each other', () => {
  for (const basis of BASIS_CODES) {
    for (const aggregate of [false, true]) {
      const r = rec({ basis, aggregate, standsIn: !aggregate, webSearches: 0xffff, rank: 0xff });
      const f = flagsOf(r, 0x100);
      assert.equal(basisOfFlags(f), basis);
      assert.equal(!!(f & FLAG_AGGREGATE), aggregate);
      assert.equal(!!(f & FLAG_STANDS_IN), !aggregate);
      assert.equal(f >>> SEARCH_SHIFT, 0xffff);
      assert.equal(f & 0x1ff, 0x1ff, 'rank and the index bit untouched');
    }
  }
});

test('flags: an aggregate estimate with web searches, a reported cost and a lower bound survive the persisted index; report and spend agree', () => {
  const records = [
    rec({ key: 'a', webSearches: 3 }), // catalog price + 3 searches
    rec({ key: 'b', basis: 'estimate', aggregate: true, webSearches: 2 }), // tokens and cost, no request
    rec({ key: 'c', agent: 'cline', sessionId: 'c1', model: 'not-in-any-catalog', cost: 0.5, basis: 'lower-bound' }), // the agent's own figure
  ];
  const cost = (r: UsageRecord) => recordCost(r, catalog)!;
  const sonnet = catalog.resolve('claude-sonnet-4-5');
  assert.equal(cost(records[0]!), requestCost(sonnet, records[0]!.usage, 3), 'recordCost prices web searches');
  assert.ok(cost(records[0]!) > requestCost(sonnet, records[0]!.usage)! + 0.029);
  assert.equal(cost(records[2]!), 0.5);

  const cold = buildReport(records, catalog, { timezone: 'UTC' });
  assert.equal(cold.totals.requests, 2, 'the aggregate adds no request');
  assert.equal(cold.totals.costUSD, Math.round((cost(records[0]!) + cost(records[1]!) + 0.5) * 1e6) / 1e6);
  assert.equal(cold.totals.basis, 'estimate');
  assert.equal(cold.basis, 'estimate');
  assert.equal(cold.skipped.unpricedRequests, 0, 'a reported cost prices a model no catalog knows');
  assert.deepEqual(Object.fromEntries(cold.agents.map(a => [a.agent, a.basis])), { cline: 'lower-bound', 'claude-code': 'estimate' });

  const entries: FileEntry[] = [{ path: '/f.jsonl', agent: 'claude-code', size: 1, mtimeMs: 1, ino: 1, offset: 1, state: null, records: records.slice(0, 2), malformed: 0, emitted: 2 },
    { path: '/c.json', agent: 'cline', size: 1, mtimeMs: 1, ino: 2, offset: 1, state: null, records: records.slice(2), malformed: 0, emitted: 1 }];
  const buf = serialize([], entries, new Set(records), {});
  const aligned = Buffer.from(new ArrayBuffer(buf.length)); buf.copy(aligned);
  const snap = openSnapshot(aligned);
  assert.ok(snap !== 'other-version');
  assert.deepEqual(buildReportFromColumns(snapshotColumns(snap), catalog, { timezone: 'UTC' }), cold, 'warm columns report what the records do');
  const warm = materializeSnapshot(snap);
  assert.deepEqual(warm.map(r => [r.key, r.basis, r.aggregate ?? false, r.webSearches ?? 0, r.cost]),
    [['a', 'exact', false, 3, undefined], ['b', 'estimate', true, 2, undefined], ['c', 'lower-bound', false, 0, 0.5]]);
  assert.deepEqual(buildReport(warm, catalog, { timezone: 'UTC' }), cold);

  const s = spendSummary(warm, catalog, { timezone: 'UTC', now: at + 60_000 });
  assert.equal(s.todaySpend.totals.costUSD, cold.totals.costUSD, 'the spend meter prices as the report does');
  assert.equal(s.todaySpend.totals.requests, 2);
  assert.equal(s.todaySpend.basis, 'estimate');
  const cols = columnsOf(records);
  assert.equal(cols.ints[2 * COLUMNS_PER_ROW + COLUMNS.flags]! >>> SEARCH_SHIFT, 0);
});
