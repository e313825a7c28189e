// The cheaper-tier counterfactual: small frontier-model turns priced as if the family's cheaper tier
// had done them. Not money spent or saved: the note says so wherever it is shown.
import type { ModelInfo } from '../../catalog';
import { requestCost } from '../../cost';
import { round6 } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { CheaperRow, WeekSummary } from '../types';

/** A frontier request with less output than this is a small turn a cheaper tier could do. */
export const SMALL_TURN_OUTPUT = 1000;

export function cheaperTier(input: WeekInput): WeekSummary['cheaperTier'] {
  const alternatives = new Map<string, ModelInfo | null>();
  const cheaperOf = (m: ModelInfo): ModelInfo | null => {
    let a = alternatives.get(m.id);
    if (a === undefined) { a = input.catalog.cheaperAlternatives(m)[0] ?? null; alternatives.set(m.id, a); }
    return a;
  };
  const rows = new Map<string, CheaperRow>();
  for (const { r, model, cost } of input.records) {
    if (!model || model.tier !== 'frontier' || r.usage.output >= SMALL_TURN_OUTPUT || cost === null) continue;
    const alt = cheaperOf(model);
    const altCost = alt ? requestCost(alt, r.usage) : null;
    if (!alt || altCost === null) continue;
    const key = `${r.model}\0${alt.id}`;
    let c = rows.get(key);
    if (!c) rows.set(key, (c = { model: r.model, alternative: alt.id, requests: 0, actualUSD: 0, alternativeUSD: 0, savingsUSD: 0 }));
    c.requests++; c.actualUSD += cost; c.alternativeUSD += altCost;
  }
  const out = [...rows.values()].map(c => ({ ...c, actualUSD: round6(c.actualUSD), alternativeUSD: round6(c.alternativeUSD), savingsUSD: round6(c.actualUSD - c.alternativeUSD) }))
    .sort((a, b) => b.savingsUSD - a.savingsUSD);
  return {
    counterfactual: true,
    note: `Counterfactual: frontier-model requests with under ${SMALL_TURN_OUTPUT.toLocaleString('en-US')} output tokens, priced as if the same tokens had gone to the family's cheaper tier. Not money you spent or will get back.`,
    rows: out, savingsUSD: round6(out.reduce((n, c) => n + c.savingsUSD, 0)), smallTurnOutputTokens: SMALL_TURN_OUTPUT,
  };
}
