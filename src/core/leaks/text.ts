// The leak ledgers in words: each ledger's total, its top items and the one fix worth making, for the
// weekly summary (webview and Markdown) and `tokenomics leaks`. Pure and free of Node modules: the
// webview bundles it. Money and counts come formatted by the caller, so every output agrees.
import type { LeaksJson } from './index';

export interface LeakLedgerText {
  title: string;
  total: string;
  fix: string;
  head: string[];
  rows: string[][];
}

export interface LeakFormat { money(v: number): string; int(v: number): string }

const TOP = 5;
const short = (id: string) => id.slice(0, 8);

const CAUSE_FIX: Record<string, string> = {
  'ttl-expired': 'raise the cache TTL (1-hour cache writes) or keep sessions warm: a pause past the TTL rewrites the whole prompt',
  'instructions-changed': 'stop editing CLAUDE.md / AGENTS.md mid-session: every change rewrites the cache',
  'model-switch': 'choose the model when the session starts: switching models rewrites the cache',
  'tools-changed': 'connect MCP servers before the session starts: a changed tool list rewrites the cache',
  compaction: 'compact before the cache expires, so the summary is read warm',
  unknown: 'the logs do not say why; Claude Code 2.1.119+ records its own reason',
};

export function leakLedgers(l: LeaksJson, f: LeakFormat): LeakLedgerText[] {
  const t = l.totals;
  const out: LeakLedgerText[] = [];
  const causes = Object.entries(t.cacheMisses.byCause).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const topCause = causes[0]?.[0];
  out.push({
    title: 'Cache misses',
    total: t.cacheMisses.count
      ? `${f.int(t.cacheMisses.count)} cache rewrites mid-session, ${f.int(t.cacheMisses.tokensRewritten)} tokens, ${f.money(t.cacheMisses.wastedUSD)} over reading them (${causes.map(([c, n]) => `${c} ${n}`).join(', ')}).`
      : 'No cache rewrites mid-session.',
    fix: topCause ? `Fix: ${CAUSE_FIX[topCause] ?? CAUSE_FIX.unknown}.` : '',
    head: ['When', 'Session', 'Cause', 'Tokens', 'Wasted'],
    rows: [...l.cacheMisses].sort((a, b) => b.wastedUSD - a.wastedUSD).slice(0, TOP)
      .map(m => [m.timestamp.slice(0, 16).replace('T', ' '), short(m.sessionId), m.reportedCause ? `${m.cause} (${m.reportedCause})` : m.cause, f.int(m.tokensRewritten), f.money(m.wastedUSD)]),
  });
  out.push({
    title: 'Compactions',
    total: t.compactions.count
      ? `${f.int(t.compactions.count)} compactions (${t.compactions.warm} warm, ${t.compactions.cold} cold), ${f.money(t.compactions.costUSD)} for summaries and cache rebuilds${t.compactions.loopSessions ? `; ${t.compactions.loopSessions} session(s) compacted more than once` : ''}${t.compactions.unloggedSummaries ? `; ${t.compactions.unloggedSummaries} summarising call(s) not in the logs (a lower bound)` : ''}.`
      : 'No compactions.',
    fix: t.compactions.count ? (t.compactions.loopSessions ? 'Fix: a session that compacts again and again is better restarted with a short brief.' : 'Fix: compact before the cache expires (within its TTL of the last request), so the rebuild reads a warm cache.') : '',
    head: ['When', 'Session', 'Warm', 'Cost'],
    rows: [...l.compactions].sort((a, b) => b.costUSD - a.costUSD).slice(0, TOP).map(c => [c.timestamp.slice(0, 16).replace('T', ' '), short(c.sessionId), c.warm ? 'warm' : 'cold', f.money(c.costUSD)]),
  });
  const topSub = l.subagents[0];
  out.push({
    title: 'Sub-agents',
    total: t.subagents.count ? `${f.int(t.subagents.count)} sub-agents made ${f.int(t.subagents.requests)} requests for ${f.money(t.subagents.costUSD)}.` : 'No sub-agents.',
    fix: topSub ? `Fix: give sub-agent ${topSub.subagent} (${f.money(topSub.costUSD)}) a smaller model.` : '',
    head: ['Session', 'Sub-agent', 'Requests', 'Cost'],
    rows: l.subagents.slice(0, TOP).map(s => [short(s.sessionId), s.subagent, f.int(s.requests), f.money(s.costUSD)]),
  });
  const topTool = [...l.toolOutput].sort((a, b) => (b.costUSD ?? 0) - (a.costUSD ?? 0))[0];
  out.push({
    title: 'Tool output',
    total: t.toolOutput.calls ? `≈${f.int(t.toolOutput.tokens)} tokens returned by ${f.int(t.toolOutput.calls)} tool calls; carrying them in later requests cost ≈${f.money(t.toolOutput.costUSD)} (estimates: characters / 4).` : 'No tool output.',
    fix: topTool ? `Fix: cap ${topTool.tool}'s output${topTool.server ? ` (MCP server ${topTool.server})` : ''}: ≈${f.int(topTool.tokens)} tokens, ≈${f.money(topTool.costUSD ?? 0)} carried.` : '',
    head: ['Tool', 'Server', 'Calls', 'Tokens', 'Carried'],
    rows: l.toolOutput.slice(0, TOP).map(r => [r.tool, r.server ?? '—', f.int(r.calls), `≈${f.int(r.tokens)}`, `≈${f.money(r.costUSD ?? 0)}`]),
  });
  const topQ = l.quota[0];
  out.push({
    title: 'Plan quota by session',
    total: l.quota.length ? `${Object.entries(t.quota.percentByWindow).map(([w, p]) => `${p} points of the ${w} window`).join(', ')} across ${t.quota.sessions} session(s).` : 'No plan usage reported (Codex rate limits).',
    fix: topQ ? `Session ${short(topQ.sessionId)} used ${topQ.percent} points of your ${topQ.window === 'weekly' ? 'week' : '5-hour window'}.` : '',
    head: ['Session', 'Window', 'Points'],
    rows: l.quota.slice(0, TOP).map(q => [short(q.sessionId), q.window, String(q.percent)]),
  });
  return out;
}
