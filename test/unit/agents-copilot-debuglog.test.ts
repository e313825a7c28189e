// Copilot Chat's debug log: fixtures in test/fixtures/agent-logs/copilot-debuglog (written by
// make-fixtures.py there) in the shape microsoft/vscode-copilot-chat
// src/extension/chat/vscode-node/chatDebugFileLoggerService.ts appends it (`_spanToEntry`: a `chat`
// span becomes an `llm_request` entry with `attrs.model`, `inputTokens`, `outputTokens`; the span id is
// the OTel span id, the one the trace store keeps, src/platform/otel/node/sqlite/sqliteSpanExporter.ts).
// Like the trace store, it is exact and wins over the journal's lower bound for the sessions it covers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copilotAdapter, copilotReader, isCopilotLogFile } from '../../src/core/agents/copilot';
import { agentRoots } from '../../src/core/agents/locations';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { mergeActivity, readActivity } from '../../src/core/activity';
import { VSCODE_FIXTURES, logFiles, readAll, readFile, totals } from './agents-vscode-helpers';

const USER = path.join(VSCODE_FIXTURES, 'copilot-debuglog/User');
const rel = (f: string) => path.relative(USER, f);

test('copilot debug log: main.jsonl, child calls beside it and the flat older file are found; models.json is not', () => {
  assert.deepEqual(logFiles(copilotAdapter, [USER]).map(rel), [
    'globalStorage/github.copilot-chat/agent-traces.db',
    'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-d/main.jsonl',
    'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-d/title-child-t1.jsonl',
    'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-old.jsonl',
    'workspaceStorage/5d1e00/chatSessions/sess-d.jsonl',
    'workspaceStorage/5d1e00/chatSessions/sess-j.jsonl',
  ]);
  assert.equal(isCopilotLogFile('main.jsonl', '/u/workspaceStorage/h/github.copilot-chat/DEBUG-LOGS/s/main.jsonl'), true, 'casing ignored');
  assert.equal(isCopilotLogFile('main.jsonl', '/u/workspaceStorage/h/other.ext/debug-logs/s/main.jsonl'), false, "another extension's debug log");
});

test('copilot debug log: one exact record per llm_request, child calls counted for the parent session', () => {
  const main = readFile(copilotReader, path.join(USER, 'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-d/main.jsonl'));
  assert.equal(main.malformed, 0, 'a flush caught mid-line is left for later');
  assert.deepEqual(main.records.map(r => [r.key, r.sessionId, r.model, r.usage.input, r.usage.cacheRead, r.usage.output, r.basis, r.timestamp]), [
    ['p:span:d1a', 'sess-d', 'gpt-5', 12000, 0, 350, 'exact', 1795000001000], // no cachedTokens: all input, no split invented
    ['p:span:d1b', 'sess-d', 'gpt-5', 3000, 11000, 400, 'exact', 1795000003000], // cachedTokens are inside inputTokens
    ['p:span:d2a', 'sess-d', 'gpt-5', 15000, 0, 100, 'exact', 1795000090000],
  ], 'the failed call without usage, tool calls and messages are not requests');
  assert.equal(main.records[0]!.project, '/home/dev/api', 'from workspaceStorage/<hash>/workspace.json');
  assert.equal(main.records[0]!.contextTokens, 12000);
  const child = readFile(copilotReader, path.join(USER, 'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-d/title-child-t1.jsonl'));
  assert.deepEqual(child.records.map(r => [r.sessionId, r.model, r.usage.input]), [['sess-d', 'gpt-4o-mini', 600]], 'its sid is the child\'s: the folder names the parent');
});

test('copilot debug log: wins over the journal for the sessions it covers; the trace store\'s copy of a span wins over it', () => {
  const { records, malformed } = readAll(copilotAdapter, [USER]);
  assert.equal(malformed, 0);
  assert.deepEqual(records.map(r => [r.key, r.sessionId, r.basis]), [
    ['p:span:o1', 'sess-old', 'exact'],
    ['p:span:d1a', 'sess-d', 'exact'],
    ['p:span:t1', 'sess-d', 'exact'],
    ['p:span:d1b', 'sess-d', 'exact'],
    ['p:span:d2a', 'sess-d', 'exact'],
    ['p:m:msg-j1', 'sess-j', 'lower-bound'], // no debug log covers it: the journal counts
  ]);
  const d1b = records.find(r => r.key === 'p:span:d1b')!;
  assert.match(rel(d1b.file), /agent-traces\.db$/, 'the store has the cache writes: its copy wins by rank');
  assert.deepEqual([d1b.usage.input, d1b.usage.cacheRead, d1b.usage.cacheWrite5m], [2000, 11000, 1000]);
  assert.deepEqual(totals(records), { requests: 6, input: 37600, output: 979, cacheRead: 11000, cacheWrite: 1000, cost: 0 });
});

