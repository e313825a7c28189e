// Roo Code and Zoo Code: fixtures in test/fixtures/agent-logs/roo (make-fixtures.py there). The
// tokensIn cache rule is the formats page's reading of Roo PR #8954 (3.29.5, 2025-11-01); codeburn's
// roo-code.ts shares the Cline parser and applies no such rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readJsonc, rooAdapter } from '../../src/core/agents/roo';
import { VSCODE_FIXTURES, logFiles, readAll, totals } from './agents-vscode-helpers';

const ROOT = path.join(VSCODE_FIXTURES, 'roo');
const USER = path.join(ROOT, 'User');

test('roo: tokensIn includes the cache by row date and protocol; condense costs add cost only; Zoo Code is roo too', () => {
  const { records } = readAll(rooAdapter, [USER]);
  assert.deepEqual(records.map(r => [r.sessionId, r.usage.input, r.usage.cacheRead, r.usage.cacheWrite5m, r.usage.output, r.cost, r.model]), [
    ['old-unlabelled', 100, 900, 0, 10, undefined, 'unknown'], // older than apiProtocol: excluded the cache
    ['old-anthropic', 300, 4000, 1000, 50, 0.01, 'claude-sonnet-4-20250514'], // Anthropic protocol before 3.29.5: excluded
    ['old-openai', 1000, 4000, 0, 50, 0.004, 'gpt-4.1'], // OpenAI protocol already included it
    ['new', 2000, 6000, 1000, 400, 0.0123, 'claude-sonnet-4-5'], // since 3.29.5: included
    ['new', 0, 0, 0, 0, 0.02, 'claude-sonnet-4-5'], // the condense call: its cost, no tokens logged
    ['new', 100, 0, 0, 10, 0.001, 'claude-sonnet-4-5'], // api_req_deleted, Roo's deleted_api_reqs: tokens and cost, no request
    ['zoo-1', 500, 1500, 0, 100, 0.001, 'unknown'],
  ]);
  assert.equal(records[4]!.aggregate, true);
  assert.equal(records[5]!.aggregate, true);
  assert.equal(records[3]!.project, '/home/dev/roo');
  assert.ok(records.every(r => String(r.agent) === 'roo'));
  assert.deepEqual(totals(records), { requests: 5, input: 4000, output: 620, cacheRead: 16400, cacheWrite: 2000, cost: 0.0483 });
  assert.ok(!logFiles(rooAdapter, [USER]).some(f => /history_item|_index/.test(f)), 'per-task aggregates are not added');
});

// RooCodeInc/Roo-Code src/core/webview/webviewMessageHandler.ts: deleting or editing a message without a
// checkpoint rewinds the task (`rewindToTimestamp`) and saves it, the later api_req_started rows gone with
// no trace; src/core/checkpoints/index.ts: a checkpoint restore rewinds too, then says `api_req_deleted`
// with the dropped rows' tokensIn/tokensOut/cacheWrites/cacheReads/cost (getApiMetrics).
test('roo: requests a rewind dropped stay counted, unless the rewrite adds the api_req_deleted row that sums them', async () => {
  const { UsageIndex } = await import('../../src/core/usage/usageIndex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-roo-rewind-'));
  try {
    const T = Date.UTC(2026, 5, 1);
    const ui = (ts: number, say: string, usage: object) => ({ ts, type: 'say', say, text: JSON.stringify({ apiProtocol: 'anthropic', ...usage }) });
    const req = (ts: number, tokensIn: number, cost: number) => ui(ts, 'api_req_started', { request: '<task>x</task>', tokensIn, tokensOut: 100, cacheWrites: 0, cacheReads: 0, cost });
    const task = (id: string) => path.join(dir, 'User', 'globalStorage', 'rooveterinaryinc.roo-cline', 'tasks', id);
    const save = (id: string, rows: object[]) => { fs.mkdirSync(task(id), { recursive: true }); fs.writeFileSync(path.join(task(id), 'ui_messages.json'), JSON.stringify(rows)); };
    const head = { ts: T, type: 'say', say: 'task', text: 'x' };
    save('plain', [head, req(T + 1000, 1000, 0.01), req(T + 2000, 2000, 0.02), req(T + 3000, 3000, 0.03)]);
    save('restored', [head, req(T + 1000, 1000, 0.01), req(T + 2000, 2000, 0.02), req(T + 3000, 3000, 0.03)]);
    const index = new UsageIndex({ roots: [{ agent: 'roo', dir: path.join(dir, 'User'), explicit: true }], cacheFile: null });
    await index.refresh();
    const sum = () => { let input = 0, cost = 0; for (const r of index.records()) { input += r.usage.input; cost += r.cost ?? 0; } return { input: Math.round(input), cost: Math.round(cost * 1000) / 1000 }; };
    assert.deepEqual(sum(), { input: 12000, cost: 0.12 });
    // a delete without a checkpoint: the last two requests leave the file
    save('plain', [head, req(T + 1000, 1000, 0.01), { ts: T + 4000, type: 'say', say: 'text', text: 'edited' }]);
    // a checkpoint restore: the same two leave, and the row summing them comes
    save('restored', [head, req(T + 1000, 1000, 0.01), ui(T + 4000, 'api_req_deleted', { tokensIn: 5000, tokensOut: 200, cacheWrites: 0, cacheReads: 0, cost: 0.05 })]);
    for (const id of ['plain', 'restored']) fs.utimesSync(path.join(task(id), 'ui_messages.json'), new Date(T + 5000), new Date(T + 5000));
    await index.refresh();
    assert.deepEqual(sum(), { input: 12000, cost: 0.12 }); // was: 7000 and 0.07, the deleted requests' spend gone
    assert.equal(index.records().filter(r => r.sessionId === 'restored').length, 2, 'the first request, and the deletion row instead of the two it sums');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('roo: customStoragePath from settings.json (comments, trailing commas) moves the task folders', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-roo-'));
  try {
    fs.mkdirSync(path.join(dir, 'globalStorage'));
    fs.writeFileSync(path.join(dir, 'settings.json'), `{
  // where Roo keeps its tasks
  "roo-cline.customStoragePath": ${JSON.stringify(path.join(ROOT, 'custom-storage'))}, /* set by hand */
  "editor.fontSize": 14,
}`);
    assert.equal(readJsonc(path.join(dir, 'settings.json'))['editor.fontSize'], 14);
    const { records } = readAll(rooAdapter, [dir]);
    assert.deepEqual(records.map(r => [r.sessionId, r.usage.input, r.cost]), [['custom-1', 700, 0.002]]);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
