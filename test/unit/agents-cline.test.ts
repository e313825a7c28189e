// Cline: fixtures in test/fixtures/agent-logs/cline (make-fixtures.py there) in the shapes Cline
// writes (cline/cline getApiMetrics.ts, legacy-task-handling.ts, legacy-task-writeback.ts); peers:
// codeburn src/providers/vscode-cline-parser.ts and cline-cli.ts with tests/providers/cline*.test.ts
// (which count neither the aggregates nor the legacy hand-over).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clineAdapter, clineReader, parseSdkMessages } from '../../src/core/agents/cline';
import { UsageRecord } from '../../src/core/agents/records';
import { VSCODE_FIXTURES, logFiles, readAll, readFile, totals } from './agents-vscode-helpers';

const ROOT = path.join(VSCODE_FIXTURES, 'cline');
const ROOTS = [path.join(ROOT, 'User'), path.join(ROOT, 'dot-cline')];

test('cline: legacy task folders under VS Code globalStorage and SDK sessions under ~/.cline, not the db or history files', () => {
  assert.deepEqual(logFiles(clineAdapter, ROOTS).map(f => path.relative(ROOT, f)), [
    'User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000001/ui_messages.json',
    'User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000002/ui_messages.json',
    'User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000003/ui_messages.json',
    'dot-cline/data/sessions/1795100000003/1795100000003.messages.json',
    'dot-cline/data/sessions/1795100000003/sub-7.messages.json',
    'dot-cline/data/sessions/1795100000004/1795100000004.messages.json',
    'dot-cline/data/sessions/cli-9/cli-9.messages.json',
  ]);
});

test('cline legacy: tokensIn excludes cache, cost as reported, aggregates add tokens but no requests, cancelled and broken rows', () => {
  const r = readFile(clineReader, path.join(ROOT, 'User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000001/ui_messages.json'));
  assert.equal(r.malformed, 1);
  assert.deepEqual(r.records.map(x => [x.key, x.usage.input, x.usage.output, x.usage.cacheRead, x.usage.cacheWrite5m, x.cost, !!x.aggregate]), [
    ['cl:1795100000001:1795100001000', 1200, 300, 0, 8000, 0.0391, false],
    ['cl:1795100000001:1795100003000', 150, 200, 8000, 500, 0.0075, false],
    ['cl:1795100000001:deleted_api_reqs:1795100004000', 400, 100, 3000, 0, 0.0036, true],
    ['cl:1795100000001:subagent_usage:1795100005000', 900, 450, 2000, 1000, 0.0151, true],
  ]);
  assert.equal(r.records[0]!.model, 'claude-sonnet-4-5-20250929', 'from task_metadata.json model_usage');
  assert.equal(r.records[0]!.project, '/home/dev/shop', 'from the environment details in api_conversation_history.json');
  assert.equal(r.records[1]!.contextTokens, 8650);
  const old = readFile(clineReader, path.join(ROOT, 'User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000002/ui_messages.json'));
  assert.deepEqual(old.records.map(x => [x.usage.input, x.usage.output, x.cost, x.model, x.project]), [[50, 60, 0.001, 'unknown', '/home/dev/old']], 'api_req_finished merged into its start; the workspace from the row\'s request');
});

