// "Where it leaked": the leak ledgers (`core/leaks/`) over the summary's week, in the same shape as
// `tokenomics leaks --json`. Every record is passed, not just the week's: whether a request is the
// first of its stream, and the quota baseline, depend on what came before the week.
import { adapterOf, isAgentId } from '../../agents/index';
import type { UsageRecord } from '../../agents/records';
import { defaultFactsCache, instructionMtimes } from '../../leaks/facts';
import { LeaksJson, computeLeaks, leaksJson } from '../../leaks/index';
import type { WeekInput } from '../gather';

export function leaks(records: readonly UsageRecord[], input: WeekInput): LeaksJson {
  const o = input.opts;
  return leaksJson(computeLeaks(records, input.range, input.catalog, o.leakFacts ?? defaultFactsCache.get, {
    instructionMtime: o.instructionMtime ?? instructionMtimes(a => (isAgentId(a) ? adapterOf(a).instructionFiles : [])),
  }));
}
