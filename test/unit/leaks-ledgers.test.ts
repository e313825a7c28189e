// The leak ledgers on fixture sessions written in the agents' own shapes
// (test/fixtures/agent-logs/leaks/generate.mjs). Sources for the shapes:
// - Claude Code compaction: `{"type":"system","subtype":"compact_boundary","compactMetadata":{"trigger","preTokens"},
//   "logicalParentUuid"}` then a user line with `isCompactSummary:true` (chrisguillory/claude-session-mcp CLAUDE.md,
//   "System Record Subtypes"; /work/shared/formats/AGENT-LOGS.md); the older `subagents/agent-acompact-*.jsonl` fork.
// - Claude Code diagnostics: `message.diagnostics.cache_miss_reason` {type, cache_missed_input_tokens}, types
//   model_changed / system_changed / tools_changed / messages_changed / previous_message_not_found / unavailable
//   (Claude Code 2.1.119+, as issue 13 and the formats page quote them).
// - Claude Code streaming: one response as several lines with the same message.id + requestId, a partial first
//   (ccusage adapter/claude tests; formats page "Traps").
// - Tool results: `tool_use {id, name, input}` answered by `tool_result {tool_use_id, content}` (DRMacIver/claude-reliability
//   notes/transcript-format.md "Tool Results"); MCP tools named `mcp__<server>__<tool>`.
// - Codex: token_count with total/last usage and rate_limits {primary, secondary: used_percent, window_minutes,
//   resets_at}, turn_context, `compacted` + `context_compacted`, function_call / function_call_output, forks with
//   `forked_from_id` and `source.subagent.thread_spawn.parent_thread_id` (formats page; ccusage adapter/codex/loader.rs tests).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { bundledCatalog } from '../../src/core/catalog';
import { computeLeaks } from '../../src/core/leaks/index';
import { TranscriptFactsCache } from '../../src/core/leaks/facts';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { FIXTURES } from './agents-fixtures';

const ROOT = path.join(FIXTURES, 'leaks');
const T0 = Date.parse('2026-11-30T09:00:00.000Z');
const at = (min: number, sec = 0) => new Date(T0 + min * 60_000 + sec * 1000).toISOString();
const RANGE = { startMs: Date.parse('2026-11-30T00:00:00Z'), endMs: Date.parse('2026-12-07T00:00:00Z') };
const S1 = '11111111-0000-4000-8000-000000000001', S2 = '22222222-0000-4000-8000-000000000002';
const P = '33333333-0000-4000-8000-00000000000a', C = '44444444-0000-4000-8000-00000000000c';

async function leaksOf(strip = false) {
  const index = new UsageIndex({ roots: [
    { agent: 'claude-code', dir: path.join(ROOT, 'claude'), explicit: true },
    { agent: 'codex', dir: path.join(ROOT, 'codex'), explicit: true },
  ], cacheFile: null });
  await index.refresh();
  const cache = new TranscriptFactsCache();
  const facts = (file: string, agent: string) => {
    const f = cache.get(file, agent);
    return strip ? { ...f, missReasons: {} } : f;
  };
  return computeLeaks([...index.records()], RANGE, bundledCatalog(), facts);
}

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * 0.01, `${what}: ${actual} vs hand-computed ${expected}`);

