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
