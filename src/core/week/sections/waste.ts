// Waste findings, priced at each session's main model's input price (estimates): files read again and
// again, oversized tool results, cache writes never read back, retry loops.
import { promptTokens, ratesFor } from '../../cost';
import { round6 } from '../../usage/totals';
import { isSubagent, WeekInput } from '../gather';
import type { SessionValue, WasteFinding, WasteItem, WasteKind, WeekSummary } from '../types';

/** A session whose last request wrote at least this much to the cache, never read back. */
export const LARGE_CACHE_WRITE = 20_000;
/** Tool-result size (estimated tokens) a capped command would keep. */
export const CAPPED_RESULT_TOKENS = 1000;

/** A session that ended right after a big cache write (now expired) paid the write premium for nothing. */
function unreadCacheWrites(input: WeekInput): WasteItem[] {
  const out: WasteItem[] = [];
  for (const s of input.sessions) {
    const mains = s.records.filter(r => !isSubagent(r.file));
    const last = mains[mains.length - 1];
    if (!last) continue;
    const lastWrite = last.usage.cacheWrite5m + last.usage.cacheWrite1h;
    const expired = input.now - last.timestamp > (last.usage.cacheWrite1h > 0 ? 3_600_000 : 300_000);
    if (lastWrite < LARGE_CACHE_WRITE || !expired) continue;
    const m = input.modelOf(last.model);
    if (!m) continue;
    const rates = ratesFor(m, promptTokens(last.usage));
    const premium = (last.usage.cacheWrite5m * (rates.cacheWrite5m - rates.input) + last.usage.cacheWrite1h * (rates.cacheWrite1h - rates.input)) / 1e6;
    out.push({ sessionId: s.sessionId, project: s.project, detail: `${lastWrite.toLocaleString('en-US')} tokens written on the last request (${m.id})`, count: 1, tokens: lastWrite, costUSD: round6(Math.max(0, premium)) });
  }
  return out;
}

export function waste(input: WeekInput, values: readonly SessionValue[]): WeekSummary['waste'] {
  const activity = new Map(input.sessions.map(s => [`${s.agent}\0${s.sessionId}`, s.activity]));
  const repeated: WasteItem[] = [], big: WasteItem[] = [], loops: WasteItem[] = [];
  for (const v of values) {
    const act = activity.get(`${v.agent}\0${v.sessionId}`);
    if (!act) continue;
    const price = input.modelOf(v.model)?.rates.input ?? 0;
    for (const r of act.repeatedReads) {
      const extra = Math.round((r.tokens * (r.count - 1)) / r.count); // every read after the first
      repeated.push({ sessionId: v.sessionId, project: v.project, detail: r.path, count: r.count, tokens: extra, costUSD: round6((extra * price) / 1e6) });
    }
    for (const b of act.bigResults) {
      const extra = Math.max(0, b.tokens - CAPPED_RESULT_TOKENS);
      big.push({ sessionId: v.sessionId, project: v.project, detail: `${b.tool}${b.detail ? `: ${b.detail}` : ''}`, count: 1, tokens: extra, costUSD: round6((extra * price) / 1e6) });
    }
    for (const l of act.retryLoops) {
      loops.push({ sessionId: v.sessionId, project: v.project, detail: l.command, count: l.failures, tokens: l.tokens, costUSD: round6((l.tokens * price) / 1e6) });
    }
  }
  const finding = (kind: WasteKind, title: string, fix: string, items: WasteItem[]): WasteFinding => {
    items.sort((a, b) => b.costUSD - a.costUSD || b.tokens - a.tokens);
    return { kind, title, fix, items: items.slice(0, 20), tokens: items.reduce((n, i) => n + i.tokens, 0), costUSD: round6(items.reduce((n, i) => n + i.costUSD, 0)) };
  };
  const findings = [
    finding('repeated-reads', 'Same file read again and again', 'Keep the file in context or read only the lines you need (offset/limit) instead of re-reading the whole file.', repeated),
    finding('big-tool-results', 'Tool results over a few thousand tokens', 'Cap command output (pipe through `tail -n 50`, use quiet or summary reporters) so shell and test logs do not flood the context.', big),
    finding('unread-cache-writes', 'Cache writes never read back', 'Finish or clear a session before loading a large new context you will not follow up on: a cache write pays off only when a later turn reads it.', unreadCacheWrites(input)),
    finding('retry-loops', 'Retry loops', 'When a command fails twice, stop and change the approach (read the error, fix the cause) instead of letting the agent run it again.', loops),
  ].filter(f => f.items.length > 0);
  return { findings, tokens: findings.reduce((n, f) => n + f.tokens, 0), costUSD: round6(findings.reduce((n, f) => n + f.costUSD, 0)) };
}