// Hand computation (USD per 1M tokens from src/core/data/prices.json): Sonnet 4.5 write 3.75 / 1h 6 / read 0.3;
// Opus 4.5 write 6.25 / read 0.5; Haiku 4.5 write 1.25 / read 0.1; gpt-5.2-codex input 1.75 / read 0.175;
// gpt-5-codex input 1.25 / read 0.125.
const PLANTED = [
  { sessionId: S1, timestamp: at(10, 1), cause: 'ttl-expired', tokens: 34000, usd: 34000 * (3.75 - 0.3) / 1e6, reported: 'previous_message_not_found' },
  { sessionId: S1, timestamp: at(11, 31), cause: 'ttl-expired', tokens: 26000, usd: 26000 * (1.25 - 0.1) / 1e6, reported: null }, // sub-agent a7f3, its own stream
  { sessionId: S1, timestamp: at(12, 1), cause: 'instructions-changed', tokens: 36000, usd: 36000 * (3.75 - 0.3) / 1e6, reported: 'system_changed' },
  { sessionId: S1, timestamp: at(14, 1), cause: 'model-switch', tokens: 37000, usd: 37000 * (6.25 - 0.5) / 1e6, reported: 'model_changed' },
  { sessionId: S1, timestamp: at(16, 1), cause: 'tools-changed', tokens: 40000, usd: 40000 * (6.25 - 0.5) / 1e6, reported: 'tools_changed' },
  { sessionId: S1, timestamp: at(18, 31), cause: 'compaction', tokens: 20000, usd: 20000 * (6.25 - 0.5) / 1e6, reported: 'previous_message_not_found' },
  { sessionId: S1, timestamp: at(40, 1), cause: 'ttl-expired', tokens: 21000, usd: 21000 * (6.25 - 0.5) / 1e6, reported: 'unavailable' },
  { sessionId: S1, timestamp: at(52, 1), cause: 'compaction', tokens: 22000, usd: 22000 * (6.25 - 0.5) / 1e6, reported: null },
  { sessionId: S1, timestamp: at(53, 1), cause: 'unknown', tokens: 25000, usd: 25000 * (6.25 - 0.5) / 1e6, reported: null },
  { sessionId: P, timestamp: at(70, 0), cause: 'ttl-expired', tokens: 32000, usd: 32000 * (1.75 - 0.175) / 1e6, reported: null },
  { sessionId: P, timestamp: at(71, 10), cause: 'instructions-changed', tokens: 32000, usd: 32000 * (1.75 - 0.175) / 1e6, reported: null },
  { sessionId: P, timestamp: at(72, 10), cause: 'model-switch', tokens: 35000, usd: 35000 * (1.25 - 0.125) / 1e6, reported: null },
  { sessionId: P, timestamp: at(73, 30), cause: 'compaction', tokens: 22000, usd: 22000 * (1.25 - 0.125) / 1e6, reported: null },
  { sessionId: P, timestamp: at(74, 5), cause: 'tools-changed', tokens: 39000, usd: 39000 * (1.25 - 0.125) / 1e6, reported: null },
  { sessionId: S2, timestamp: at(162, 1), cause: 'unknown', tokens: 31000, usd: 31000 * (6 - 0.3) / 1e6, reported: 'messages_changed' }, // 12 min < 1 h TTL
  { sessionId: S2, timestamp: at(252, 1), cause: 'ttl-expired', tokens: 32000, usd: 32000 * (6 - 0.3) / 1e6, reported: 'previous_message_not_found' },
];

test('every planted cache miss is found with its cause, tokens and dollars; normal traffic is no miss', async () => {
  const l = await leaksOf();
  const got = l.cacheMisses.map(m => `${m.sessionId.slice(0, 8)} ${m.timestamp} ${m.cause}`);
  const want = [...PLANTED].sort((a, b) => a.timestamp.localeCompare(b.timestamp)).map(p => `${p.sessionId.slice(0, 8)} ${p.timestamp} ${p.cause}`);
  assert.deepEqual(got, want); // exactly these: session starts, hits, big-write-bigger-read and 19,999-token writes are not misses
  for (const p of PLANTED) {
    const m = l.cacheMisses.find(x => x.timestamp === p.timestamp && x.sessionId === p.sessionId)!;
    assert.equal(m.tokensRewritten, p.tokens, p.timestamp);
    assert.equal(m.reportedCause, p.reported, p.timestamp);
    near(m.wastedUSD, p.usd, `wasted at ${p.timestamp}`);
  }
  near(l.totals.cacheMisses.wastedUSD, PLANTED.reduce((n, p) => n + p.usd, 0), 'total wasted');
  assert.equal(l.totals.cacheMisses.byCause['ttl-expired'], 5);
  assert.equal(l.totals.cacheMisses.byCause.compaction, 3);
});

