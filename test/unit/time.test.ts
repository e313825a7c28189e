import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { addDays, dayKeyer, dayNumberOf, dayNumberer, isValidDate, isValidTimeZone, startOfDay, weekRange } from '../../src/core/time';
import { spendSummary } from '../../src/core/usage/spend';
import { buildWeek } from '../../src/core/week/build';

const catalog = bundledCatalog();
function rec(at: string, i: number): UsageRecord {
  return { agent: 'claude-code', sessionId: 's', project: '/p', model: 'claude-sonnet-4-5-20250929', timestamp: Date.parse(at),
    usage: { input: 1000, output: 100, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: 1000, file: '/f.jsonl', key: `k${i}`, rank: 0 };
}

test('addDays crosses months, years and leap days; isValidDate rejects impossible dates', () => {
  assert.equal(addDays('2026-02-28', 1), '2026-03-01');
  assert.equal(addDays('2028-02-28', 1), '2028-02-29');
  assert.equal(addDays('2026-01-01', -1), '2025-12-31');
  assert.equal(addDays('2026-05-04', 7), '2026-05-11');
  assert.equal(isValidDate('2026-02-29'), false);
  assert.equal(isValidDate('2028-02-29'), true);
  assert.equal(isValidDate('2026-5-4'), false);
  assert.equal(dayNumberer('UTC')(Date.UTC(2026, 4, 4, 23, 59)), dayNumberOf('2026-05-04'));
  assert.equal(isValidTimeZone('Mars/Olympus'), false);
});

test('weekRange: the week of a date or an instant, in the zone, from the configured first day', () => {
  const w = weekRange('2026-05-06', 'Europe/Berlin', 'monday', Date.UTC(2026, 4, 6));
  assert.equal(w.weekStart, '2026-05-04');
  assert.equal(w.weekEnd, '2026-05-10');
  assert.equal(w.startMs, Date.UTC(2026, 4, 3, 22)); // local midnight, CEST
  assert.equal(w.endMs, startOfDay('2026-05-11', 'Europe/Berlin'));
  assert.equal(w.isCurrent, true);
  // 23:30 UTC on Sunday is already Monday in Berlin: the next week
  assert.equal(weekRange(Date.UTC(2026, 4, 10, 23, 30), 'Europe/Berlin').weekStart, '2026-05-11');
  assert.equal(weekRange(Date.UTC(2026, 4, 10, 23, 30), 'UTC').weekStart, '2026-05-04');
  assert.equal(weekRange('2026-05-06', 'UTC', 'sunday').weekStart, '2026-05-03');
  assert.equal(weekRange('2026-05-06', 'UTC', 'saturday').weekStart, '2026-05-02');
  assert.equal(dayKeyer('UTC')(w.startMs - 1) < w.weekStart, true);
});

// The old spend meter counted "this week" as calendar days from the week's start up to today, the
// weekly summary as the instants of the whole week: a request stamped later in the current week (a
// machine whose clock runs ahead, a log copied from another zone) was in one and not the other.
test('the spend meter and the weekly summary agree on this week (a request later in the week counts in both)', () => {
  const now = Date.parse('2026-05-06T12:00:00Z'); // Wednesday
  const records = [
    rec('2026-05-03T23:30:00Z', 0), // Sunday: the previous week
    rec('2026-05-04T08:00:00Z', 1), // Monday
    rec('2026-05-06T09:00:00Z', 2), // today
    rec('2026-05-08T10:00:00Z', 3), // Friday, after now
    rec('2026-05-11T00:30:00Z', 4), // next Monday
  ];
  const meter = spendSummary(records, catalog, { timezone: 'UTC', now });
  const week = buildWeek(records, () => undefined, catalog, { timezone: 'UTC', now });
  assert.equal(meter.weekStart, week.range.weekStart);
  assert.equal(meter.weekEnd, week.range.weekEnd);
  assert.equal(week.totals.requests, 3);
  assert.equal(meter.weekSpend.totals.requests, week.totals.requests, 'the old meter said 2');
  assert.equal(meter.weekSpend.totals.costUSD, week.totals.costUSD);
  assert.equal(meter.todaySpend.totals.requests, 1);
  // and in a zone west of UTC the Sunday 23:30 UTC request is Sunday evening: still the previous week
  const ny = spendSummary(records, catalog, { timezone: 'America/New_York', now });
  const nyWeek = buildWeek(records, () => undefined, catalog, { timezone: 'America/New_York', now });
  assert.equal(ny.weekSpend.totals.requests, nyWeek.totals.requests);
});
