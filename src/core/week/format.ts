// The weekly summary's formatting vocabulary: money, counts, changes, shares, durations, and the one
// list of sections every document (Markdown, text, the webview) is rendered from. Money always goes
// through `formatMoney` (to the cent), so every output agrees to the cent. Pure and free of Node
// modules: the webview bundles this file. Agent names come from the summary (`agentNames`).
import type { Basis } from '../agents/adapter';
import { basisMark } from '../usage/totals';
import type { AgentId, SessionValue, WeekSummary } from './types';

export { basisMark };
import { leakLedgers } from '../leaks/text';

/** The name of an agent as the summary lists it, or its id for one it does not. */
export function agentName(w: Pick<WeekSummary, 'agentNames'>, id: AgentId): string {
  return w.agentNames.find(a => a.id === id)?.displayName ?? id;
}

/** Agents with spend on some day of the week: the listed ones in their order, then any others. */
export function dayAgents(w: Pick<WeekSummary, 'agentNames' | 'days'>): AgentId[] {
  const present = new Set<AgentId>();
  for (const d of w.days) for (const a of Object.keys(d.byAgent)) present.add(a);
  const listed = w.agentNames.map(a => a.id).filter(id => present.has(id));
  return [...listed, ...[...present].filter(id => !listed.includes(id)).sort()];
}

