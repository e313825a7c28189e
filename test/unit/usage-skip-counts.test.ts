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
