// Copilot Chat: fixtures in test/fixtures/agent-logs/copilot (written by make-fixtures.py there) in
// the shapes VS Code writes its chat session journal (microsoft/vscode
// src/vs/workbench/contrib/chat/common/model/objectMutationLog.ts, chatSessionOperationLog.ts,
// chatSessionStore.ts) and Copilot Chat its trace store (microsoft/vscode-copilot-chat
// src/platform/otel/node/sqlite/otelSqliteStore.ts). Peers: codeburn src/providers/copilot.ts and
// tests/providers/copilot.test.ts (journal replay, `copilot-chatsession:<session>:<request>` keys,
// `resolvedModel` before `modelId`), which skip the journals when the trace store exists at all;
// here the store wins only for the sessions it covers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copilotAdapter, copilotReader, isCopilotLogFile } from '../../src/core/agents/copilot';
import { applyEntry, initialState, skippable } from '../../src/core/agents/copilotJournal';
import { VSCODE_FIXTURES, logFiles, readAll, readFile, totals } from './agents-vscode-helpers';

const USER = path.join(VSCODE_FIXTURES, 'copilot/User');
const rel = (f: string) => path.relative(USER, f);

test('copilot: finds journals, legacy sessions without a .jsonl, empty-window copies and the trace store', () => {
  assert.deepEqual(logFiles(copilotAdapter, [USER]).map(rel), [
    'globalStorage/emptyWindowChatSessions/sess-e.jsonl',
    'globalStorage/github.copilot-chat/agent-traces.db',
    'workspaceStorage/77aa00/chatSessions/sess-e.jsonl',
    'workspaceStorage/77aa00/chatSessions/sess-g.jsonl',
    // sess-a.json is left out: sess-a.jsonl beside it wins
    'workspaceStorage/9f2c1a/chatSessions/sess-a.jsonl',
    'workspaceStorage/9f2c1a/chatSessions/sess-b.json',
    'workspaceStorage/9f2c1a/chatSessions/sess-f.jsonl',
  ]);
  assert.equal(isCopilotLogFile('agent-traces.db', '/u/globalStorage/GitHub.copilot-chat/agent-traces.db'), true, 'folder casing ignored');
  assert.equal(isCopilotLogFile('x.jsonl', '/u/workspaceStorage/h/GitHub.copilot-chat/x.jsonl'), false, 'only debug-logs/ (agents-copilot-debuglog.test.ts)');
});

test('copilot journal: Set, Push with truncation, Delete; a truncated request still counts; lower bound, no cache split', () => {
  const r = readFile(copilotReader, path.join(USER, 'workspaceStorage/9f2c1a/chatSessions/sess-a.jsonl'));
  assert.equal(r.malformed, 0, 'the half-written last line is left for later, not malformed');
  assert.deepEqual(r.records.map(x => [x.key, x.model, x.usage.input, x.usage.output, x.usage.cacheRead, x.basis]), [
    ['p:m:msg-a1', 'claude-sonnet-4.5', 12000, 300, 0, 'lower-bound'],
    ['p:m:msg-a2', 'gpt-5', 15000, 500, 0, 'lower-bound'], // truncated by the edit, billed before it
    ['p:m:msg-a3', 'gpt-5', 16000, 200, 0, 'lower-bound'],
  ]);
  const a1 = r.records[0]!;
  assert.equal(a1.sessionId, 'sess-a');
  assert.equal(a1.project, '/home/dev/shop', 'from workspaceStorage/<hash>/workspace.json');
  assert.equal(a1.timestamp, 1795000001000);
  assert.equal(a1.contextTokens, 12000);
});

test('copilot: without the trace store, each request once: forks, empty-window copies, legacy files, bad lines', () => {
  const noTraces = { ...copilotAdapter, logs: { ...copilotAdapter.logs, isLogFile: (n: string, f: string) => n !== 'agent-traces.db' && copilotAdapter.logs.isLogFile(n, f) } };
  const { records, malformed } = readAll(noTraces, [USER]);
  assert.deepEqual(records.map(r => [r.sessionId, r.key]), [
    ['sess-a', 'p:m:msg-a1'], // the fork in sess-f copies it: not a second request
    ['sess-a', 'p:m:msg-a2'],
    ['sess-a', 'p:m:msg-a3'],
    ['sess-b', 'p:m:msg-b1'], // its BYOK request carries no usage
    ['sess-e', 'p:m:msg-e1'],
    ['sess-g', 'p:m:msg-g1'],
  ]);
  assert.equal(records.find(r => r.sessionId === 'sess-e')!.project, '/home/dev/notes', 'the workspace copy wins over the empty-window original');
  assert.equal(malformed, 1, 'one broken line in sess-g');
  assert.deepEqual(totals(records), { requests: 6, input: 57000, output: 1260, cacheRead: 0, cacheWrite: 0, cost: 0 });
});

test('copilot: the trace store (rows still in its -wal) wins for the sessions it covers, never added', () => {
  const { records } = readAll(copilotAdapter, [USER]);
  const exact = records.filter(r => r.basis === 'exact');
  assert.deepEqual(exact.map(r => [r.key, r.sessionId, r.usage.input, r.usage.cacheRead, r.usage.cacheWrite5m, r.usage.output]), [
    ['p:span:s5', 'sess-a', 300, 0, 0, 12], // a title call, linked by copilot_chat.parent_chat_session_id
    ['p:span:s1', 'sess-a', 1000, 6000, 2000, 120], // input_tokens includes cache reads and writes
    ['p:span:s2', 'sess-a', 3000, 9000, 0, 300],
    ['p:span:s3', 'sess-a', 15000, 0, 0, 500],
    ['p:span:s6', 'sess-z', 2000, 5000, 0, 400], // a session no journal holds
  ]);
  assert.ok(!records.some(r => r.key === 'p:span:s4'), 'invoke_agent spans sum their rounds: not counted');
  assert.ok(!records.some(r => r.sessionId === 'sess-a' && r.basis === 'lower-bound'), 'sess-a comes from the store only');
  assert.deepEqual(records.filter(r => r.basis === 'lower-bound').map(r => r.sessionId), ['sess-b', 'sess-e', 'sess-g']);
  assert.deepEqual(totals(records), { requests: 8, input: 35300, output: 1592, cacheRead: 20000, cacheWrite: 2000, cost: 0 });
});

