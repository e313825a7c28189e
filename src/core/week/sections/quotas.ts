// The week's quotas (`tokenomics.quotas`): spend of each quota's projects against its weekly limit,
// by the same rule as the spend meter (`usage/quotas.ts`).
import { requestCost } from '../../cost';
import { parseQuotas, projectCosts, quotaStatus } from '../../usage/quotas';
import type { WeekInput } from '../gather';
import type { WeekSummary } from '../types';

export function quotas(input: WeekInput): Pick<WeekSummary, 'quotas' | 'quotaProblems'> {
  const { quotas: specs, problems } = parseQuotas(input.opts.quotas);
  if (!specs.length) return { quotas: [], quotaProblems: problems };
  const costs = projectCosts(input.records.map(w => w.r), r => requestCost(input.modelOf(r.model), r.usage), input.range);
  return {
    quotas: quotaStatus(specs, costs, { warnAtPercent: input.opts.warnAtPercent, sessionProjects: input.sessions.map(s => s.project) }),
    quotaProblems: problems,
  };
}