test('cause inference without the agent\'s own diagnosis agrees with every diagnosis that names a cause', async () => {
  const withReasons = await leaksOf();
  const stripped = await leaksOf(true);
  assert.equal(stripped.cacheMisses.length, withReasons.cacheMisses.length);
  const named: Record<string, string> = { model_changed: 'model-switch', tools_changed: 'tools-changed', system_changed: 'instructions-changed' };
  let compared = 0, agree = 0;
  for (const m of withReasons.cacheMisses) {
    const s = stripped.cacheMisses.find(x => x.timestamp === m.timestamp && x.sessionId === m.sessionId)!;
    assert.equal(s.reportedCause, null);
    assert.equal(s.cause, m.inferredCause); // without a diagnosis the cause is the inferred one
    if (m.reportedCause && named[m.reportedCause]) { compared++; if (named[m.reportedCause] === s.cause) agree++; }
  }
  assert.equal(compared, 3);
  assert.equal(agree, 3);
});

test('compactions: the summarising call (the old fork, or Codex\'s request before it) plus the rebuild, warm or cold, loops', async () => {
  const l = await leaksOf();
  assert.deepEqual(l.compactions.map(c => [c.sessionId.slice(0, 8), c.timestamp, c.warm, c.inSession]), [
    ['11111111', at(18), true, 2], ['11111111', at(45), false, 2], ['33333333', at(73), true, 1],
  ]);
  const [a, b, x] = l.compactions;
  near(a!.summaryUSD!, 60000 * 3 / 1e6 + 2000 * 15 / 1e6, 'fork summary');
  near(a!.costUSD, 0.21 + 20000 * 6.25 / 1e6, 'first compaction');
  assert.equal(b!.summaryUSD, null); // newer builds write no fork: the summary is not in the log
  near(b!.costUSD, 22000 * 6.25 / 1e6, 'second compaction');
  near(x!.costUSD, 35000 * 1.25 / 1e6 + 500 * 10 / 1e6 + 22000 * 1.25 / 1e6, 'codex compaction');
  assert.equal(l.totals.compactions.loopSessions, 1);
  assert.equal(l.totals.compactions.cold, 1);
});

test('sub-agents per session: the Claude sub-agent file and the Codex child thread, without replayed history or the compaction fork', async () => {
  const l = await leaksOf();
  assert.deepEqual(l.subagents.map(s => [s.agent, s.sessionId, s.subagent, s.requests]).sort(), [
    ['claude-code', S1, 'a7f3', 3], ['codex', P, C, 2],
  ]);
  near(l.subagents.find(s => s.subagent === 'a7f3')!.costUSD, (30 + 25000 * 1.25 + 1500) / 1e6 + (10 + 1250 + 2500 + 1500) / 1e6 + (10 + 32500 + 1500) / 1e6, 'claude sub-agent');
  near(l.subagents.find(s => s.subagent === C)!.costUSD, 0.05075 + 0.0147, 'codex child');
});

test('tool output by tool and MCP server, the largest results, and what carrying them cost', async () => {
  const l = await leaksOf();
  const gh = l.toolOutput.find(t => t.tool === 'mcp__github__search_code')!;
  assert.deepEqual([gh.server, gh.calls, gh.tokens], ['github', 1, 10000]);
  near(gh.costUSD, 10000 * 0.5 / 1e6, 'carried until the compaction: one later request on Opus');
  const linear = l.toolOutput.find(t => t.tool === 'mcp__linear__list_issues')!;
  assert.deepEqual([linear.agent, linear.server, linear.tokens], ['codex', 'linear', 3000]);
  assert.equal(l.toolOutput.find(t => t.tool === 'Read')!.server, null);
  assert.equal(l.totals.toolOutput.largest[0]!.tool, 'mcp__github__search_code');
});

test('plan quota by session: rises go to the later observation\'s session, a new window counts in full', async () => {
  const l = await leaksOf();
  const q = Object.fromEntries(l.quota.map(r => [`${r.sessionId.slice(0, 8)} ${r.window}`, r.percent]));
  assert.deepEqual(q, { '33333333 5h': 9, '33333333 weekly': 3, '44444444 5h': 1.5, '44444444 weekly': 1 });
});
