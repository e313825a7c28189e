// Every report states what was not counted (`skippedByReason`), worked out without `explain` (its
// folders and per-file lists are for `report --explain` only): both must say the same, on every trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AgentRoot } from '../../src/core/agents/locations';
import { addSkip, isSkipReason, orderedSkips, type SkipCounts } from '../../src/core/agents/skipReasons';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { FIXTURES, rootsFor } from './agents-fixtures';
import { tempDir } from './tempDirs';

const AGENT_OF: Record<string, string> = { claude: 'claude-code', codex: 'codex', gemini: 'gemini' };

const trees: [string, AgentRoot[]][] = [
  ['all fixtures', rootsFor('claude-code', 'codex', 'gemini')],
  ...fs.readdirSync(path.join(FIXTURES, 'traps')).flatMap((trap): [string, AgentRoot[]][] => {
    const agent = AGENT_OF[trap.split('-')[0]!];
    return agent ? [[trap, [{ agent, dir: path.join(FIXTURES, 'traps', trap), explicit: true }]]] : [];
  }),
];

for (const [name, roots] of trees) {
  test(`skip counts: the report's count of ${name} is explain's, added up`, async () => {
    const index = new UsageIndex({ roots, cacheFile: null });
    await index.refresh();
    const sum: SkipCounts = {};
    for (const a of index.explain()) for (const [r, n] of Object.entries(a.skipped)) if (isSkipReason(r) && n) addSkip(sum, r, n);
    assert.deepEqual(index.skippedByReason(), orderedSkips(sum));
  });
}

test('skip counts: after appends that change which copy counts, still explain\'s sums', async () => {
  const dir = tempDir('tokenomics-skips-');
  fs.cpSync(path.join(FIXTURES, 'claude'), dir, { recursive: true });
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir, explicit: true }], cacheFile: null });
  await index.refresh();
  const sums = () => {
    const sum: SkipCounts = {};
    for (const a of index.explain()) for (const [r, n] of Object.entries(a.skipped)) if (isSkipReason(r) && n) addSkip(sum, r, n);
    return orderedSkips(sum);
  };
  assert.deepEqual(index.skippedByReason(), sums());
  const before = index.skippedByReason().duplicate ?? 0;
  const file = path.join(dir, 'projects', '-home-dev-shop', 's1.jsonl');
  const line = fs.readFileSync(file, 'utf8').split('\n').find(l => l.includes('"type":"assistant"') && l.includes('"usage"'))!;
  // the same response again, bigger (it wins over the first copy), and again as it was (it loses)
  const bigger = line.replace(/"output_tokens":(\d+)/, (_, n) => `"output_tokens":${Number(n) + 1000}`);
  fs.appendFileSync(file, `${bigger}\n${line}\n`);
  await index.refresh();
  assert.deepEqual(index.skippedByReason(), sums());
  assert.equal(index.skippedByReason().duplicate, before + 2);
});
