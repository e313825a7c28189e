// Plan quota by session (Codex `rate_limits`, which are account-wide): per window, every observation
// in time order; the rise since the previous observation goes to the session of the later one, and
// when the window restarts (a new `resets_at`) the new value counts in full. In percentage points.
import type { RateLimitWindow } from '../agents/records';
import { LeakContext, inRange } from './streams';

export type QuotaWindow = '5h' | 'weekly';
export interface QuotaRow { sessionId: string; window: QuotaWindow; percent: number }

function windowName(w: RateLimitWindow, slot: 'primary' | 'secondary'): QuotaWindow {
  if (w.windowMinutes === 300) return '5h';
  if (w.windowMinutes === 10_080) return 'weekly';
  return slot === 'primary' ? '5h' : 'weekly';
}

/** A new `resets_at` (beyond the jitter of one computed from `resets_in_seconds`) is a new window. */
function restarted(prev: RateLimitWindow, cur: RateLimitWindow): boolean {
  if (prev.resetsAt === null || cur.resetsAt === null) return prev.resetsAt !== cur.resetsAt;
  return Math.abs(cur.resetsAt - prev.resetsAt) > 120_000;
}

export function quota(ctx: LeakContext): QuotaRow[] {
  const last = new Map<QuotaWindow, RateLimitWindow>();
  const per = new Map<string, QuotaRow>();
  for (const r of ctx.rateRecords) {
    for (const slot of ['primary', 'secondary'] as const) {
      const w = r.rateLimits?.[slot];
      if (!w || !Number.isFinite(w.usedPercent)) continue;
      const name = windowName(w, slot);
      const prev = last.get(name);
      last.set(name, w);
      // the first observation ever has no baseline: what it shows was used before anything we saw
      if (!prev) continue;
      const rise = restarted(prev, w) ? w.usedPercent : Math.max(0, w.usedPercent - prev.usedPercent);
      if (!rise || !inRange(ctx.range, r.timestamp)) continue;
      const key = `${r.sessionId}\0${name}`;
      let row = per.get(key);
      if (!row) per.set(key, (row = { sessionId: r.sessionId, window: name, percent: 0 }));
      row.percent += rise;
    }
  }
  return [...per.values()].map(r => ({ ...r, percent: Math.round(r.percent * 100) / 100 })).sort((a, b) => b.percent - a.percent);
}
