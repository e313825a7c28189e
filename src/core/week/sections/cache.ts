// Prompt caching: how much of the input was read from the cache, what that saved, what writing it cost.
import { basisOf } from '../../agents/index';
import { promptTokens, ratesFor } from '../../cost';
import { Accumulator, round6 } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { CacheSection } from '../types';

export function cache(input: WeekInput): CacheSection {
  const total = new Accumulator();
  let savings = 0, writePremium = 0;
  for (const { r, model, cost } of input.records) {
    total.add(r.usage, cost, basisOf(r), !r.aggregate);
    if (!model) continue;
    const rates = ratesFor(model, promptTokens(r.usage));
    savings += (r.usage.cacheRead * (rates.input - rates.cacheRead)) / 1e6;
    writePremium += (r.usage.cacheWrite5m * (rates.cacheWrite5m - rates.input) + r.usage.cacheWrite1h * (rates.cacheWrite1h - rates.input)) / 1e6;
  }
  const readable = total.promptTokens;
  return {
    readShare: readable > 0 ? total.cacheRead / readable : null, cacheReadTokens: total.cacheRead, promptTokens: readable,
    cacheWriteTokens: total.cacheCreation, savingsUSD: round6(savings), writePremiumUSD: round6(writePremium),
  };
}
