// A stream is one transcript judged on its own: a session's main transcript, each sub-agent file,
// each Codex thread. Its requests are the usage records as the index keeps them (one per request,
// the winning copy), oldest first; a stream counts when it holds a request inside the range.
import type { Catalog, ModelInfo, Rates } from '../catalog';
import { promptTokens, ratesFor } from '../cost';
import type { UsageRecord } from '../agents/records';
import type { FactsOf, TranscriptFacts } from './facts';

export interface LeakRange { startMs: number; endMs: number }

export interface Stream {
  agent: string;
  /** The session id its records carry (a Claude sub-agent carries its parent's; a Codex child its own). */
  sessionId: string;
  file: string;
  records: UsageRecord[];
  facts: TranscriptFacts;
}

export interface LeakContext {
  range: LeakRange;
  streams: Stream[];
  modelOf(id: string): ModelInfo | null;
  /** Instants an always-loaded instruction file of a project was last modified (its mtime), if known. */
  instructionMtime(agent: string, project: string): number | null;
}

export const FIVE_MIN = 5 * 60_000;
const QUOTA_LOOKBACK_MS = 7 * 86_400_000;
export const ONE_HOUR = 60 * 60_000;

export const inRange = (range: LeakRange, t: number): boolean => t >= range.startMs && t < range.endMs;

export function ratesOf(ctx: LeakContext, r: UsageRecord): Rates | null {
  const m = ctx.modelOf(r.model);
  return m ? ratesFor(m, promptTokens(r.usage)) : null;
}

/** The cache TTL the request's writes live for: one hour when it writes mostly 1-hour cache. */
export function ttlOf(r: UsageRecord): number {
  return r.usage.cacheWrite1h > 0 && r.usage.cacheWrite1h >= r.usage.cacheWrite5m ? ONE_HOUR : FIVE_MIN;
}

/** What rebuilding the cache cost on this request: its cache write (Codex: its uncached input) at full rate. */
export function rebuildCost(ctx: LeakContext, r: UsageRecord): number {
  const rates = ratesOf(ctx, r);
  if (!rates) return 0;
  const u = r.usage;
  if (u.cacheWrite5m + u.cacheWrite1h > 0) return (u.cacheWrite5m * rates.cacheWrite5m + u.cacheWrite1h * rates.cacheWrite1h) / 1e6;
  return (u.input * rates.input) / 1e6;
}

export const isClaudeSubagent = (file: string): boolean => /[\\/]subagents[\\/]/.test(file);
/** Older Claude Code builds make the summarising call of a compaction in a fork: not a sub-agent. */
export const isCompactFork = (file: string): boolean => /[\\/]subagents[\\/]agent-acompact-[^\\/]*$/.test(file);

export function buildContext(records: readonly UsageRecord[], range: LeakRange, catalog: Catalog, facts: FactsOf,
  instructionMtime: (agent: string, project: string) => number | null = () => null): LeakContext {
  const byFile = new Map<string, UsageRecord[]>();
  const wanted = new Set<string>();
  for (const r of records) {
    let l = byFile.get(r.file);
    if (!l) byFile.set(r.file, (l = []));
    l.push(r);
    // Codex threads of the week before too: the plan-quota baseline is their last observation
    if (inRange(range, r.timestamp) || (r.agent === 'codex' && r.timestamp >= range.startMs - QUOTA_LOOKBACK_MS && r.timestamp < range.endMs)) wanted.add(r.file);
  }
  const streams: Stream[] = [];
  for (const file of wanted) {
    const recs = byFile.get(file)!.sort((a, b) => a.timestamp - b.timestamp);
    const first = recs[0]!;
    streams.push({ agent: first.agent, sessionId: first.sessionId, file, records: recs, facts: facts(file, first.agent) });
  }
  const memo = new Map<string, ModelInfo | null>();
  const modelOf = (id: string) => { if (!memo.has(id)) memo.set(id, catalog.resolve(id)); return memo.get(id)!; };
  return { range, streams, modelOf, instructionMtime };
}

/** Index of the first time in sorted `times` that is > t (strict) or >= t. */
export function firstAfter(times: readonly number[], t: number, strict = true): number {
  let lo = 0, hi = times.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (strict ? times[mid]! <= t : times[mid]! < t) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Any instant of sorted-or-not `times` inside [lo, hi] (bounds as given). */
export function anyBetween(times: readonly number[], lo: number, hi: number, loInclusive: boolean, hiInclusive: boolean): boolean {
  for (const t of times) if ((loInclusive ? t >= lo : t > lo) && (hiInclusive ? t <= hi : t < hi)) return true;
  return false;
}

export const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
