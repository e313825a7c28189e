// The agents inside VS Code through the real usage index: folders from one setting per agent plus
// VS Code's user-data folders, databases read from snapshots, the exact Copilot store winning for
// its sessions, reported costs and bases kept through the persisted index (cold and warm agree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agentRoots } from '../../src/core/agents/locations';
import { bundledCatalog } from '../../src/core/catalog';
import { buildReport, buildReportFromColumns } from '../../src/core/usage/report';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { VSCODE_FIXTURES } from './agents-vscode-helpers';

const F = (p: string) => path.join(VSCODE_FIXTURES, p);
const NONE = '/nonexistent/tokenomics-test';
const roots = () => agentRoots({ HOME: NONE }, {
  vscodeUserDirs: [F('copilot/User'), F('cline/User'), F('roo/User'), F('opencode/kilo/User')],
  clineDirs: [F('cline/dot-cline')], opencodeDirs: [F('opencode/opencode')], kiloDirs: [F('opencode/kilo')], continueDirs: [F('continue/dot-continue')],
  claudeDirs: [NONE], codexDirs: [NONE], geminiDirs: [NONE],
});

test('index: every agent inside VS Code, with its basis and reported costs, the same cold and warm', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-vsidx-'));
  try {
    const cacheFile = path.join(dir, 'index.bin');
    const cold = new UsageIndex({ roots: roots(), cacheFile });
    const res = await cold.refresh();
    assert.deepEqual(res.stats.unreadable.map(p => [path.basename(p.path), p.reason]), [['opencode-broken.db', 'not a readable SQLite database (corrupt or mid-write)']]);
    const catalog = bundledCatalog();
    const a = buildReport(cold.records(), catalog, { timezone: 'UTC' });
    const by = Object.fromEntries(a.agents.map(x => [x.agent, [x.requests, x.inputTokens, x.outputTokens, x.basis]]));
    assert.deepEqual(by, {
      copilot: [8, 35300, 1592, 'lower-bound'], // 5 exact trace-store calls + 3 journal requests of sessions the store does not cover
      cline: [9, 9900, 3380, 'exact'],
      roo: [5, 4000, 620, 'exact'],
      kilo: [2, 600, 190, 'exact'],
      opencode: [5, 1650, 830, 'exact'],
      continue: [3, 7210, 332, 'estimate'],
    });
    assert.equal(a.basis, 'estimate');
    const cline = a.agents.find(x => x.agent === 'cline')!;
    // Cline's own reported costs as reported ($0.1453), and the CLI session that reported none priced
    // from the catalog: gpt-5, 2,000 input + 10,000 cache reads + 800 output = $0.01175
    assert.equal(cline.costUSD, 0.15705);
    const warm = new UsageIndex({ roots: roots(), cacheFile });
    const w = await warm.refresh();
    assert.equal(w.cache, 'loaded');
    assert.equal(w.changed, false);
    assert.deepEqual(buildReportFromColumns(warm.columns(), catalog, { timezone: 'UTC' }), a, 'the persisted index keeps costs, bases and aggregates');
    const again = buildReport(warm.records(), catalog, { timezone: 'UTC' });
    assert.deepEqual(again, a, 'and so do its records once materialized');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('index: a Copilot journal compacted in place is read again, never counted twice; the truncated request stays', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-vsidx-'));
  try {
    const user = path.join(dir, 'User');
    const sessions = path.join(user, 'workspaceStorage', 'h', 'chatSessions');
    fs.mkdirSync(sessions, { recursive: true });
    const file = path.join(sessions, 's.jsonl');
    const req = (id: string, prompt: number) => ({ requestId: id, timestamp: 1795000000000, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: prompt, outputTokens: 10, modelMessageId: `m-${id}` } } });
    const l = (o: unknown) => JSON.stringify(o) + '\n';
    fs.writeFileSync(file, l({ kind: 0, v: { sessionId: 's', creationDate: 1795000000000, requests: [] } }) + l({ kind: 2, k: ['requests'], v: [req('a', 100)] }) + l({ kind: 2, k: ['requests'], v: [req('b', 200)] }));
    const index = new UsageIndex({ roots: agentRoots({ HOME: NONE }, { vscodeUserDirs: [user] }).filter(r => String(r.agent) === 'copilot'), cacheFile: null });
    await index.refresh();
    assert.deepEqual(index.records().map(r => r.key).sort(), ['p:m:m-a', 'p:m:m-b']);
    // the user edits request b away (a truncating Push), then VS Code compacts: one state line, in place, longer
    fs.appendFileSync(file, l({ kind: 2, k: ['requests'], i: 1, v: [req('c', 300)] }));
    await index.refresh();
    fs.writeFileSync(file, l({ kind: 0, v: { sessionId: 's', creationDate: 1795000000000, requests: [req('a', 100), req('c', 300)], padding: 'x'.repeat(400) } }));
    const r = await index.refresh();
    assert.equal(r.rereadFiles, 1, 'the rewrite is seen, not read as an append');
    assert.deepEqual(index.records().map(x => [x.key, x.usage.input]).sort(), [['p:m:m-a', 100], ['p:m:m-b', 200], ['p:m:m-c', 300]]);
    assert.equal(index.stats().malformedLines, 0);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('index: Copilot prunes its trace store after 7 days; what the index read stays counted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-vsidx-'));
  try {
    const store = path.join(dir, 'User', 'globalStorage', 'github.copilot-chat');
    fs.mkdirSync(store, { recursive: true });
    const src = F('copilot/User/globalStorage/github.copilot-chat/agent-traces.db');
    fs.copyFileSync(src, path.join(store, 'agent-traces.db'));
    fs.copyFileSync(`${src}-wal`, path.join(store, 'agent-traces.db-wal'));
    const index = new UsageIndex({ roots: agentRoots({ HOME: NONE }, { vscodeUserDirs: [path.join(dir, 'User')] }).filter(r => String(r.agent) === 'copilot'), cacheFile: null });
    await index.refresh();
    const before = index.records().map(r => r.key).sort();
    assert.equal(before.length, 5);
    // Copilot's own cleanup: DELETE FROM spans WHERE start_time_ms < cutoff (otelSqliteStore.ts _cleanupOnStartup)
    const { Database } = require('node-sqlite3-wasm') as { Database: new (f: string) => { exec(s: string): void; close(): void } };
    const db = new Database(path.join(store, 'agent-traces.db'));
    db.exec("PRAGMA locking_mode=EXCLUSIVE; DELETE FROM spans WHERE span_id IN ('s1', 's2');");
    db.close();
    const r = await index.refresh();
    assert.equal(r.rereadFiles, 1, 'the database (or its -wal) changed');
    assert.deepEqual(index.records().map(x => x.key).sort(), before, 'pruned rows stay in the index');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
