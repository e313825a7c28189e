// The compaction ledger: each compaction's summarising call plus rebuilding the cache after it, warm
// (the first request after it came within the cache TTL of the last one before) or cold, and loops
// (several compactions in one session).
import type { UsageRecord } from '../agents/records';
import { requestCost } from '../cost';
import { LeakContext, inRange, isCompactFork, rebuildCost, round6, ttlOf } from './streams';

export interface Compaction {
  agent: string; sessionId: string;
  /** The boundary line's own timestamp. */
  timestamp: string;
  warm: boolean;
  /** Summary + rebuild. */
  costUSD: number;
  /** The summarising call, null when the log does not show it (newer Claude Code builds make it unlogged). */
  summaryUSD: number | null;
  rebuildUSD: number;
  /** This session's compactions in the range: 2 or more is a loop. */
  inSession: number;
}

const SUMMARY_WINDOW_MS = 10 * 60_000;

export function compactions(ctx: LeakContext): Compaction[] {
  const out: Compaction[] = [];
  const cost = (r: UsageRecord) => requestCost(ctx.modelOf(r.model), r.usage) ?? 0;
  // older Claude Code builds summarise in a forked `agent-acompact-*` transcript of the session
  const forks = new Map<string, UsageRecord[]>();
  for (const s of ctx.streams) if (isCompactFork(s.file)) forks.set(s.sessionId, [...(forks.get(s.sessionId) ?? []), ...s.records]);
  for (const s of ctx.streams) {
    if (isCompactFork(s.file)) continue;
    for (const c of s.facts.compactions) {
      if (!inRange(ctx.range, c)) continue;
      let before: UsageRecord | undefined, after: UsageRecord | undefined;
      for (const r of s.records) { if (r.timestamp < c) before = r; else { after = r; break; } }
      let summary: number | null = null;
      if (s.agent === 'codex') summary = before ? cost(before) : null; // a local compaction's summary is the request just before it
      else {
        const fork = (forks.get(s.sessionId) ?? []).filter(r => r.timestamp <= c && r.timestamp >= c - SUMMARY_WINDOW_MS);
        if (fork.length) summary = fork.reduce((n, r) => n + cost(r), 0);
      }
      const rebuild = after ? rebuildCost(ctx, after) : 0;
      const warm = !!(before && after && after.timestamp - before.timestamp <= ttlOf(before));
      out.push({ agent: s.agent, sessionId: s.sessionId, timestamp: new Date(c).toISOString(), warm,
        costUSD: round6((summary ?? 0) + rebuild), summaryUSD: summary === null ? null : round6(summary), rebuildUSD: round6(rebuild), inSession: 0 });
    }
  }
  const per = new Map<string, number>();
  for (const c of out) per.set(`${c.agent}\0${c.sessionId}`, (per.get(`${c.agent}\0${c.sessionId}`) ?? 0) + 1);
  for (const c of out) c.inSession = per.get(`${c.agent}\0${c.sessionId}`)!;
  return out.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
}
