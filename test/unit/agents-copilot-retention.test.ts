// Copilot keeps its exact per-call sources for a while only. The debug log keeps the 50 newest session
// entries of a workspace and deletes the rest, folders recursively (vscode-copilot-chat
// src/extension/chat/vscode-node/chatDebugFileLoggerService.ts, MAX_RETAINED_LOGS, _cleanupOldLogs); the
// trace store deletes spans older than 7 days and beyond 100 sessions, on start and on demand
// (src/platform/otel/node/sqlite/otelSqliteStore.ts, DEFAULT_MAX_AGE_MS, DEFAULT_MAX_SESSIONS,
// `DELETE FROM spans WHERE start_time_ms < ?`), commit 31acd00a86424e2ee6e980e54919cf31fbf88030.
// The exact records already read must stay in the index, as a deleted Claude transcript's do, instead of
// the session dropping back to its journal's lower bound: in a live index, and across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentRoots } from '../../src/core/agents/locations';
import { UsageIndex } from '../../src/core/usage/usageIndex';

/**
 * A trace store in the schema otelSqliteStore.ts creates (the columns the reader uses), rewritten whole:
 * `spans` rows of `chat` operations with the denormalised token columns (input_tokens includes cache reads).
 */
function traceStore(file: string, spans: [id: string, input: number, cached: number][]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Database } = require('node-sqlite3-wasm') as { Database: new (f: string) => { exec(s: string): void; run(s: string, p: unknown[]): void; close(): void } };
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  db.exec(`CREATE TABLE spans (span_id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, parent_span_id TEXT, name TEXT NOT NULL,
    start_time_ms INTEGER NOT NULL, end_time_ms INTEGER NOT NULL, status_code INTEGER NOT NULL DEFAULT 0, status_message TEXT,
    operation_name TEXT, provider_name TEXT, agent_name TEXT, conversation_id TEXT, request_model TEXT, response_model TEXT,
    input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, reasoning_tokens INTEGER, tool_name TEXT, tool_call_id TEXT,
    tool_type TEXT, chat_session_id TEXT, turn_index INTEGER, ttft_ms INTEGER)`);
  for (const [id, input, cached] of spans) {
    db.run(`INSERT INTO spans (span_id, trace_id, name, start_time_ms, end_time_ms, operation_name, request_model, response_model,
      input_tokens, output_tokens, cached_tokens, chat_session_id) VALUES (?, 't', 'chat gpt-5', ?, ?, 'chat', 'gpt-5', 'gpt-5', ?, 20, ?, 's')`,
    [id, T + 100, T + 900, input, cached]);
  }
  db.close();
}

const l = (o: unknown) => JSON.stringify(o) + '\n';
const T = 1795000000000;

function tree(): { dir: string; user: string; ws: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-keep-'));
  const user = path.join(dir, 'User');
  const ws = path.join(user, 'workspaceStorage', 'h');
  fs.mkdirSync(path.join(ws, 'chatSessions'), { recursive: true });
  // the journal: one request whose last round says 900 input tokens (a lower bound)
  fs.writeFileSync(path.join(ws, 'chatSessions', 's.jsonl'), l({ kind: 0, v: { sessionId: 's', creationDate: T, requests: [
    { requestId: 'r1', timestamp: T, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: 900, outputTokens: 10, modelMessageId: 'm1' } } }] } }));
  return { dir, user, ws };
}

const index = (user: string, cacheFile: string | null) => new UsageIndex({
  roots: agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] }).filter(r => String(r.agent) === 'copilot'), cacheFile });
const view = (ix: UsageIndex) => ix.records().map(r => [r.key, r.basis, r.usage.input + r.usage.cacheRead]).sort();

for (const restart of [false, true]) {
  test(`copilot retention: a deleted debug-log session folder keeps its exact calls${restart ? ' (across a restart)' : ''}`, async () => {
    const { dir, user, ws } = tree();
    try {
      const logDir = path.join(ws, 'GitHub.copilot-chat', 'debug-logs', 's');
      fs.mkdirSync(logDir, { recursive: true });
      const call = (id: string, input: number) => l({ ts: T + 100, dur: 800, sid: 's', type: 'llm_request', name: 'chat:gpt-5', spanId: id, status: 'ok', attrs: { model: 'gpt-5', inputTokens: input, outputTokens: 20 } });
      fs.writeFileSync(path.join(logDir, 'main.jsonl'), call('a', 700) + call('b', 1300));
      const cache = path.join(dir, 'index.bin');
      let ix = index(user, cache);
      await ix.refresh({ full: true });
      const exact = [['p:span:a', 'exact', 700], ['p:span:b', 'exact', 1300]];
      assert.deepEqual(view(ix), exact);
      if (restart) { ix.save(); ix = index(user, cache); await ix.refresh({ full: true }); }
      // Copilot's cleanup removes the whole session folder
      fs.rmSync(logDir, { recursive: true, force: true });
      const r = await ix.refresh({ full: true });
      assert.equal(r.removedFiles, 1);
      assert.deepEqual(view(ix), exact, 'the exact calls stay; the journal\'s lower bound does not come back');
      ix.save();
      const again = index(user, cache);
      await again.refresh({ full: true });
      assert.deepEqual(view(again), exact, 'and they are still there after the next start');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });

  test(`copilot retention: spans the trace store prunes stay counted${restart ? ' (across a restart)' : ''}`, async () => {
    const { dir, user } = tree();
    try {
      const store = path.join(user, 'globalStorage', 'github.copilot-chat');
      fs.mkdirSync(store, { recursive: true });
      const file = path.join(store, 'agent-traces.db');
      traceStore(file, [['s1', 1000, 6000], ['s2', 3000, 0], ['s3', 500, 200]]);
      const cache = path.join(dir, 'index.bin');
      let ix = index(user, cache);
      await ix.refresh({ full: true });
      const before = view(ix).filter(x => x[1] === 'exact');
      assert.deepEqual(before, [['p:span:s1', 'exact', 1000], ['p:span:s2', 'exact', 3000], ['p:span:s3', 'exact', 500]]);
      if (restart) { ix.save(); ix = index(user, cache); await ix.refresh({ full: true }); }
      // Copilot prunes: the oldest spans go (DELETE ... WHERE start_time_ms < cutoff), the file stays
      traceStore(file, [['s3', 500, 200]]);
      const r = await ix.refresh({ full: true });
      assert.equal(r.rereadFiles, 1);
      assert.deepEqual(view(ix).filter(x => x[1] === 'exact'), before, 'pruned rows stay counted');
      // and when the store itself is deleted
      fs.rmSync(store, { recursive: true, force: true });
      await ix.refresh({ full: true });
      assert.deepEqual(view(ix).filter(x => x[1] === 'exact'), before);
      ix.save();
      const again = index(user, cache);
      await again.refresh({ full: true });
      assert.deepEqual(view(again).filter(x => x[1] === 'exact'), before, 'and after the next start');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
}
