// Where the week's spend went: totals (the shape of `tokenomics report --json`'s), by model, by agent, by project.
import { basisOf } from '../../agents/index';
import type { AgentId } from '../../agents/records';
import { Accumulator, accOf, byCost, Totals } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { ModelRow, ProjectRow } from '../types';

export function breakdowns(input: WeekInput): { totals: Totals; models: ModelRow[]; agents: ({ agent: AgentId } & Totals)[]; projects: ProjectRow[] } {
  const total = new Accumulator();
  const models = new Map<string, Accumulator>(), agents = new Map<AgentId, Accumulator>(), projects = new Map<string, Accumulator>();
  for (const { r, cost } of input.records) {
    const b = basisOf(r), request = !r.aggregate;
    total.add(r.usage, cost, b, request);
    accOf(models, r.model).add(r.usage, cost, b, request);
    accOf(agents, r.agent).add(r.usage, cost, b, request);
    accOf(projects, r.project).add(r.usage, cost, b, request);
  }
  return {
    totals: total.totals(),
    // a model the catalog does not know is still priced when every request of it carried a cost (Cline reports its own)
    models: [...models].map(([model, a]) => { const m = input.modelOf(model); return { model, tier: m?.tier ?? null, priced: !!m || a.unpriced === 0, ...a.totals() }; }).sort(byCost),
    agents: [...agents].map(([agent, a]) => ({ agent, ...a.totals() })).sort(byCost),
    projects: [...projects].map(([project, a]) => ({ project, name: input.projectName(project), ...a.totals() })).sort(byCost),
  };
}
