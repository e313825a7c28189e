// The cache-miss ledger: every request, not the first of its stream, that wrote at least 20,000
// tokens to the prompt cache while reading fewer than it wrote (Codex: uncached input against cached
// input), with its cause and what rewriting the cache cost over reading it.
import type { UsageRecord } from '../agents/records';
import { LeakContext, Stream, anyBetween, inRange, ratesOf, round6, ttlOf } from './streams';

export const MISS_MIN_TOKENS = 20_000;
/** In priority order: where several apply, the first names the miss. */
export const CAUSES = ['compaction', 'model-switch', 'tools-changed', 'instructions-changed', 'ttl-expired', 'unknown'] as const;
export type MissCause = (typeof CAUSES)[number];

export interface CacheMiss {
  agent: string; sessionId: string; timestamp: string;
  /** The agent's own diagnosis where it gave one that names a cause, else the inferred one. */
  cause: MissCause;
  /** What the logs alone say, without the agent's diagnosis. */
  inferredCause: MissCause;
  /** Claude Code's `cache_miss_reason.type` (2.1.119+), else null. */
  reportedCause: string | null;
  tokensRewritten: number;
  wastedUSD: number;
  model: string;
  /** Minutes since the stream's previous request. */
  gapMinutes: number;
  file: string;
}

/** Claude Code's reported types that name one of our causes; the others leave the inferred one. */
const REPORTED: Record<string, MissCause> = { model_changed: 'model-switch', tools_changed: 'tools-changed', system_changed: 'instructions-changed' };

/** Tokens the request rewrote when it is a miss by the ledger's rule, else 0. */
export function rewritten(r: UsageRecord): number {
  const u = r.usage;
  const write = u.cacheWrite5m + u.cacheWrite1h;
  if (write > 0) return write >= MISS_MIN_TOKENS && u.cacheRead < write ? write : 0;
  if (r.agent === 'codex') return u.input >= MISS_MIN_TOKENS && u.cacheRead < u.input ? u.input : 0;
  return 0;
}

/** Rewrite priced at the cache-write rate minus the same tokens at the cache-read rate (Codex: input rate). */
export function wastedUSD(ctx: LeakContext, r: UsageRecord): number {
  const rates = ratesOf(ctx, r);
  if (!rates) return 0;
  const u = r.usage;
  if (u.cacheWrite5m + u.cacheWrite1h > 0) {
    return (u.cacheWrite5m * (rates.cacheWrite5m - rates.cacheRead) + u.cacheWrite1h * (rates.cacheWrite1h - rates.cacheRead)) / 1e6;
  }
  return (u.input * (rates.input - rates.cacheRead)) / 1e6;
}

export function inferCause(ctx: LeakContext, s: Stream, prev: UsageRecord, r: UsageRecord): MissCause {
  const f = s.facts;
  if (anyBetween(f.compactions, prev.timestamp, r.timestamp, false, true)) return 'compaction';
  if (prev.model !== r.model) return 'model-switch';
  if (anyBetween(f.toolsChanged, prev.timestamp, r.timestamp, false, true)) return 'tools-changed';
  // an edit made by the previous request's tool call lands before this request
  if (anyBetween(f.instructionsChanged, prev.timestamp, r.timestamp, true, false)) return 'instructions-changed';
  const mtime = ctx.instructionMtime(r.agent, r.project);
  if (mtime !== null && mtime > prev.timestamp && mtime < r.timestamp) return 'instructions-changed';
  if (r.timestamp - prev.timestamp > ttlOf(r)) return 'ttl-expired';
  return 'unknown';
}

// facts key Claude's diagnoses by the same (message id, request id) key as the record
const reportedOf = (s: Stream, r: UsageRecord): string | null =>
  Object.hasOwn(s.facts.missReasons, r.key) ? s.facts.missReasons[r.key]! : null;

export function cacheMisses(ctx: LeakContext): CacheMiss[] {
  const out: CacheMiss[] = [];
  for (const s of ctx.streams) {
    for (let i = 1; i < s.records.length; i++) {
      const r = s.records[i]!, prev = s.records[i - 1]!;
      if (!inRange(ctx.range, r.timestamp)) continue;
      const tokens = rewritten(r);
      if (!tokens) continue;
      const inferredCause = inferCause(ctx, s, prev, r);
      const reportedCause = reportedOf(s, r);
      out.push({
        agent: r.agent, sessionId: r.sessionId, timestamp: new Date(r.timestamp).toISOString(),
        cause: (reportedCause && REPORTED[reportedCause]) || inferredCause, inferredCause, reportedCause,
        tokensRewritten: tokens, wastedUSD: round6(wastedUSD(ctx, r)), model: r.model,
        gapMinutes: Math.round((r.timestamp - prev.timestamp) / 6000) / 10, file: s.file,
      });
    }
  }
  return out.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.sessionId.localeCompare(b.sessionId));
}
