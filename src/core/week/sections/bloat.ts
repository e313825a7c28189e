// Context bloat: sessions whose main conversation ran above BLOAT_WARN of the context window, what
// their long turns cost, and what they would have cost at a compacted size.
import { promptTokens, requestCost } from '../../cost';
import { round6 } from '../../usage/totals';
import { isSubagent, peakContext, WeekInput } from '../gather';
import type { BloatSession, WeekSummary } from '../types';

/** Share of the context window above which a session is bloated, and above which it is critical. */
export const BLOAT_WARN = 0.6;
export const BLOAT_CRITICAL = 0.85;
/** The size a bloated turn is compared against: the same turn after a compaction. */
export const COMPACTED_SHARE = 0.3;

export function contextBloat(input: WeekInput): WeekSummary['contextBloat'] {
  const sessions: BloatSession[] = [];
  for (const s of input.sessions) {
    const peak = peakContext(s, input.modelOf);
    if (!peak || peak.share < BLOAT_WARN) continue;
    let longTurns = 0, longUSD = 0, compactUSD = 0;
    for (const r of s.records) {
      if (isSubagent(r.file)) continue;
      const m = input.modelOf(r.model);
      const w = m?.contextWindow;
      if (!m || !w || r.contextTokens / w < BLOAT_WARN) continue;
      const actual = requestCost(m, r.usage) ?? 0;
      const prompt = promptTokens(r.usage);
      const f = prompt > 0 ? Math.min(1, (COMPACTED_SHARE * w) / prompt) : 1;
      const compacted = requestCost(m, { input: Math.round(r.usage.input * f), output: r.usage.output, cacheRead: Math.round(r.usage.cacheRead * f),
        cacheWrite5m: Math.round(r.usage.cacheWrite5m * f), cacheWrite1h: Math.round(r.usage.cacheWrite1h * f) }) ?? 0;
      longTurns++; longUSD += actual; compactUSD += compacted;
    }
    sessions.push({ agent: s.agent, sessionId: s.sessionId, project: s.project, projectName: input.projectName(s.project), model: s.topModel,
      contextWindow: peak.window, maxContextTokens: peak.tokens, maxShare: peak.share, level: peak.share >= BLOAT_CRITICAL ? 'critical' : 'warning',
      longTurns, longTurnsUSD: round6(longUSD), compactedUSD: round6(compactUSD), savingsUSD: round6(longUSD - compactUSD) });
  }
  return {
    sessions: sessions.sort((a, b) => b.savingsUSD - a.savingsUSD),
    longTurnsUSD: round6(sessions.reduce((n, b) => n + b.longTurnsUSD, 0)), compactedUSD: round6(sessions.reduce((n, b) => n + b.compactedUSD, 0)),
    savingsUSD: round6(sessions.reduce((n, b) => n + b.savingsUSD, 0)), compactedShare: COMPACTED_SHARE,
  };
}
