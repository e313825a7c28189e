// The incremental path the engine takes (src/server/usage.ts): a watcher names the logs that changed,
// the index reads those alone and patches its counted list and columns. Whatever it patches must be
// what a fresh index builds from the same files, request for request and row for row; and what it
// cannot know from the named paths alone (a new log, a deleted one) sends it back to the walk.
// Journal lines in the shape VS Code writes them (see agents-copilot.test.ts and copilotJournal.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentRoots } from '../../src/core/agents/locations';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { COLUMNS_PER_ROW, UsageColumns } from '../../src/core/usage/columns';

const l = (o: unknown) => JSON.stringify(o) + '\n';
const T = 1795000000000;
const HOUR_AGO = (Date.now() - 3600_000) / 1000;

const session = (sid: string, n: number) => l({ kind: 0, v: { sessionId: sid, creationDate: T, requests: Array.from({ length: n }, (_, i) => (
  { requestId: `${sid}-r${i}`, timestamp: T + i, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: 1000 + i, outputTokens: 10, modelMessageId: `${sid}-m${i}` } } })) } });
const push = (sid: string, i: number, prompt: number) => l({ kind: 2, k: ['requests'], v: [{ requestId: `${sid}-r${i}`, timestamp: T + i, modelId: 'copilot/gpt-5', response: [] }] })
  + l({ kind: 1, k: ['requests', i, 'result'], v: { metadata: { promptTokens: prompt, outputTokens: 10, modelMessageId: `${sid}-m${i}` } } });
const setResult = (i: number, sid: string, prompt: number) => l({ kind: 1, k: ['requests', i, 'result'], v: { metadata: { promptTokens: prompt, outputTokens: 10, modelMessageId: `${sid}-m${i}` } } });

/** Rows as sorted tuples: the same requests, whatever the order a patch left them in. */
function rowsOf(c: UsageColumns): string[] {
  const out: string[] = [];
  for (let j = 0; j < c.rows.length; j++) {
    const r = c.rows[j]!, k = r * COLUMNS_PER_ROW;
    const ints = Array.from({ length: COLUMNS_PER_ROW }, (_, x) => c.ints[k + x]!);
    // strings by value: each index interns its own
    out.push(JSON.stringify([c.agentIds[c.agents[r]!], c.times[r], ints.slice(0, 6), c.strings[ints[6]!], c.strings[ints[7]!], c.strings[ints[8]!], ints[9], c.costs ? c.costs[r] : null]));
  }
  return out.sort();
}
const keysOf = (ix: UsageIndex) => ix.records().map(r => `${r.key} ${r.basis} ${r.usage.input} ${r.usage.cacheRead}`).sort();

