// Shared by the agent-log tests: where the fixtures are, and an index over them.
import path from 'node:path';
import { AgentRoot } from '../../src/core/agents/locations';
import { Agent, UsageRecord } from '../../src/core/agents/records';
import { UsageIndex } from '../../src/core/usage/usageIndex';

export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/agent-logs');

export function rootsFor(...agents: Agent[]): AgentRoot[] {
  const dir: Record<Agent, string> = { 'claude-code': 'claude', codex: 'codex', gemini: 'gemini' };
  return agents.map(agent => ({ agent, dir: path.join(FIXTURES, dir[agent] ?? agent), explicit: true }));
}

export async function readFixtures(...agents: Agent[]) {
  const index = new UsageIndex({ roots: rootsFor(...agents), cacheFile: null });
  const result = await index.refresh();
  return { index, result, records: [...index.records()].sort((a, b) => a.timestamp - b.timestamp) };
}

export function sum(records: readonly UsageRecord[]) {
  const t = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
  for (const r of records) {
    t.requests++; t.input += r.usage.input; t.output += r.usage.output; t.cacheRead += r.usage.cacheRead;
    t.cacheWrite5m += r.usage.cacheWrite5m; t.cacheWrite1h += r.usage.cacheWrite1h;
  }
  return t;
}

/** An index over one trap's fixture tree under `traps/` (each trap is its own agent home). */
export async function readTrap(trap: string, agent: Agent) {
  const index = new UsageIndex({ roots: [{ agent, dir: path.join(FIXTURES, 'traps', trap), explicit: true }], cacheFile: null });
  const result = await index.refresh();
  return { index, result, records: [...index.records()].sort((a, b) => a.timestamp - b.timestamp || a.key.localeCompare(b.key)) };
}

/** Everything the model read: uncached input + cache reads + cache writes (the agents' own "input"). */
export function promptOf(records: readonly UsageRecord[]): number {
  let n = 0;
  for (const r of records) n += r.usage.input + r.usage.cacheRead + r.usage.cacheWrite5m + r.usage.cacheWrite1h;
  return n;
}
