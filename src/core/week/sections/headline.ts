// The headline: the week's spend, tokens, requests and sessions, and their change from the week before.
import { basisOf } from '../../agents/index';
import { Accumulator, round6 } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { Headline } from '../types';

const pct = (cur: number, prev: number): number | null => (prev > 0 ? ((cur - prev) / prev) * 100 : null);

export function headline(input: WeekInput): Headline {
  const total = new Accumulator(), prev = new Accumulator();
  for (const w of input.records) total.add(w.r.usage, w.cost, basisOf(w.r), !w.r.aggregate);
  const prevSessions = new Set<string>();
  for (const w of input.previous) { prev.add(w.r.usage, w.cost, basisOf(w.r), !w.r.aggregate); prevSessions.add(`${w.r.agent}\0${w.r.sessionId}`); }
  const sessions = input.sessions.length, t = total.totals();
  return {
    spendUSD: t.costUSD, tokens: t.totalTokens, requests: t.requests, sessions,
    previous: { spendUSD: round6(prev.cost), tokens: prev.tokens, requests: prev.requests, sessions: prevSessions.size },
    change: {
      spendUSD: round6(total.cost - prev.cost), spendPercent: pct(total.cost, prev.cost), tokensPercent: pct(total.tokens, prev.tokens),
      requestsPercent: pct(total.requests, prev.requests), sessionsPercent: pct(sessions, prevSessions.size),
    },
  };
}