// microsoft/vscode extensions/copilot/src/platform/otel/node/inMemoryOTelService.ts (used when OTel export
// is off, the default): span ids are one counter per extension host, `(nextId++).toString(16).padStart(16, '0')`,
// so two windows, or a session resumed after a restart (chatDebugFileLoggerService.ts: `rIdx`, "incremented
// on each VS Code restart that resumes the same session"), write the same ids for different calls.
test('copilot debug log: counter span ids (OTel off) name a call with its session, run and time, not alone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-ids-'));
  try {
    const l = (o: unknown) => JSON.stringify(o) + '\n';
    const call = (sid: string, ts: number, spanId: string, input: number, output: number, rIdx?: number) =>
      l({ v: 1, ...(rIdx === undefined ? {} : { rIdx }), ts, dur: 800, sid, type: 'llm_request', name: 'chat:gpt-5', spanId, parentSpanId: '0000000000000001', status: 'ok', attrs: { model: 'gpt-5', inputTokens: input, outputTokens: output } });
    const logOf = (ws: string, sid: string) => path.join(dir, 'User', 'workspaceStorage', ws, 'GitHub.copilot-chat', 'debug-logs', sid, 'main.jsonl');
    // two windows, each numbering its spans from 1
    for (const [ws, sid, at] of [['h1', 'sess-a', 1795000000000], ['h2', 'sess-b', 1795100000000]] as const) {
      fs.mkdirSync(path.dirname(logOf(ws, sid)), { recursive: true });
      fs.writeFileSync(logOf(ws, sid), call(sid, at, '0000000000000003', 10000, 100) + call(sid, at + 5000, '0000000000000005', 12000, 200));
    }
    // sess-a resumed after a restart: the counter starts again, the run index goes up
    fs.appendFileSync(logOf('h1', 'sess-a'), call('sess-a', 1795200000000, '0000000000000003', 30000, 300, 1));
    const index = new UsageIndex({ roots: agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [path.join(dir, 'User')] }).filter(r => String(r.agent) === 'copilot'), cacheFile: null });
    await index.refresh();
    const records = [...index.records()].sort((a, b) => a.timestamp - b.timestamp);
    assert.deepEqual(records.map(r => [r.sessionId, r.usage.input, r.usage.output]), [
      ['sess-a', 10000, 100], ['sess-a', 12000, 200], ['sess-b', 10000, 100], ['sess-b', 12000, 200], ['sess-a', 30000, 300],
    ]); // was: 2 requests, the other 3 skipped as duplicates
    assert.deepEqual(index.skippedByReason(), {});
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('copilot debug log through the index: an appended llm_request is read alone, and replaces the journal\'s bound', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-dbg-'));
  try {
    const ws = path.join(dir, 'User', 'workspaceStorage', 'h');
    fs.mkdirSync(path.join(ws, 'chatSessions'), { recursive: true });
    const l = (o: unknown) => JSON.stringify(o) + '\n';
    fs.writeFileSync(path.join(ws, 'chatSessions', 's.jsonl'), l({ kind: 0, v: { sessionId: 's', creationDate: 1795000000000, requests: [
      { requestId: 'r1', timestamp: 1795000000000, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: 900, outputTokens: 10, modelMessageId: 'm1' } } }] } }));
    const index = new UsageIndex({ roots: agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [path.join(dir, 'User')] }).filter(r => String(r.agent) === 'copilot'), cacheFile: null });
    await index.refresh();
    assert.deepEqual(index.records().map(r => [r.key, r.basis]), [['p:m:m1', 'lower-bound']]);
    // the debug log appears (the user turned it on), then grows by one call
    const log = path.join(ws, 'GitHub.copilot-chat', 'debug-logs', 's', 'main.jsonl');
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const call = (id: string, input: number) => l({ ts: 1795000000100, dur: 800, sid: 's', type: 'llm_request', name: 'chat:gpt-5', spanId: id, status: 'ok', attrs: { model: 'gpt-5', inputTokens: input, outputTokens: 20 } });
    fs.writeFileSync(log, call('a', 700));
    await index.refresh();
    assert.deepEqual(index.records().map(r => [r.key, r.basis]), [['p:span:a', 'exact']], 'the exact source replaces the bound, never adds to it');
    fs.appendFileSync(log, call('b', 900));
    const r = await index.refresh();
    assert.equal(r.appendedFiles, 1);
    assert.deepEqual(index.records().map(x => [x.key, x.usage.input]).sort(), [['p:span:a', 700], ['p:span:b', 900]]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('copilot debug log activity: tool_call entries give edits and commands; a call whose args the writer cut is a call only', () => {
  const file = path.join(USER, 'workspaceStorage/5d1e00/GitHub.copilot-chat/debug-logs/sess-d/main.jsonl');
  const facts = readActivity(file, 'copilot');
  assert.equal(facts.toolCalls, 4, 'read_file, replace_string_in_file, run_in_terminal, the cut create_file');
  const a = mergeActivity([facts]);
  assert.deepEqual([a.filesChanged, a.linesAdded, a.linesRemoved, a.testRuns], [['/home/dev/api/src/app.ts'], 2, 1, 1]);
  assert.ok(facts.edits.every(e => e.t === 1795000004000), 'at the entry\'s ts');
});
