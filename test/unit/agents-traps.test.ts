// The traps of issue 10, each on a fixture tree in the shape its producer writes (test/fixtures/agent-logs/traps/).
// Numbers in "was:" comments are what the readers reported before the fix, on the same fixture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderExplain } from '../../src/cli/report';
import { codexReader } from '../../src/core/agents/codex';
import { agentRoots } from '../../src/core/agents/locations';
import type { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { buildReportFromColumns } from '../../src/core/usage/report';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { FIXTURES, promptOf, readTrap, sum } from './agents-fixtures';

// openai/codex codex-rs/protocol: a TokenCount event is sent again when only the rate limits changed,
// carrying the same info; codeburn tests/providers/codex.test.ts "skips duplicate token_count events".
test('codex: a re-emitted token_count (same running total, new timestamp) is not a request', async () => {
  const { index, records } = await readTrap('codex-reemit', 'codex');
  // was: 5 requests (each re-emission 12 ms or 3 s later counted again)
  assert.equal(records.length, 3);
  assert.deepEqual(index.skippedByReason(), { duplicate: 2 });
});

// codeburn src/providers/codex.ts (codex PR #33454): cache_write_input_tokens is carved out of input_tokens.
test('codex: cache writes are cache creation, input is input minus cached minus written; the model may be on the event', async () => {
  const { records } = await readTrap('codex-reemit', 'codex');
  assert.deepEqual(records.map(r => [r.model, r.usage.input, r.usage.cacheRead, r.usage.cacheWrite5m, r.usage.output]), [
    ['gpt-5.2-codex', 200, 800, 0, 100],
    ['gpt-5.2-codex', 100, 400, 100, 60], // was: input 200, cache creation 0
    ['gpt-5.1-codex-mini', 100, 200, 0, 30], // was: the turn's gpt-5.2-codex
  ]);
  // OpenAI publishes no cache-write rate for gpt-5.2-codex: written tokens cost what input costs, no invented surcharge
  const m = bundledCatalog().resolve('gpt-5.2-codex')!;
  assert.equal(m.rates.cacheWrite5m, m.rates.input);
});

// openai/codex codex-rs/protocol RateLimitSnapshot {limit_id, limit_name, primary, secondary, credits, plan_type}
test('codex: rate limits on a token_count with info null are the latest plan usage, with limit id, name and credits', async () => {
  const { index } = await readTrap('codex-reemit', 'codex');
  const latest = index.latestRateLimits().get('codex')!;
  assert.equal(latest.at, Date.parse('2026-05-06T09:02:30.000Z')); // was: dropped; the latest was 13 % at 09:01:33
  assert.deepEqual(latest.limits, {
    primary: { usedPercent: 14, windowMinutes: 300, resetsAt: 1778100000_000 },
    secondary: { usedPercent: 41, windowMinutes: 10080, resetsAt: 1778400000_000 },
    planType: 'plus', limitId: 'codex', limitName: 'Codex', credits: { hasCredits: true, unlimited: false, balance: '17.50' },
  });
});

// openai/codex core tests (observed Responses API usage), server_web_search_usage_does_not_inflate_active_context:
// a server-side search re-reads the context inside one response; the running total takes all the provider
// billed (5,000 there), last_token_usage only the active context (< 1,000). The web_search_call item is
// the rollout's response item for it (codex-rs protocol ResponseItem::WebSearchCall).
test('codex: a web-search turn is billed as its running total grew, not as last_token_usage, which is the active context', async () => {
  const { records, index } = await readTrap('codex-websearch', 'codex');
  assert.deepEqual(records.map(r => [r.usage.input, r.usage.cacheRead, r.usage.output, r.contextTokens]), [
    [1000, 0, 100, 1000],
    [22000, 30000, 300, 1500], // was: 500, 1000, 300 (last_token_usage): 50,500 billed tokens not counted
    [200, 1500, 120, 1700], // total grew by last: the same either way
  ]);
  assert.equal(promptOf(records), 1000 + 52000 + 1700);
  assert.deepEqual(index.skippedByReason(), {});
});

// ccusage rust/crates/ccusage/src/adapter/codex/loader.rs skips_replayed_history_across_multiple_subagent_files:
// each sub-agent's rollout starts with its own session_meta (source.subagent.thread_spawn), the parent's
// session_meta and the parent's token_count history, all stamped at the child's creation.
test('codex: sub-agents replaying the parent\'s history count only their own requests', async () => {
  const { index, records } = await readTrap('codex-subagents', 'codex');
  assert.equal(records.length, 4);
  assert.equal(promptOf(records), 1150, '1000 parent + 50 + 75 + 25'); // was: 4150 (3.6x)
  assert.deepEqual(index.skippedByReason(), { replay: 6 });
});

// ccusage keeps_cumulative_baseline_when_skipping_subagent_replay (running totals only), with the
// paginated history of newer builds: every line numbered by `ordinal`, the child's own from
// session_meta.subagent_history_start_ordinal (openai/codex codex-rs/rollout/src/ordinal.rs).
test('codex: with ordinals, lines below subagent_history_start_ordinal are replay; the child\'s own usage is what its totals add', async () => {
  const { records, index } = await readTrap('codex-ordinals', 'codex');
  // the copied events are seconds apart here: only the numbering tells
  assert.deepEqual(records.map(r => [r.usage.input, r.usage.cacheRead, r.usage.output]), [[90, 10, 20]]); // was: 1000+500+100 prompt
  assert.deepEqual(index.skippedByReason(), { replay: 2 });
});

// codeburn tests/providers/codex.test.ts "does not double-count a fork that replays the parent past the 5s cutoff"
test('codex: a fork\'s replay stamped well after the fork still collides with the parent\'s requests', async () => {
  const { records, index } = await readTrap('codex-fork', 'codex');
  assert.equal(records.reduce((n, r) => n + r.usage.input + r.usage.cacheRead + r.usage.output, 0), 1500); // was: 2600
  assert.equal(index.skippedByReason().duplicate, 2);
});

// openai/codex codex-rs/rollout/src/compression.rs: cold rollouts become rollout-*.jsonl.zst (written by
// zstd's stream encoder: no content size in the frame header); the plain file wins while both exist.
test('codex: a compressed rollout is read, and counts what its plain twin counted', async () => {
  const zst = await readTrap('codex-zst', 'codex');
  const plain = await readTrap('codex-zst-plain', 'codex');
  assert.equal(zst.records.length, 40); // was: 0 (.zst not read)
  assert.deepEqual(sum(zst.records), sum(plain.records));
  assert.deepEqual(sum(zst.records), { requests: 40, input: 8780, output: 2780, cacheRead: 32000, cacheWrite5m: 0, cacheWrite1h: 0 });
});

test('codex: a rollout that turns into its .zst twin is the same file: its requests stay on their days', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-zst-'));
  try {
    const name = 'rollout-2026-04-01T08-00-00-bbbbbbbb-0000-4000-8000-000000000050.jsonl';
    const day = path.join(dir, 'sessions/2026/04/01');
    fs.mkdirSync(day, { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'traps/codex-zst-plain', name), path.join(day, name));
    const cache = path.join(dir, 'index.bin');
    const idx = new UsageIndex({ roots: [{ agent: 'codex', dir, explicit: true }], cacheFile: cache });
    await idx.refresh();
    const before = JSON.stringify(sum(idx.records()));
    // Codex writes the twin, then removes the plain file; for a moment both exist and the plain one wins
    fs.copyFileSync(path.join(FIXTURES, 'traps/codex-zst/archived_sessions', `${name}.zst`), path.join(day, `${name}.zst`));
    let r = await idx.refresh();
    assert.equal(r.changed, false);
    fs.unlinkSync(path.join(day, name));
    r = await new UsageIndex({ roots: [{ agent: 'codex', dir, explicit: true }], cacheFile: cache }).refresh();
    assert.deepEqual([r.removedFiles, r.newFiles], [1, 1]);
    const after = new UsageIndex({ roots: [{ agent: 'codex', dir, explicit: true }], cacheFile: cache });
    await after.refresh();
    assert.equal(JSON.stringify(sum(after.records())), before); // was: every request gone
    assert.deepEqual(after.skippedByReason(), {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('codex: a .zst that is not zstd costs that file only, with a reason', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-zst-'));
  try {
    fs.mkdirSync(path.join(dir, 'archived_sessions'));
    fs.writeFileSync(path.join(dir, 'archived_sessions/rollout-2026-04-01T08-00-00-bbbbbbbb-0000-4000-8000-000000000099.jsonl.zst'), 'not zstd at all');
    const idx = new UsageIndex({ roots: [{ agent: 'codex', dir, explicit: true }], cacheFile: null });
    await idx.refresh();
    assert.equal(idx.records().length, 0);
    assert.deepEqual(idx.skippedByReason(), { undecodable: 1 });
    assert.match(idx.problems[0]!.reason, /not valid zstd/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// google-gemini/gemini-cli packages/core/src/core/geminiChat.ts: an empty reply is recorded through
// chatRecordingService.recordSyntheticMessage, whose model is undefined; the response's tokens attach to it
// (recordMessageTokens). ccusage rust/crates/ccusage/src/adapter/gemini/parser.rs prices it as the last model seen.
test('gemini: a reply recorded without a model is the model the chat named last, not unpriced', async () => {
  const { records } = await readTrap('gemini-nomodel', 'gemini');
  assert.deepEqual(records.map(r => [r.key, r.model, r.usage.input, r.usage.cacheRead, r.usage.output]), [
    ['g:3a9d7c2e-5b1f-4e60-8a7c-1d2e3f4a5b6c:g-1', 'gemini-2.5-pro', 4000, 8000, 400],
    ['g:3a9d7c2e-5b1f-4e60-8a7c-1d2e3f4a5b6c:g-2', 'gemini-2.5-pro', 3000, 12000, 0], // was: 'unknown', unpriced
  ]);
  assert.ok(records.every(r => bundledCatalog().resolve(r.model)));
});

// google-gemini/gemini-cli packages/core/src/services/chatRecordingService.ts: sub-agents write
// chats/<parentSessionId>/<sessionId>.jsonl (no session- prefix, kind "subagent" in the first record),
// a message is appended again when its tokens arrive; logs/session-*.jsonl is not a chat.
test('gemini: sub-agent chats are read, in their project; the activity log is not', async () => {
  const { records, result } = await readTrap('gemini', 'gemini');
  assert.deepEqual(records.map(r => [r.sessionId, r.model, r.usage.input, r.usage.cacheRead, r.usage.output, r.project]), [
    ['8f2b6c1d-4a5e-4f60-9b7c-0d1e2f3a4b5c', 'gemini-2.5-pro', 4000, 8000, 400, '/home/dev/shop'],
    ['sub-7d3e9a', 'gemini-2.5-flash', 3000, 1000, 250, '/home/dev/shop'], // was: not read
  ]);
  assert.equal(result.stats.files, 2);
});

// gemini-cli packages/core/src/utils/paths.ts homedir(): GEMINI_CLI_HOME replaces the home folder.
test('gemini: GEMINI_CLI_HOME replaces the home folder, logs under $GEMINI_CLI_HOME/.gemini', () => {
  const g = agentRoots({ HOME: '/h', GEMINI_CLI_HOME: '/srv/gem' }).filter(r => r.agent === 'gemini').map(r => r.dir);
  assert.deepEqual(g, ['/srv/gem/.gemini']); // was: /h/.gemini
});

// ccusage rust/crates/ccusage/src/adapter/claude/mod.rs keeps_parent_usage_when_sidechain_replays_message_with_new_request_id
// and refreshes_dedupe_indexes_when_parent_replaces_sidechain_replay (PR #1155, issue #913).
test('claude: a side-chain replay of a parent message (same message id, new request id) is not billed again', async () => {
  const { records, index } = await readTrap('claude-sidechain', 'claude-code');
  assert.deepEqual(records.map(r => [r.key, r.usage.cacheRead, r.usage.output]), [
    ['c:msg_01PARENT', 20, 10], // the parent entry, not the 50,000-token replay
    ['c:msg_01SIDEANSWER', 700, 30],
  ]);
  assert.ok(records[0]!.file.endsWith('0000000000c9.jsonl'));
  assert.equal(promptOf(records), 720); // was: 50,720
  assert.deepEqual(index.skippedByReason(), { replay: 1 });
});

// Fast mode and web search: LiteLLM provider_specific_entry.fast (shared/pricing), Anthropic's $10 per
// 1,000 searches (search_context_cost_per_query); codeburn src/models.ts prices both the same way.
test('claude: fast mode is priced at the model\'s fast multiple, web searches per search, and usage without a type is counted as skipped', async () => {
  const { records, index } = await readTrap('claude-fast', 'claude-code');
  const [fast, search] = records;
  assert.equal(fast!.model, 'claude-opus-4-6-fast');
  const catalog = bundledCatalog();
  const base = requestCost(catalog.resolve('claude-opus-4-6'), fast!.usage)!;
  assert.ok(Math.abs(requestCost(catalog.resolve(fast!.model), fast!.usage)! - 6 * base) < 1e-12); // was: 1x
  assert.equal(search!.webSearches, 3);
  assert.ok(Math.abs(requestCost(catalog.resolve(search!.model), search!.usage, search!.webSearches)! - (base + 0.03)) < 1e-12); // was: + $0
  assert.deepEqual(index.skippedByReason(), { 'no-type': 1 }); // was: dropped without a word
});

// ccusage issue #1115 (a user's transcript) and PR #1423, codeburn tests/parser-advisor-usage.test.ts and
// src/parser.ts parseAdvisorCalls, agent-walker PR #39: the /advisor tool's call to a stronger model is
// an `advisor_message` in `usage.iterations`, under its own model and left out of the top-level usage
// (which sums the `message` iterations); a `fallback_message` is a failed attempt, never billed.
test('claude: an advisor call in usage.iterations is a request of its own, under the advisor model; fallback attempts are not billed', async () => {
  const { records, index } = await readTrap('claude-advisor', 'claude-code');
  assert.deepEqual(records.map(r => [r.key, r.model, r.usage.input, r.usage.output, r.usage.cacheRead, r.usage.cacheWrite5m, r.contextTokens]), [
    ['c:msg_01ADVISOR', 'claude-sonnet-4-6', 2, 491, 226584, 7853, 234439], // the main model keeps exactly the top-level usage
    ['c:msg_01ADVISOR:advisor:0', 'claude-opus-4-7', 159419, 7805, 0, 0, 159419], // was: not counted
    ['c:msg_01PLAIN', 'claude-sonnet-4-6', 3, 120, 227000, 0, 227003], // iterations of the main model only: nothing more
    ['c:msg_01FALLBACK', 'claude-sonnet-4-6', 4, 60, 230000, 0, 230004], // the failed fallback's 230,004 tokens are not billed
  ]);
  assert.equal(records[1]!.timestamp, records[0]!.timestamp); // the turn's time and session
  assert.equal(records[1]!.sessionId, records[0]!.sessionId);
  // the second content-block line of the turn repeats both calls; the side-chain copy replays both
  assert.deepEqual(index.skippedByReason(), { replay: 2, duplicate: 2 });
  const catalog = bundledCatalog();
  const rep = buildReportFromColumns(index.columns(), catalog, { timezone: 'UTC' });
  const opus = rep.models.find(m => m.model === 'claude-opus-4-7')!;
  assert.equal(opus.inputTokens, 159419);
  assert.ok(Math.abs(opus.costUSD - requestCost(catalog.resolve('claude-opus-4-7'), records[1]!.usage)!) < 1e-9);
  assert.ok(opus.costUSD > 0.9, `${opus.costUSD}`); // $5 / $25 per 1M: ~$0.99 that was missing
});

// codeburn src/providers/claude.ts (getDesktopSessionsDirs, findDesktopProjectDirs, resolveCoworkSpaceName) and
// tests/parser-claude-cwd.test.ts writeCoworkSession: Claude Desktop's local agent mode keeps each session's
// Claude Code home at <sessions>/<app>/<workspace>/local_<id>/.claude/projects/, beside the user's outputs/.
test('claude: Claude Desktop Cowork sessions are read, named by their space; the user\'s own files beside them are not', async () => {
  const { records, index } = await readTrap('claude-desktop/local-agent-mode-sessions', 'claude-code');
  assert.deepEqual(records.map(r => [r.key, r.project, r.usage.input, r.usage.cacheRead, r.usage.cacheWrite5m, r.usage.output]), [
    ['c:msg_01COWORK', 'Quarterly report', 12, 18000, 3000, 640], // was: not read (not a default folder)
  ]);
  const [claude] = index.explain();
  assert.equal(claude!.files, 1); // outputs/export.jsonl, which looks like a transcript, is the user's
  // each session's transcripts folder is walked (and watched), not the sessions folder with the user's files
  assert.deepEqual(claude!.folders.map(f => path.relative(path.join(FIXTURES, 'traps/claude-desktop'), f)), [path.join('local-agent-mode-sessions/app-abc/ws-001/local_aaaa/.claude/projects')]);
});

test('report: web searches and fast mode priced in the columns, the same from a persisted index', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-fast-'));
  try {
    const roots = [{ agent: 'claude-code' as const, dir: path.join(FIXTURES, 'traps/claude-fast'), explicit: true }];
    const cache = path.join(dir, 'index.bin');
    const cold = new UsageIndex({ roots, cacheFile: cache });
    await cold.refresh();
    const warm = new UsageIndex({ roots, cacheFile: cache });
    assert.equal((await warm.refresh()).cache, 'loaded');
    const catalog = bundledCatalog();
    const expected = cold.records().reduce((n, r) => n + requestCost(catalog.resolve(r.model), r.usage, r.webSearches)!, 0);
    for (const idx of [cold, warm]) {
      const rep = buildReportFromColumns(idx.columns(), catalog, { timezone: 'UTC', skippedByReason: idx.skippedByReason() });
      assert.ok(Math.abs(rep.totals.costUSD - expected) < 1e-6, `${rep.totals.costUSD} vs ${expected}`);
      assert.deepEqual(rep.skipped.byReason, { 'no-type': 1 });
    }
    assert.equal(warm.records().find(r => r.webSearches)!.webSearches, 3);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('report --explain: per agent, the folders and files read, request lines, counted requests, and what was not counted by reason', async () => {
  const { index } = await readTrap('codex-subagents', 'codex');
  const [codex] = index.explain();
  assert.deepEqual({ ...codex!, folders: codex!.folders.map(f => path.relative(FIXTURES, f)), filesWithSkips: codex!.filesWithSkips.length }, {
    agent: 'codex', folders: ['traps/codex-subagents/sessions'], files: 4, compressedFiles: 0, historyFiles: 0, requestLines: 4, counted: 4,
    skipped: { replay: 6 }, filesWithSkips: 3,
  });
  const text = renderExplain(index.explain());
  assert.match(text, /^codex:\n  read .*codex-subagents\/sessions\n  4 file\(s\), 4 request line\(s\), 4 request\(s\) counted\n  not counted: 6 replay\n/);
});

// codeburn tests/providers/codex.test.ts "still dedups consecutive zero-cumulative duplicates" and
// "does not drop the first event when total_token_usage is omitted"
test('codex: without running totals, the same counts re-emitted are one request; different ones are two', () => {
  const out: UsageRecord[] = [];
  const s = codexReader.initState('/c/sessions/2026/04/14/rollout-2026-04-14T10-00-00-bbbbbbbb-0000-4000-8000-0000000000aa.jsonl');
  const tc = (ts: string, input: number, output: number) => codexReader.line(s, JSON.stringify({ timestamp: ts, type: 'event_msg',
    payload: { type: 'token_count', info: { last_token_usage: { input_tokens: input, cached_input_tokens: 0, output_tokens: output, reasoning_output_tokens: 0, total_tokens: input + output } } } }), 0, 'f', r => out.push(r));
  assert.deepEqual([tc('2026-04-14T10:01:00Z', 500, 200), tc('2026-04-14T10:01:01Z', 500, 200), tc('2026-04-14T10:01:02Z', 100, 50)], ['record', 'duplicate', 'record']);
  assert.deepEqual(out.map(r => r.usage.input), [500, 100]);
});
