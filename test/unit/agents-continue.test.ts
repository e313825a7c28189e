// Continue: tokensGenerated.jsonl in schema 0.2.0 (continuedev/continue packages/config-yaml
// src/schemas/data/tokensGenerated/v0.2.0.ts: the base dev-data fields plus model, provider,
// promptTokens, generatedTokens). Counts from Continue's own tokenizer: estimates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { continueAdapter } from '../../src/core/agents/continue';
import { VSCODE_FIXTURES, logFiles, readAll, totals } from './agents-vscode-helpers';

const ROOT = path.join(VSCODE_FIXTURES, 'continue/dot-continue');

test('continue: tokensGenerated events as estimates, autocomplete and cancelled calls included, other dev data ignored', () => {
  assert.deepEqual(logFiles(continueAdapter, [ROOT]).map(f => path.relative(ROOT, f)), ['dev_data/0.2.0/tokensGenerated.jsonl']);
  const { records, malformed } = readAll(continueAdapter, [ROOT]);
  assert.equal(malformed, 1);
  assert.deepEqual(records.map(r => [r.model, r.usage.input, r.usage.output, r.basis]), [
    ['claude-sonnet-4-5', 5400, 320, 'estimate'],
    ['codestral-latest', 900, 12, 'estimate'],
    ['codestral-latest', 910, 0, 'estimate'],
  ]);
  assert.deepEqual(totals(records), { requests: 3, input: 7210, output: 332, cacheRead: 0, cacheWrite: 0, cost: 0 });
  assert.equal(continueAdapter.basis, 'estimate');
  assert.deepEqual(continueAdapter.logs.defaultRoots({ CONTINUE_GLOBAL_DIR: '/c' }, '/h'), ['/c']);
});