/** 'a', 'a or b', 'a, b or c'. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

// made on first use: building a currency format loads ICU data (~18 ms), which every CLI command paid
// at start because this module is in its bundle, including the ones that print no money
let money: Intl.NumberFormat | undefined, integer: Intl.NumberFormat | undefined;

/** Dollars to the cent, e.g. `$1,234.56`: the one money format of every summary output. */
export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  // round once, to the cent, the same way everywhere (media/week.js does exactly this)
  const s = (money ??= new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }))
    .format(Math.round(v * 100) / 100);
  return s === '-$0.00' ? '$0.00' : s;
}
/** Money with four decimals for per-line costs, which are often fractions of a cent. */
export function formatSmallMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1 ? formatMoney(v) : `$${v.toFixed(4)}`;
}
export const formatInt = (n: number): string => (integer ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(Math.round(n));
export function formatChange(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'new';
  const r = Math.round(p);
  return r === 0 ? '±0%' : `${r > 0 ? '+' : '−'}${Math.abs(r)}%`;
}
export function formatShare(s: number | null): string {
  return s === null ? '—' : `${Math.round(s * 1000) / 10}%`;
}
export function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
/** Signed money change, e.g. `+$3.10` / `−$1.20`. */
export function formatMoneyChange(v: number): string {
  const s = formatMoney(Math.abs(v));
  return s === '$0.00' ? s : `${v > 0 ? '+' : '−'}${s}`;
}

/** The headline figures, exactly as every output shows them. */
/** A sentence naming the agents whose figures are lower bounds or estimates; null when all are exact. */
export function basisNote(w: WeekSummary): string | null {
  const of = (b: Basis) => w.agents.filter(a => a.basis === b).map(a => agentName(w, a.agent));
  const lower = of('lower-bound'), est = of('estimate');
  const parts = [
    lower.length ? `≥ lower bound for ${lower.join(', ')}: the log keeps only part of each request` : '',
    est.length ? `≈ estimate for ${est.join(', ')}: counted from text, not the provider's usage` : '',
  ].filter(Boolean);
  return parts.length ? `${parts.join('; ')}.` : null;
}

export function headlineTexts(w: WeekSummary): { spend: string; tokens: string; requests: string; sessions: string; change: string; week: string } {
  const h = w.headline, mark = basisMark(w.totals.basis);
  return {
    spend: `${mark}${formatMoney(h.spendUSD)}`, tokens: `${mark}${formatInt(h.tokens)}`, requests: formatInt(h.requests), sessions: formatInt(h.sessions),
    change: `${formatMoneyChange(h.change.spendUSD)} (${formatChange(h.change.spendPercent)}) vs previous week`,
    week: `${w.range.weekStart} – ${w.range.weekEnd}`,
  };
}

// ---- sections --------------------------------------------------------------------------------------

export type Align = 'l' | 'r';
export interface Table { head: string[]; align: Align[]; rows: string[][] }
export interface Section { title: string; text: string[]; table?: Table; after?: string[] }

const sessionLabel = (s: SessionValue) => `${s.projectName} · ${s.sessionId.slice(0, 8)}`;

export function sections(w: WeekSummary): Section[] {
  const h = headlineTexts(w);
  const out: Section[] = [];
  out.push({ title: 'Headline', text: [
    `Spend ${h.spend} · ${h.tokens} tokens · ${h.requests} requests · ${h.sessions} sessions`,
    `Change: ${h.change} (previous week ${formatMoney(w.headline.previous.spendUSD)}).`,
    `Week ${h.week} (${w.range.timezone}, ${w.range.hours} hours).`,
    ...[basisNote(w)].filter((n): n is string => n !== null),
  ] });
  const agents = dayAgents(w);
  const agentBasis = new Map(w.agents.map(a => [a.agent, a.basis]));
  out.push({ title: 'Spend per day', text: [], table: {
    head: ['Date', 'Spend', 'Requests', ...agents.map(a => agentName(w, a))],
    align: ['l', 'r', 'r', ...agents.map((): Align => 'r')],
    rows: w.days.map(d => [d.date, basisMark(d.basis) + formatMoney(d.costUSD), formatInt(d.requests), ...agents.map(a => basisMark(agentBasis.get(a)) + formatMoney(d.byAgent[a] ?? 0))]),
  } });
  out.push({ title: 'Totals', text: [], table: {
    head: ['Input', 'Output', 'Cache write', 'Cache read', 'Total tokens', 'Requests', 'Cost'], align: ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: [[formatInt(w.totals.inputTokens), formatInt(w.totals.outputTokens), formatInt(w.totals.cacheCreationTokens), formatInt(w.totals.cacheReadTokens),
      basisMark(w.totals.basis) + formatInt(w.totals.totalTokens), formatInt(w.totals.requests), basisMark(w.totals.basis) + formatMoney(w.totals.costUSD)]],
  } });
  out.push({ title: 'By model', text: [], table: { head: ['Model', 'Tier', 'Requests', 'Tokens', 'Spend'], align: ['l', 'l', 'r', 'r', 'r'],
    rows: w.models.map(m => [m.model, m.tier ?? 'unpriced', formatInt(m.requests), basisMark(m.basis) + formatInt(m.totalTokens), basisMark(m.basis) + formatMoney(m.costUSD)]) } });
  out.push({ title: 'By agent', text: [], table: { head: ['Agent', 'Requests', 'Tokens', 'Spend'], align: ['l', 'r', 'r', 'r'],
    rows: w.agents.map(a => [agentName(w, a.agent), formatInt(a.requests), basisMark(a.basis) + formatInt(a.totalTokens), basisMark(a.basis) + formatMoney(a.costUSD)]) } });
  out.push({ title: 'By project', text: [], table: { head: ['Project', 'Folder', 'Requests', 'Spend'], align: ['l', 'l', 'r', 'r'],
    rows: w.projects.map(p => [p.name, p.project, formatInt(p.requests), basisMark(p.basis) + formatMoney(p.costUSD)]) } });
  const c = w.cache;
  out.push({ title: 'Cache', text: [
    `Cache reads were ${formatShare(c.readShare)} of input (${formatInt(c.cacheReadTokens)} of ${formatInt(c.promptTokens)} prompt tokens); caching saved ${formatMoney(c.savingsUSD)} against paying full input price. Cache writes (${formatInt(c.cacheWriteTokens)} tokens) cost ${formatMoney(c.writePremiumUSD)} over plain input.`,
  ] });
  const v = w.value;
  out.push({ title: 'Value per token', text: [
    `${formatInt(v.filesChanged)} files and ${formatInt(v.linesChanged)} lines changed, ${formatInt(v.commits)} commits, ${formatInt(v.testRuns)} test runs; ${formatSmallMoney(v.costPerChangedLine)} per changed line, ${v.outputTokensPerChangedLine === null ? '—' : formatInt(v.outputTokensPerChangedLine)} output tokens per changed line.`,
  ], table: { head: ['Session', 'Spend', 'Files', 'Lines', 'Commits', 'Tests', '$/line', 'Output/line'], align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: v.sessions.slice(0, 15).map(s => [sessionLabel(s), formatMoney(s.costUSD), formatInt(s.filesChanged), formatInt(s.linesChanged), formatInt(s.commits), formatInt(s.testRuns),
      formatSmallMoney(s.costPerChangedLine), s.outputTokensPerChangedLine === null ? '—' : formatInt(s.outputTokensPerChangedLine)]) },
  after: v.wasteCandidates.length
    ? [`Waste candidates: ${v.wasteCandidates.length} session(s) over ${formatMoney(v.wasteThresholdUSD)} changed nothing: ${v.wasteCandidates.map(s => `${sessionLabel(s)} (${formatMoney(s.costUSD)})`).join(', ')}.`]
    : [`No session over ${formatMoney(v.wasteThresholdUSD)} ended without changes.`] });
  out.push({ title: 'Waste findings', text: w.waste.findings.length
    ? [`About ${formatInt(w.waste.tokens)} tokens, ${formatMoney(w.waste.costUSD)} (estimates).`, ...w.waste.findings.map(f => `${f.title}: ${formatInt(f.tokens)} tokens, ${formatMoney(f.costUSD)}, ${f.items.length} case(s). Fix: ${f.fix}`)]
    : ['None found.'] });
  const b = w.contextBloat;
  out.push({ title: 'Context bloat', text: b.sessions.length
    ? [`${b.sessions.length} session(s) ran above 60% of their context window; their long-context turns cost ${formatMoney(b.longTurnsUSD)}, ${formatMoney(b.compactedUSD)} at a compacted size (${Math.round(b.compactedShare * 100)}% of the window): ${formatMoney(b.savingsUSD)} more.`]
    : ['No session ran above 60% of its context window.'],
  table: b.sessions.length ? { head: ['Session', 'Model', 'Peak', 'Long turns', 'Cost', 'Compacted'], align: ['l', 'l', 'r', 'r', 'r', 'r'],
    rows: b.sessions.slice(0, 10).map(s => [`${s.projectName} · ${s.sessionId.slice(0, 8)}`, s.model, formatShare(s.maxShare), formatInt(s.longTurns), formatMoney(s.longTurnsUSD), formatMoney(s.compactedUSD)]) } : undefined });
  const ct = w.cheaperTier;
  out.push({ title: 'Cheaper tier (counterfactual)', text: [ct.note, ct.rows.length ? `Counterfactual saving: ${formatMoney(ct.savingsUSD)}.` : 'No small frontier-model turns this week.'],
    table: ct.rows.length ? { head: ['Model', 'Cheaper tier', 'Requests', 'Actual', 'Counterfactual'], align: ['l', 'l', 'r', 'r', 'r'],
      rows: ct.rows.map(r => [r.model, r.alternative, formatInt(r.requests), formatMoney(r.actualUSD), formatMoney(r.alternativeUSD)]) } : undefined });
  const i = w.instructionFiles;
  out.push({ title: 'Always-loaded instruction files', text: i.files.length ? [i.note, `Together: ${formatMoney(i.costUSD)}.`] : [`No ${orList(i.names)} in this week's projects.`],
    table: i.files.length ? { head: ['File', 'Tokens', 'Requests', 'Cost'], align: ['l', 'r', 'r', 'r'],
      rows: i.files.map(f => [f.path, `${f.approximate ? '≈' : ''}${formatInt(f.tokens)}`, formatInt(f.requests), formatMoney(f.costUSD)]) } : undefined });
  out.push({ title: 'Top sessions', text: [], table: { head: ['Project', 'Agent', 'Model', 'Duration', 'Spend', 'Transcript'], align: ['l', 'l', 'l', 'r', 'r', 'l'],
    rows: w.topSessions.map(s => [s.projectName, agentName(w, s.agent), s.model, formatDuration(s.durationMs), formatMoney(s.costUSD), s.file]) } });
  if (w.quotas.length || w.quotaProblems.length) {
    out.push({ title: 'Quotas', text: w.quotaProblems.map(p => `Invalid quota "${p.name}" (${p.field}): ${p.message}; ignored.`),
      table: w.quotas.length ? { head: ['Quota', 'Projects', 'Spent', 'Limit', 'Share'], align: ['l', 'l', 'r', 'r', 'r'],
        rows: w.quotas.map(q => [q.name, q.projects.join(', '), formatMoney(q.spentUSD), formatMoney(q.weeklyUSD), `${formatShare(q.share)}${q.status === 'over' ? ' over' : q.status === 'warning' ? ' !' : ''}`]) } : undefined });
  }
  if (w.leaks) {
    const ledgers = leakLedgers(w.leaks, { money: formatMoney, int: formatInt });
    out.push({ title: 'Where it leaked', text: ledgers.map(l => `${l.title}: ${l.total}${l.fix ? ` ${l.fix}` : ''}`) });
    for (const l of ledgers) if (l.rows.length) out.push({ title: `Where it leaked: ${l.title.toLowerCase()}`, text: [], table: { head: l.head, align: l.head.map((_, i): Align => (i < 2 ? 'l' : 'r')), rows: l.rows } });
  }
  if (w.skipped.unpricedRequests || w.skipped.malformedLines) {
    out.push({ title: 'Notes', text: [`${w.skipped.unpricedRequests} request(s) of unpriced models counted at $0; ${w.skipped.malformedLines} malformed log line(s) skipped.`] });
  }
  return out;
}

/** The weekly nudge, e.g. "Last week: $48.20, −12% — 3 sessions over $5.00 changed nothing". */
export function nudgeText(last: WeekSummary): string {
  const h = last.headline;
  let s = `Last week: ${formatMoney(h.spendUSD)}`;
  if (h.change.spendPercent !== null) s += `, ${formatChange(h.change.spendPercent)}`;
  const waste = last.value.wasteCandidates.length;
  if (waste) s += ` — ${waste} session${waste === 1 ? '' : 's'} over ${formatMoney(last.value.wasteThresholdUSD)} changed nothing`;
  else if (last.waste.costUSD >= 0.01) s += ` — about ${formatMoney(last.waste.costUSD)} in waste findings`;
  return s;
}
