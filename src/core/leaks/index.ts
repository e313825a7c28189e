// Where the money leaks: the five ledgers over one range, in the shape `tokenomics leaks --json` prints
// and `tokenomics week --format json` carries as `leaks`. Pure over usage records (as the index keeps
// them), transcript facts (`facts.ts`) and the catalog.
import type { Catalog } from '../catalog';
import type { UsageRecord } from '../agents/records';
import { CacheMiss, CAUSES, MissCause, cacheMisses } from './cacheMisses';
import { Compaction, compactions } from './compactions';
import type { FactsOf } from './facts';
import { QuotaRow, quota } from './quota';
import { LeakRange, buildContext, round6 } from './streams';
import { Subagent, subagents } from './subagents';
import { BigToolResult, ToolOutputRow, toolOutput } from './toolOutput';

export type { CacheMiss, Compaction, QuotaRow, Subagent, ToolOutputRow, BigToolResult, MissCause };

export interface LeakTotals {
  cacheMisses: { count: number; tokensRewritten: number; wastedUSD: number; byCause: Record<MissCause, number> };
  compactions: { count: number; warm: number; cold: number; costUSD: number; loopSessions: number; unloggedSummaries: number };
  subagents: { count: number; requests: number; costUSD: number };
  /** Tool output tokens are estimates (characters / 4); `largest` are the biggest single results. */
  toolOutput: { calls: number; tokens: number; costUSD: number; basis: 'estimate'; largest: BigToolResult[] };
  quota: { sessions: number; percentByWindow: Record<string, number> };
}

export interface Leaks {
  cacheMisses: CacheMiss[];
  compactions: Compaction[];
  subagents: Subagent[];
  toolOutput: ToolOutputRow[];
  quota: QuotaRow[];
  totals: LeakTotals;
}

/** The shape `tokenomics leaks --json` prints and `tokenomics week --format json` carries as `leaks`. */
export interface LeaksJson {
  cacheMisses: Pick<CacheMiss, 'agent' | 'sessionId' | 'timestamp' | 'cause' | 'reportedCause' | 'tokensRewritten' | 'wastedUSD'>[];
  compactions: Pick<Compaction, 'agent' | 'sessionId' | 'timestamp' | 'warm' | 'costUSD'>[];
  subagents: Pick<Subagent, 'agent' | 'sessionId' | 'subagent' | 'requests' | 'costUSD'>[];
  toolOutput: ToolOutputRow[];
  quota: QuotaRow[];
  totals: LeakTotals;
}

export function leaksJson(l: Leaks): LeaksJson {
  return {
    cacheMisses: l.cacheMisses.map(m => ({ agent: m.agent, sessionId: m.sessionId, timestamp: m.timestamp, cause: m.cause, reportedCause: m.reportedCause, tokensRewritten: m.tokensRewritten, wastedUSD: m.wastedUSD })),
    compactions: l.compactions.map(c => ({ agent: c.agent, sessionId: c.sessionId, timestamp: c.timestamp, warm: c.warm, costUSD: c.costUSD })),
    subagents: l.subagents.map(s => ({ agent: s.agent, sessionId: s.sessionId, subagent: s.subagent, requests: s.requests, costUSD: s.costUSD })),
    toolOutput: l.toolOutput.map(t => ({ agent: t.agent, tool: t.tool, server: t.server, calls: t.calls, tokens: t.tokens, costUSD: t.costUSD })),
    quota: l.quota.map(q => ({ sessionId: q.sessionId, window: q.window, percent: q.percent })),
    totals: l.totals,
  };
}

export interface LeakOptions {
  /** The mtime of a project's always-loaded instruction file (CLAUDE.md, AGENTS.md), if known. */
  instructionMtime?: (agent: string, project: string) => number | null;
}

export function computeLeaks(records: readonly UsageRecord[], range: LeakRange, catalog: Catalog, facts: FactsOf, opts: LeakOptions = {}): Leaks {
  const ctx = buildContext(records, range, catalog, facts, opts.instructionMtime);
  const misses = cacheMisses(ctx);
  const comps = compactions(ctx);
  const subs = subagents(ctx);
  const tools = toolOutput(ctx);
  const q = quota(ctx);
  const byCause = Object.fromEntries(CAUSES.map(c => [c, 0])) as Record<MissCause, number>;
  for (const m of misses) byCause[m.cause]++;
  const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((n, x) => n + f(x), 0);
  const percentByWindow: Record<string, number> = {};
  for (const r of q) percentByWindow[r.window] = Math.round(((percentByWindow[r.window] ?? 0) + r.percent) * 100) / 100;
  return {
    cacheMisses: misses, compactions: comps, subagents: subs, toolOutput: tools.rows, quota: q,
    totals: {
      cacheMisses: { count: misses.length, tokensRewritten: sum(misses, m => m.tokensRewritten), wastedUSD: round6(sum(misses, m => m.wastedUSD)), byCause },
      compactions: { count: comps.length, warm: comps.filter(c => c.warm).length, cold: comps.filter(c => !c.warm).length, costUSD: round6(sum(comps, c => c.costUSD)),
        loopSessions: new Set(comps.filter(c => c.inSession >= 2).map(c => `${c.agent}\0${c.sessionId}`)).size, unloggedSummaries: comps.filter(c => c.summaryUSD === null).length },
      subagents: { count: subs.length, requests: sum(subs, s => s.requests), costUSD: round6(sum(subs, s => s.costUSD)) },
      toolOutput: { calls: sum(tools.rows, r => r.calls), tokens: sum(tools.rows, r => r.tokens), costUSD: round6(sum(tools.rows, r => r.costUSD)), basis: 'estimate', largest: tools.largest },
      quota: { sessions: new Set(q.map(r => r.sessionId)).size, percentByWindow },
    },
  };
}