test('copilot journal: a compaction rewrites the file as one state line; read again, the same requests come back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-'));
  try {
    const file = path.join(dir, 'chatSessions', 'sess-a.jsonl');
    fs.mkdirSync(path.dirname(file));
    const original = fs.readFileSync(path.join(USER, 'workspaceStorage/9f2c1a/chatSessions/sess-a.jsonl'), 'utf8');
    // what VS Code writes after 1,024 entries: the state as one kind:0 line, in place (writeFile, no append);
    // the index sees the rewrite by its fingerprint of the bytes already read (agents-vscode-index.test.ts)
    const state = { version: 3, creationDate: 1795000000000, sessionId: 'sess-a', customTitle: 'Fix the test', requests: [] as unknown[] };
    for (const l of original.split('\n').slice(0, -1)) {
      const e = JSON.parse(l) as { kind: number; k?: unknown[]; v?: unknown; i?: number };
      if (e.kind === 2 && e.k?.length === 1) { if (e.i !== undefined) state.requests.length = e.i; state.requests.push(...e.v as unknown[]); }
      if (e.kind === 1 && e.k?.[0] === 'requests' && e.k[2] === 'result') (state.requests[e.k[1] as number] as Record<string, unknown>).result = e.v;
    }
    fs.writeFileSync(file, JSON.stringify({ kind: 0, v: state }) + '\n' + '{"kind":1,"k":["requests",1,"modelState"],"v":{"value":1}}\n');
    const after = readFile(copilotReader, file);
    assert.deepEqual(after.records.map(r => [r.key, r.usage.input, r.usage.output]), [['p:m:msg-a1', 12000, 300], ['p:m:msg-a3', 16000, 200]]);
    assert.ok(copilotReader.retainOnReread, 'the truncated msg-a2, no longer in the file, stays in the index');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('copilot journal: response parts are skipped unparsed; odd entries change nothing', () => {
  assert.equal(skippable('{"kind":2,"k":["requests",3,"response"],"v":[{"value":"x"}]}'), true);
  assert.equal(skippable('{"kind":1,"k":["requests",3,"result"],"v":{}}'), false);
  const s = initialState('x');
  assert.deepEqual(applyEntry(s, { kind: 1, k: ['requests', 5, 'result'], v: {} }), [], 'a Set on a missing request');
  assert.deepEqual(applyEntry(s, { kind: 1, k: ['__proto__', 'polluted'], v: true }), []);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(applyEntry(s, { kind: 2, v: [{ requestId: 'r', result: { metadata: { promptTokens: 5, outputTokens: 1 } } }] }), [0], 'a Push without k goes onto requests, as peers read it');
  assert.deepEqual(applyEntry(s, { kind: 1, k: ['requests', 0, 'result', 'metadata', 'outputTokens'], v: 88 }), [0]);
  assert.equal(s.requests[0]![4], 88);
  assert.deepEqual(applyEntry(s, { kind: 7 }), []);
  // Auto mode: the picker says `copilot/auto`, the result's details name the model that ran
  applyEntry(s, { kind: 2, k: ['requests'], v: [{ requestId: 'r2', modelId: 'copilot/auto', result: { details: 'GPT-5 mini • 0x', metadata: { promptTokens: 9, outputTokens: 2 } } }] });
  assert.equal(s.requests[1]![2], 'gpt-5-mini');
});

test('copilot prices: AI credits at Copilot\'s per-model prices, long-context tiers, unknown models unpriced', async () => {
  const { copilotCost, copilotModel, copilotPriceTable } = await import('../../src/core/agents/copilotPrices');
  assert.equal(copilotPriceTable().source, 'github/docs data/tables/copilot/models-and-pricing.yml');
  assert.equal(copilotModel('claude-sonnet-4-5-20250929'), 'claude-sonnet-4.5');
  assert.equal(copilotModel('copilot/gpt-5-mini'), 'gpt-5-mini');
  // OpenAI dates its response models with dashes (the trace store's response_model, gen_ai.response.model): was unpriced by Copilot's table
  assert.equal(copilotModel('gpt-5-mini-2025-08-07'), 'gpt-5-mini');
  assert.equal(copilotModel('gpt-5-mini-2025-08'), undefined, 'not a date');
  const u = { input: 1_000_000, output: 100_000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  const c = copilotCost('claude-sonnet-4.5', u)!;
  assert.equal(Math.round(c.usd * 100) / 100, 4.5); // $3 in + $1.50 out
  assert.equal(Math.round(c.credits), 450);
  const small = copilotCost('gpt-5.4', { ...u, input: 200_000 })!, big = copilotCost('gpt-5.4', { ...u, input: 300_000 })!;
  assert.equal(Math.round(small.usd * 1000) / 1000, 2.0); // 0.2M x $2.50 + 0.1M x $15
  assert.equal(Math.round(big.usd * 1000) / 1000, 3.75); // past 272K: 0.3M x $5 + 0.1M x $22.50
  assert.equal(copilotCost('byok-model', u), null);
});