test('incremental: what a watcher-named refresh patches equals what a fresh index builds, append by append', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-incr-'));
  try {
    const user = path.join(dir, 'User');
    const chats = path.join(user, 'workspaceStorage', 'h', 'chatSessions');
    fs.mkdirSync(chats, { recursive: true });
    const s1 = path.join(chats, 's1.jsonl'), s2 = path.join(chats, 's2.jsonl');
    fs.writeFileSync(s1, session('s1', 3));
    fs.writeFileSync(s2, session('s2', 2));
    fs.writeFileSync(path.join(chats, 'notes.txt'), 'not a log');
    const debugDir = path.join(user, 'workspaceStorage', 'h', 'GitHub.copilot-chat', 'debug-logs', 's2');
    fs.mkdirSync(debugDir, { recursive: true });
    const main = path.join(debugDir, 'main.jsonl');
    const call = (id: string, input: number, cached: number) => l({ ts: T + 100, dur: 800, sid: 's2', type: 'llm_request', name: 'chat:gpt-5', spanId: id, status: 'ok', attrs: { model: 'gpt-5', inputTokens: input, outputTokens: 20, cachedTokens: cached } });
    fs.writeFileSync(main, '');
    // folders last changed an hour ago: the walk trusts their listings (a listing younger than 2 s is never kept)
    for (const d of [chats, debugDir, path.dirname(debugDir), path.dirname(path.dirname(debugDir)), path.dirname(chats), path.join(user, 'workspaceStorage'), user]) fs.utimesSync(d, HOUR_AGO, HOUR_AGO);
    const roots = agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] }).filter(r => String(r.agent) === 'copilot');
    const live = new UsageIndex({ roots, cacheFile: null, autoSave: false });
    await live.refresh({ full: true });
    live.records();
    live.columns();
    const same = (what: string) => {
      const fresh = new UsageIndex({ roots, cacheFile: null });
      fresh.refreshSync();
      assert.deepEqual(keysOf(live), keysOf(fresh), `${what}: the same requests`);
      assert.deepEqual(rowsOf(live.columns()), rowsOf(fresh.columns()), `${what}: the same rows`);
      assert.equal(live.columns().rows.length, live.records().length);
    };
    const named = async (...paths: string[]) => {
      const reads = live.fileReads;
      const r = await live.refresh({ full: false, touched: new Set(paths) });
      return { ...r, reads: live.fileReads - reads };
    };
    same('at the start');

    fs.appendFileSync(s1, push('s1', 3, 5000));
    let r = await named(s1);
    assert.deepEqual([r.appendedFiles, r.reads], [1, 1], 'the named log alone is read');
    assert.equal(live.records().length, 6);
    same('a new request appended');

    // a later line raises a request already counted: replaced in place, but never under a caller's feet
    const heldList = live.records(), heldCopy = [...heldList], heldCols = live.columns(), heldRows = rowsOf(heldCols);
    fs.appendFileSync(s1, setResult(1, 's1', 9000));
    r = await named(s1);
    assert.deepEqual([...heldList], heldCopy, 'the list handed out before stays as it was');
    assert.deepEqual(rowsOf(heldCols), heldRows, 'and so do the columns');
    assert.equal(r.appendedFiles, 1);
    assert.ok(live.records().some(x => x.key === 'p:m:s1-m1' && x.usage.input === 9000));
    same('a request replaced by a better copy');

    // the first exact call of s2: its journal's lower bounds stop counting
    fs.appendFileSync(main, call('a', 4000, 1000));
    r = await named(main);
    assert.equal(r.appendedFiles, 1);
    assert.ok(!live.records().some(x => x.sessionId === 's2' && x.basis === 'lower-bound'));
    same('an exact source covering a session');
    fs.appendFileSync(main, call('b', 6000, 0));
    fs.appendFileSync(s2, push('s2', 2, 7000)); // a lower bound of a covered session: not counted
    r = await named(main, s2);
    assert.equal(r.appendedFiles, 2);
    same('more exact calls, and a covered lower bound');

    // files read again whole: a legacy session rewritten (VS Code < 1.109 saved the whole `<id>.json`)
    // and the trace store, which changes with every call; each set against the counted copies key by key
    const legacy = path.join(chats, 'old.json');
    const legacyFile = (prompts: number[]) => JSON.stringify({ version: 3, sessionId: 'old', creationDate: T, requests: prompts.map((p, i) => (
      { requestId: `old-r${i}`, timestamp: T + i, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: p, outputTokens: 5, modelMessageId: `old-m${i}` } } })) });
    fs.writeFileSync(legacy, legacyFile([100]));
    r = await named(legacy);
    assert.equal(r.newFiles, 1);
    same('a legacy session');
    fs.writeFileSync(legacy, legacyFile([100, 200]));
    r = await named(legacy);
    assert.deepEqual([r.rereadFiles, r.reads], [1, 1]);
    same('a legacy session rewritten with one more request');
    fs.writeFileSync(legacy, legacyFile([50, 200])); // a copy that shrank: every winner is chosen again
    r = await named(legacy);
    same('a legacy session rewritten with a smaller copy');
    const store = path.join(user, 'globalStorage', 'github.copilot-chat');
    fs.mkdirSync(store, { recursive: true });
    const db = path.join(store, 'agent-traces.db');
    const traces = (rows: [string, string, number][]) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Database } = require('node-sqlite3-wasm') as { Database: new (f: string) => { exec(s: string): void; run(s: string, p: unknown[]): void; close(): void } };
      fs.rmSync(db, { force: true });
      const d = new Database(db);
      // the columns of otelSqliteStore.ts the reader uses
      d.exec(`CREATE TABLE spans (span_id TEXT PRIMARY KEY, start_time_ms INTEGER, operation_name TEXT, request_model TEXT, response_model TEXT,
        input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, chat_session_id TEXT, conversation_id TEXT)`);
      for (const [id, sid, input] of rows) d.run(`INSERT INTO spans VALUES (?, ?, 'chat', 'gpt-5', 'gpt-5', ?, 30, 0, ?, 'c')`, [id, T + 500, input, sid]);
      d.close();
    };
    traces([['t1', 's9', 3000]]);
    r = await named(db);
    assert.equal(r.newFiles, 1);
    same('the trace store appears');
    traces([['t1', 's9', 3000], ['t2', 's9', 4000], ['t3', 's2', 800]]); // s2 has exact calls already (the debug log)
    r = await named(db);
    assert.deepEqual([r.rereadFiles, r.reads], [1, 1]);
    same('the trace store with more calls');

    // a file that is no log, in a folder whose listing stands: nothing to read, no walk
    fs.appendFileSync(path.join(chats, 'notes.txt'), 'more');
    r = await named(path.join(chats, 'notes.txt'));
    assert.deepEqual([r.changed, r.reads], [false, 0]);

    // a new session: its folder changed, so the walk runs and finds it
    const s3 = path.join(chats, 's3.jsonl');
    fs.writeFileSync(s3, session('s3', 2));
    r = await named(s3);
    assert.equal(r.newFiles, 1);
    same('a new log');

    // a deleted session: the walk keeps its requests as history
    fs.rmSync(s3);
    r = await named(s3);
    assert.equal(r.removedFiles, 1);
    assert.equal(live.stats().historyFiles, 1);
    assert.ok(live.records().some(x => x.sessionId === 's3'));

    // a known log swapped for a link out of the log folders: the named path is not trusted, the walk's link rules apply
    const s4 = path.join(chats, 's4.jsonl'), outside = path.join(dir, 'outside.jsonl');
    fs.writeFileSync(s4, session('s4', 1));
    await named(s4);
    fs.writeFileSync(outside, session('s4', 3));
    fs.rmSync(s4);
    fs.symlinkSync(outside, s4);
    r = await named(s4);
    assert.equal(live.records().filter(x => x.sessionId === 's4').length, 1, 'what the link leads to is not read');
    assert.ok(r.stats.unreadable.some(p => p.path === s4 && /outside/.test(p.reason)), JSON.stringify(r.stats.unreadable));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
