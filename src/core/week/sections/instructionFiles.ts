// Always-loaded instruction files (each agent's CLAUDE.md, AGENTS.md, ... from its adapter): their
// tokens times this week's requests in their project, at the model's input price.
import path from 'node:path';
import { ADAPTERS } from '../../agents/index';
import type { AgentId, UsageRecord } from '../../agents/records';
import type { WeekRange } from '../../time';
import { round6 } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { InstructionCost, InstructionFile, WeekSummary } from '../types';

/** Every agent's always-loaded instruction file names, in the adapters' order. */
export function instructionFileNames(): string[] {
  return [...new Set(ADAPTERS.flatMap(a => a.instructionFiles))];
}

/**
 * Always-loaded instruction files in the projects of this week's requests, each agent's own files
 * (from its adapter), measured with o200k (≈ unless the adapter says its models count with it).
 * `tokensOf` caches (e.g. `ActivityCache.fileTokens`).
 */
export async function measureInstructionFiles(projects: Iterable<string>, tokensOf: (file: string) => Promise<number | null>, agentsByProject?: Map<string, Set<AgentId>>): Promise<InstructionFile[]> {
  const out: InstructionFile[] = [];
  for (const project of new Set(projects)) {
    if (!path.isAbsolute(project)) continue;
    const agents = agentsByProject?.get(project);
    for (const a of ADAPTERS) {
      if (agents && !agents.has(a.id)) continue;
      for (const name of a.instructionFiles) {
        const file = path.join(project, name);
        const tokens = await tokensOf(file);
        if (tokens === null) continue;
        out.push({ project, agent: a.id, path: file, tokens, approximate: !a.instructionTokensExact });
      }
    }
  }
  return out;
}

/** Projects with requests in the week of `range`, with the agents that worked in them. */
export function weekProjects(records: readonly UsageRecord[], range: Pick<WeekRange, 'startMs' | 'endMs'>): Map<string, Set<AgentId>> {
  const out = new Map<string, Set<AgentId>>();
  for (const r of records) {
    if (r.timestamp < range.startMs || r.timestamp >= range.endMs) continue;
    let s = out.get(r.project);
    if (!s) out.set(r.project, (s = new Set()));
    s.add(r.agent);
  }
  return out;
}

export function instructionFiles(input: WeekInput): WeekSummary['instructionFiles'] {
  const byProject = new Map<string, { n: number; models: Map<string, number> }>();
  for (const s of input.sessions) {
    for (const r of s.records) {
      let p = byProject.get(`${r.project}\0${r.agent}`);
      if (!p) byProject.set(`${r.project}\0${r.agent}`, (p = { n: 0, models: new Map() }));
      p.n++;
      p.models.set(r.model, (p.models.get(r.model) ?? 0) + 1);
    }
  }
  const files: InstructionCost[] = (input.opts.instructionFiles ?? []).map(f => {
    const p = byProject.get(`${f.project}\0${f.agent}`);
    let model: string | null = null, most = 0, cost = 0;
    for (const [m, n] of p?.models ?? []) {
      if (n > most) { most = n; model = m; }
      const info = input.modelOf(m);
      if (info) cost += (f.tokens * n * info.rates.input) / 1e6;
    }
    return { ...f, projectName: input.projectName(f.project), requests: p?.n ?? 0, model, costUSD: p ? round6(cost) : 0 };
  }).sort((a, b) => (b.costUSD ?? 0) - (a.costUSD ?? 0));
  return {
    files, costUSD: round6(files.reduce((n, f) => n + (f.costUSD ?? 0), 0)),
    note: 'Tokens of each file × this week\'s requests in its project × the model\'s input price (an upper bound: cached reads cost less). Counts for Claude and Gemini models are ≈ (o200k tokenizer).',
    names: instructionFileNames(),
  };
}
