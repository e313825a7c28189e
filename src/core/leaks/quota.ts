// Plan quota by session (Codex `rate_limits`, which are account-wide): per limit and window, every
// observation in time order; the rise since the previous observation goes to the session of the later
// one, and when the window restarts (a new `resets_at`) the new value counts in full. In percentage
// points. An observation counts only where its token_count is a request the index kept for that
// thread: replayed parent history in a child thread carries the parent's old observations.
import type { RateObsWindow } from './facts';
import { LeakContext, inRange } from './streams';

export type QuotaWindow = '5h' | 'weekly';
export interface QuotaRow { sessionId: string; window: QuotaWindow; percent: number }

function windowName(w: RateObsWindow, slot: 'primary' | 'secondary'): QuotaWindow {
  if (w.windowMinutes === 300) return '5h';
  if (w.windowMinutes === 10_080) return 'weekly';
  return slot === 'primary' ? '5h' : 'weekly';
}

/** A new `resets_at` (beyond the jitter of one computed from `resets_in_seconds`) is a new window. */
function restarted(prev: RateObsWindow, cur: RateObsWindow): boolean {
  if (prev.resetsAt === null || cur.resetsAt === null) return prev.resetsAt !== cur.resetsAt;
  return Math.abs(cur.resetsAt - prev.resetsAt) > 120_000;
}

export function quota(ctx: LeakContext): QuotaRow[] {
  const obs: { t: number; sessionId: string; limitId: string | null; slot: 'primary' | 'secondary'; w: RateObsWindow }[] = [];
  for (const s of ctx.streams) {
    if (!s.facts.rateObs.length) continue;
    const billed = new Set(s.records.map(r => r.timestamp));
    for (const o of s.facts.rateObs) {
      if (!billed.has(o.t)) continue;
      if (o.primary) obs.push({ t: o.t, sessionId: s.sessionId, limitId: o.limitId, slot: 'primary', w: o.primary });
      if (o.secondary) obs.push({ t: o.t, sessionId: s.sessionId, limitId: o.limitId, slot: 'secondary', w: o.secondary });
    }
  }
  obs.sort((a, b) => a.t - b.t);
  const last = new Map<string, RateObsWindow>();
  const per = new Map<string, QuotaRow>();
  for (const o of obs) {
    const name = windowName(o.w, o.slot);
    const lk = `${o.limitId ?? ''}\0${name}`;
    const prev = last.get(lk);
    last.set(lk, o.w);
    // the first observation has no baseline: what it shows was used before anything we saw
    if (!prev) continue;
    const rise = restarted(prev, o.w) ? o.w.usedPercent : Math.max(0, o.w.usedPercent - prev.usedPercent);
    if (!rise || !inRange(ctx.range, o.t)) continue;
    const key = `${o.sessionId}\0${name}`;
    let row = per.get(key);
    if (!row) per.set(key, (row = { sessionId: o.sessionId, window: name, percent: 0 }));
    row.percent += rise;
  }
  return [...per.values()].map(r => ({ ...r, percent: Math.round(r.percent * 100) / 100 })).sort((a, b) => b.percent - a.percent);
}
