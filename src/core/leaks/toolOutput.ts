// Tool output: the tokens each tool (and each MCP server, `mcp__<server>__<tool>`) returned into the
// context, estimated from the result's characters, and what carrying them cost: every later request
// of the stream reads them again (from the cache) until the next compaction drops them.
import { LeakContext, firstAfter, inRange, ratesOf, round6 } from './streams';
import { mcpServer } from './facts';

export interface ToolOutputRow { agent: string; tool: string; server: string | null; calls: number; tokens: number; costUSD: number }
export interface BigToolResult { agent: string; sessionId: string; tool: string; tokens: number; timestamp: string; costUSD: number }

export const LARGEST_RESULTS = 10;

export function toolOutput(ctx: LeakContext): { rows: ToolOutputRow[]; largest: BigToolResult[] } {
  const rows = new Map<string, ToolOutputRow>();
  const big: BigToolResult[] = [];
  for (const s of ctx.streams) {
    if (!s.facts.toolResults.length) continue;
    const times = s.records.map(r => r.timestamp);
    // prefix sums of the cache-read rate (USD per token) over the stream's requests
    const prefix = [0];
    for (const r of s.records) prefix.push(prefix[prefix.length - 1]! + (ratesOf(ctx, r)?.cacheRead ?? 0) / 1e6);
    const compactions = [...s.facts.compactions].sort((a, b) => a - b);
    for (const res of s.facts.toolResults) {
      if (!inRange(ctx.range, res.t)) continue;
      const i = firstAfter(times, res.t);
      const nextCompaction = compactions[firstAfter(compactions, res.t)];
      const j = nextCompaction === undefined ? times.length : firstAfter(times, nextCompaction, false);
      const cost = j > i ? res.tokens * (prefix[j]! - prefix[i]!) : 0;
      const key = `${s.agent}\0${res.tool}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { agent: s.agent, tool: res.tool, server: mcpServer(res.tool), calls: 0, tokens: 0, costUSD: 0 }));
      row.calls++; row.tokens += res.tokens; row.costUSD += cost;
      big.push({ agent: s.agent, sessionId: s.sessionId, tool: res.tool, tokens: res.tokens, timestamp: new Date(res.t).toISOString(), costUSD: cost });
    }
  }
  const out = [...rows.values()].map(r => ({ ...r, costUSD: round6(r.costUSD) })).sort((a, b) => b.tokens - a.tokens);
  const largest = big.sort((a, b) => b.tokens - a.tokens).slice(0, LARGEST_RESULTS).map(b => ({ ...b, costUSD: round6(b.costUSD) }));
  return { rows: out, largest };
}