// cline b2b29678a2 apps/vscode/src/core/api/providers/openai.ts (and litellm, lmstudio, xai, zai, hicap,
// fireworks, qwen, doubao, oca): `inputTokens: usage.prompt_tokens` beside `cacheReadTokens:
// prompt_tokens_details.cached_tokens`, stored by core/task/utils.ts updateApiReqMsg as `tokensIn` and
// `cacheReads`; anthropic.ts yields `input_tokens`, which excludes the cache. Each message carries
// `modelInfo: {providerId, modelId, mode}` (core/task/index.ts); task_metadata.json `model_usage` keeps
// `model_provider_id` (context-tracking/ModelContextTracker.ts).
test('cline legacy: tokensIn holds the cache reads for the OpenAI-compatible providers, not for Anthropic\'s', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-cline-prov-'));
  try {
    const task = path.join(dir, 'tasks', '1795200000000');
    fs.mkdirSync(task, { recursive: true });
    const T = 1795200000000;
    const row = (ts: number, usage: object, modelInfo?: object) => ({ ts, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: '<task>x</task>', ...usage }), ...(modelInfo ? { modelInfo } : {}) });
    fs.writeFileSync(path.join(task, 'ui_messages.json'), JSON.stringify([
      { ts: T, type: 'say', say: 'task', text: 'x' },
      row(T + 1000, { tokensIn: 10000, tokensOut: 200, cacheWrites: 0, cacheReads: 8000, cost: 0.01 }, { providerId: 'openai', modelId: 'gpt-5.2', mode: 'act' }),
      row(T + 2000, { tokensIn: 150, tokensOut: 200, cacheWrites: 500, cacheReads: 8000, cost: 0.0075 }, { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', mode: 'act' }),
      row(T + 3000, { tokensIn: 4000, tokensOut: 50, cacheWrites: 0, cacheReads: 3000, cost: 0 }), // older rows: the task metadata names the provider
    ]));
    fs.writeFileSync(path.join(task, 'task_metadata.json'), JSON.stringify({ files_in_context: [], model_usage: [
      { ts: T + 2500, model_id: 'qwen3-coder', model_provider_id: 'lmstudio', mode: 'act' }] }));
    const { records } = readFile(clineReader, path.join(task, 'ui_messages.json'));
    assert.deepEqual(records.map(r => [r.model, r.usage.input, r.usage.cacheRead, r.usage.cacheWrite5m, r.contextTokens]), [
      ['gpt-5.2', 2000, 8000, 0, 10000], // was: input 10000, a prompt of 18,000
      ['claude-sonnet-4-5', 150, 8000, 500, 8650],
      ['qwen3-coder', 1000, 3000, 0, 4000], // was: input 4000
    ]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

// cline apps/cli/src/runtime/interactive/session-runtime.ts forkCurrentSession (and fork/metadata.ts:
// `metadata.fork.forkedFromSessionId`), apps/vscode/src/sdk/SdkController.ts (an edited message or a restored
// checkpoint starts a new session from the earlier messages): local-runtime-host.ts writes the seeded messages,
// ids and metrics included, into the new session. Ids: sdk/packages/agents/src/agent-runtime.ts createUID
// (`msg_<nanoid(8)>`), sdk/packages/core/src/runtime/config/agent-message-codec.ts generateMessageId.
test('cline SDK: a forked or re-seeded session\'s copies of its parent\'s turns are the same requests', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-cline-fork-'));
  try {
    const sessions = path.join(dir, '.cline', 'data', 'sessions');
    const turn = (id: string, ts: number, input: number, cost: number) => ({ id, role: 'assistant', ts, modelInfo: { id: 'claude-sonnet-4-5', provider: 'anthropic' },
      content: [{ type: 'text', text: 'ok' }], metrics: { inputTokens: input, outputTokens: 100, cacheReadTokens: 0, cacheWriteTokens: 0, cost } });
    const ask = (id: string) => ({ id, role: 'user', content: [{ type: 'text', text: 'go' }] });
    const T = 1795300000000;
    const write = (id: string, startedAt: number, messages: object[], metadata?: object) => {
      fs.mkdirSync(path.join(sessions, id), { recursive: true });
      fs.writeFileSync(path.join(sessions, id, `${id}.json`), JSON.stringify({ session_id: id, cwd: '/home/dev/api', started_at: startedAt, ...(metadata ? { metadata } : {}) }));
      fs.writeFileSync(path.join(sessions, id, `${id}.messages.json`), JSON.stringify({ version: 1, messages }));
    };
    write('sess_orig', T, [ask('msg_u1Xq9aZ0'), turn('msg_a1Kf83Lm', T + 1000, 1000, 0.02), ask('msg_u2Pw1bY7'), turn('msg_a2Rt55Qz', T + 2000, 1500, 0.02)]);
    // /fork after the first turn: the copy keeps the ids and metrics; then the fork's own turn
    write('sess_fork', T + 8000, [ask('msg_u1Xq9aZ0'), turn('msg_a1Kf83Lm', T + 1000, 1000, 0.02), ask('msg_u3Hh7cV2'), turn('msg_a3Ng20Wd', T + 9000, 800, 0.02)],
      { fork: { forkedFromSessionId: 'sess_orig', forkedAt: '2026-11-20T09:00:09.000Z', source: 'cli' } });
    // an edited message re-seeds a new session from the turns before it (no fork mark)
    write('sess_edit', T + 11000, [ask('msg_u1Xq9aZ0'), turn('msg_a1Kf83Lm', T + 1000, 1000, 0.02), ask('msg_u4Jk2dS8'), turn(`msg_${Date.UTC(2026, 10, 20).toString(36)}_1`, T + 12000, 900, 0.02)]);
    const { UsageIndex } = await import('../../src/core/usage/usageIndex');
    const index = new UsageIndex({ roots: [{ agent: 'cline', dir: path.join(dir, '.cline'), explicit: true }], cacheFile: null });
    await index.refresh();
    const records = [...index.records()].sort((a, b) => a.timestamp - b.timestamp);
    assert.deepEqual(records.map(r => [r.key, r.sessionId]), [
      ['cl:sdk:msg_a1Kf83Lm', 'sess_orig'], // the parent's copy wins over the fork's
      ['cl:sdk:msg_a2Rt55Qz', 'sess_orig'],
      ['cl:sdk:msg_a3Ng20Wd', 'sess_fork'],
      [`cl:sdk:msg_${Date.UTC(2026, 10, 20).toString(36)}_1`, 'sess_edit'],
    ]); // was: 6 requests, the first turn three times
    assert.ok(Math.abs(records.reduce((n, r) => n + (r.cost ?? 0), 0) - 0.08) < 1e-9);
    assert.deepEqual(index.skippedByReason(), { replay: 2 }); // both copies are history a new session was seeded with
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('cline: a task resumed under the SDK counts once: legacy rows, then SDK turns; the written-back copies and the stand-in total are not added', () => {
  const { records } = readAll(clineAdapter, ROOTS);
  const task3 = records.filter(r => r.sessionId === '1795100000003');
  assert.deepEqual(task3.map(r => [r.key, r.usage.input, r.cost]), [
    ['cl:1795100000003:1795100021000', 100, 0.002],
    ['cl:1795100000003:1795100022000', 200, 0.004],
    ['cl:1795100000003:sdk:m4', 700, 0.01],
  ]);
  const task4 = records.filter(r => r.sessionId === '1795100000004');
  assert.deepEqual(task4.map(r => [r.key, r.usage.input, r.usage.cacheRead, !!r.aggregate]), [
    ['cl:1795100000004:legacy-total', 3000, 6000, true], // no legacy folder here: the stand-in is all there is
    ['cl:1795100000004:sdk:m4', 700, 0, false],
  ]);
  const sub = records.find(r => r.sessionId === 'sub-7')!;
  assert.deepEqual([sub.usage.input, sub.usage.cacheRead, sub.usage.cacheWrite5m, sub.model], [500, 4000, 500, 'claude-haiku-4-5'], 'inputTokens includes the cache');
  assert.deepEqual(totals(records), { requests: 9, input: 9900, output: 3380, cacheRead: 33000, cacheWrite: 10000, cost: 0.1453 });
  assert.ok(records.every(r => String(r.agent) === 'cline'));
});

test('cline SDK: a file caught mid-write is malformed, not fatal', () => {
  const out: UsageRecord[] = [];
  assert.deepEqual(parseSdkMessages('{"messages":[{"role":"assis', '/x/sessions/a/a.messages.json', r => out.push(r)), { malformed: 1 });
  assert.equal(out.length, 0);
});
