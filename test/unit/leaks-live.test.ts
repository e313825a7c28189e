// Live leaks on the leak fixtures (shapes and sources in leaks-ledgers.test.ts): the cache-warm
// countdown, burn rates of the sessions running now, and what fills the active context.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { bundledCatalog } from '../../src/core/catalog';
import { readTranscriptFacts } from '../../src/core/leaks/facts';
import { burnRates, cacheWarmUntil, contextView, mainStream } from '../../src/core/leaks/live';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { FIXTURES } from './agents-fixtures';

const ROOT = path.join(FIXTURES, 'leaks');
const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const S1 = '11111111-0000-4000-8000-000000000001';
const MAIN = path.join(ROOT, 'claude/projects/-home-dev-shop', `${S1}.jsonl`);

async function records(until: number) {
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: path.join(ROOT, 'claude'), explicit: true }, { agent: 'codex', dir: path.join(ROOT, 'codex'), explicit: true }], cacheFile: null });
  await index.refresh();
  return [...index.records()].filter(r => r.timestamp <= until);
}

test('the cache stays warm for the TTL of the last request\'s writes: 5 minutes, or an hour for 1-hour writes', async () => {
  const now = T0 + 17 * 60_000 + 30_000;
  const main = mainStream(await records(now), 'claude-code', S1);
  assert.equal(cacheWarmUntil(main), T0 + 17 * 60_000 + 1000 + 5 * 60_000);
  const s2 = mainStream(await records(T0 + 151 * 60_000), 'claude-code', '22222222-0000-4000-8000-000000000002');
  assert.equal(cacheWarmUntil(s2), T0 + 150 * 60_000 + 1000 + 60 * 60_000);
  // a request stamped hours after "now" (a skewed clock) does not make the countdown run for hours
  const later = mainStream(await records(T0 + 151 * 60_000), 'claude-code', '22222222-0000-4000-8000-000000000002');
  assert.equal(cacheWarmUntil(later, T0 + 100 * 60_000), null, 'every request is in the future of that now');
  const until = cacheWarmUntil(main, T0 + 12 * 60_000);
  assert.ok(until !== null && until <= T0 + 12 * 60_000 + 60_000 + 60 * 60_000, 'never more than one TTL past now');
});

test('burn rates rank only the sessions running now, by $/hour', async () => {
  const now = T0 + 82 * 60_000 + 30_000;
  const burn = burnRates(await records(now), bundledCatalog(), now);
  // the Claude session went quiet at 53 min (30 min before now); the Codex parent at 75, the child at 82
  assert.deepEqual(burn.map(b => b.sessionId.slice(0, 8)).sort(), ['33333333', '44444444']);
  const child = burn.find(b => b.sessionId.startsWith('44444444'))!;
  // 0.06545 over the 10-minute minimum span (its first own request at 81:10, 1 min 20 s before now)
  assert.ok(Math.abs(child.usdPerHour - 0.06545 * 6) < 0.01, String(child.usdPerHour));
  assert.ok(burn.every((b, i) => i === 0 || burn[i - 1]!.usdPerHour >= b.usdPerHour));
});

test('what fills the context: base, file reads, tool output by tool, conversation; the three actions by saving', async () => {
  const now = T0 + 17 * 60_000 + 30_000;
  const main = mainStream(await records(now), 'claude-code', S1);
  const v = contextView(main, readTranscriptFacts(MAIN, 'claude-code'), bundledCatalog(), null)!;
  assert.equal(v.contextTokens, 10 + 10000 + 40000);
  assert.deepEqual(v.parts.map(p => [p.label, p.tokens]), [
    ['system prompt and tools', 30010], ['file reads', 2000], ['tool output: mcp__github__search_code', 10000], ['tool output: Edit', 25], ['conversation', 20000 - 12025],
  ]);
  assert.deepEqual(v.actions.map(a => a.title.split(' ')[0]), ['Compact', 'Cap', 'Read']);
  assert.ok(Math.abs(v.actions[0]!.savingPerTurnUSD - 20000 * 0.9 * 0.5 / 1e6) < 1e-9);
  assert.ok(Math.abs(v.actions[1]!.savingPerTurnUSD - 10000 * 0.5 / 1e6) < 1e-9);
  // after the second compaction the base is the first request after it
  const late = contextView(mainStream(await records(T0 + 54 * 60_000), 'claude-code', S1), readTranscriptFacts(MAIN, 'claude-code'), bundledCatalog(), null)!;
  assert.deepEqual(late.parts.map(p => p.tokens), [22010, 4000]);
});
