// The weekly summary as Markdown, plain text, CSV and JSON. Both documents are rendered from one list of
// sections, and money always goes through `formatMoney` (to the cent), so the webview (same Intl
// formatter in media/week.js), the Markdown export and the CLI agree to the cent.
import type { WeekSummary, SessionValue } from './week';

const AGENT_NAMES: Record<string, string> = { 'claude-code': 'Claude Code', codex: 'Codex CLI', gemini: 'Gemini CLI' };
export const agentName = (a: string): string => AGENT_NAMES[a] ?? a;

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Dollars to the cent, e.g. `$1,234.56`: the one money format of every summary output. */
export function formatMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  // round once, to the cent, the same way everywhere (media/week.js does exactly this)
  const s = money.format(Math.round(v * 100) / 100);
  return s === '-$0.00' ? '$0.00' : s;
}
/** Money with four decimals for per-line costs, which are often fractions of a cent. */
export function formatSmallMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1 ? formatMoney(v) : `$${v.toFixed(4)}`;
}
export const formatInt = (n: number): string => integer.format(Math.round(n));
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
export function headlineTexts(w: WeekSummary): { spend: string; tokens: string; requests: string; sessions: string; change: string; week: string } {
  const h = w.headline;
  return {
    spend: formatMoney(h.spendUSD), tokens: formatInt(h.tokens), requests: formatInt(h.requests), sessions: formatInt(h.sessions),
    change: `${formatMoneyChange(h.change.spendUSD)} (${formatChange(h.change.spendPercent)}) vs previous week`,
    week: `${w.range.weekStart} – ${w.range.weekEnd}`,
  };
}

// ---- sections --------------------------------------------------------------------------------------

type Align = 'l' | 'r';
interface Table { head: string[]; align: Align[]; rows: string[][] }
interface Section { title: string; text: string[]; table?: Table; after?: string[] }

const sessionLabel = (s: SessionValue) => `${s.projectName} · ${s.sessionId.slice(0, 8)}`;

export function sections(w: WeekSummary): Section[] {
  const h = headlineTexts(w);
  const out: Section[] = [];
  out.push({ title: 'Headline', text: [
    `Spend ${h.spend} · ${h.tokens} tokens · ${h.requests} requests · ${h.sessions} sessions`,
    `Change: ${h.change} (previous week ${formatMoney(w.headline.previous.spendUSD)}).`,
    `Week ${h.week} (${w.range.timezone}, ${w.range.hours} hours).`,
  ] });
  out.push({ title: 'Spend per day', text: [], table: {
    head: ['Date', 'Spend', 'Requests', ...['claude-code', 'codex', 'gemini'].filter(a => w.days.some(d => d.byAgent[a as keyof typeof d.byAgent] !== undefined)).map(agentName)],
    align: ['l', 'r', 'r', 'r', 'r', 'r'],
    rows: w.days.map(d => [d.date, formatMoney(d.costUSD), formatInt(d.requests),
      ...(['claude-code', 'codex', 'gemini'] as const).filter(a => w.days.some(x => x.byAgent[a] !== undefined)).map(a => formatMoney(d.byAgent[a] ?? 0))]),
  } });
  out.push({ title: 'Totals', text: [], table: {
    head: ['Input', 'Output', 'Cache write', 'Cache read', 'Total tokens', 'Requests', 'Cost'], align: ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: [[formatInt(w.totals.inputTokens), formatInt(w.totals.outputTokens), formatInt(w.totals.cacheCreationTokens), formatInt(w.totals.cacheReadTokens),
      formatInt(w.totals.totalTokens), formatInt(w.totals.requests), formatMoney(w.totals.costUSD)]],
  } });
  out.push({ title: 'By model', text: [], table: { head: ['Model', 'Tier', 'Requests', 'Tokens', 'Spend'], align: ['l', 'l', 'r', 'r', 'r'],
    rows: w.models.map(m => [m.model, m.tier ?? 'unpriced', formatInt(m.requests), formatInt(m.totalTokens), formatMoney(m.costUSD)]) } });
  out.push({ title: 'By agent', text: [], table: { head: ['Agent', 'Requests', 'Tokens', 'Spend'], align: ['l', 'r', 'r', 'r'],
    rows: w.agents.map(a => [agentName(a.agent), formatInt(a.requests), formatInt(a.totalTokens), formatMoney(a.costUSD)]) } });
  out.push({ title: 'By project', text: [], table: { head: ['Project', 'Folder', 'Requests', 'Spend'], align: ['l', 'l', 'r', 'r'],
    rows: w.projects.map(p => [p.name, p.project, formatInt(p.requests), formatMoney(p.costUSD)]) } });
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
  out.push({ title: 'Always-loaded instruction files', text: i.files.length ? [i.note, `Together: ${formatMoney(i.costUSD)}.`] : ['No CLAUDE.md, AGENTS.md or GEMINI.md in this week\'s projects.'],
    table: i.files.length ? { head: ['File', 'Tokens', 'Requests', 'Cost'], align: ['l', 'r', 'r', 'r'],
      rows: i.files.map(f => [f.path, `${f.approximate ? '≈' : ''}${formatInt(f.tokens)}`, formatInt(f.requests), formatMoney(f.costUSD)]) } : undefined });
  out.push({ title: 'Top sessions', text: [], table: { head: ['Project', 'Agent', 'Model', 'Duration', 'Spend', 'Transcript'], align: ['l', 'l', 'l', 'r', 'r', 'l'],
    rows: w.topSessions.map(s => [s.projectName, agentName(s.agent), s.model, formatDuration(s.durationMs), formatMoney(s.costUSD), s.file]) } });
  if (w.quotas.length || w.quotaProblems.length) {
    out.push({ title: 'Quotas', text: w.quotaProblems.map(p => `Invalid quota "${p.name}" (${p.field}): ${p.message}; ignored.`),
      table: w.quotas.length ? { head: ['Quota', 'Projects', 'Spent', 'Limit', 'Share'], align: ['l', 'l', 'r', 'r', 'r'],
        rows: w.quotas.map(q => [q.name, q.projects.join(', '), formatMoney(q.spentUSD), formatMoney(q.weeklyUSD), `${formatShare(q.share)}${q.status === 'over' ? ' over' : q.status === 'warning' ? ' !' : ''}`]) } : undefined });
  }
  if (w.skipped.unpricedRequests || w.skipped.malformedLines) {
    out.push({ title: 'Notes', text: [`${w.skipped.unpricedRequests} request(s) of unpriced models counted at $0; ${w.skipped.malformedLines} malformed log line(s) skipped.`] });
  }
  return out;
}

// ---- Markdown / text ------------------------------------------------------------------------------------

const mdText = (s: string) => s.replace(/[<>]/g, c => (c === '<' ? '&lt;' : '&gt;'));
const mdCell = (s: string) => mdText(s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' '));

export function toMarkdown(w: WeekSummary): string {
  const lines = [`# Tokenomics weekly summary: ${w.range.weekStart} – ${w.range.weekEnd}`, ''];
  for (const s of sections(w)) {
    lines.push(`## ${s.title}`, '');
    for (const t of s.text) lines.push(mdText(t), '');
    if (s.table && s.table.rows.length) {
      lines.push(`| ${s.table.head.map(mdCell).join(' | ')} |`);
      lines.push(`|${s.table.head.map((_, i) => (s.table!.align[i] === 'r' ? '---:' : '---')).join('|')}|`);
      for (const r of s.table.rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
      lines.push('');
    }
    for (const t of s.after ?? []) lines.push(mdText(t), '');
  }
  return lines.join('\n');
}

export function toText(w: WeekSummary): string {
  const lines = [`Tokenomics weekly summary: ${w.range.weekStart} – ${w.range.weekEnd}`, ''];
  for (const s of sections(w)) {
    lines.push(s.title.toUpperCase());
    for (const t of s.text) lines.push(`  ${t}`);
    if (s.table && s.table.rows.length) {
      const all = [s.table.head, ...s.table.rows];
      const widths = s.table.head.map((_, i) => Math.min(60, Math.max(...all.map(r => (r[i] ?? '').length))));
      const fmt = (r: string[]) => '  ' + r.map((c, i) => {
        const cell = c.length > 60 ? c.slice(0, 59) + '…' : c;
        return s.table!.align[i] === 'r' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      }).join('  ').trimEnd();
      lines.push(fmt(s.table.head), '  ' + widths.map(n => '-'.repeat(n)).join('  '));
      for (const r of s.table.rows) lines.push(fmt(r));
    }
    for (const t of s.after ?? []) lines.push(`  ${t}`);
    lines.push('');
  }
  return lines.join('\n');
}

// ---- CSV / JSON ---------------------------------------------------------------------------------------

const csvCell = (v: string | number): string => {
  let s = String(v);
  // a cell starting with = + - @ is a formula to spreadsheet programs: logs must not run as one
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
export const cents = (v: number): string => (Math.round(v * 100) / 100).toFixed(2);

/** One row per day × agent × model; cost in dollars to the cent like every other output. */
export function toCsv(w: WeekSummary): string {
  const head = ['date', 'agent', 'model', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'total_tokens', 'requests', 'cost_usd'];
  const rows = w.dayRows.map(r => [r.date, r.agent, r.model, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.requests, cents(r.costUSD)]);
  return [head, ...rows].map(r => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

export function toJson(w: WeekSummary): string {
  return JSON.stringify(w, null, 2) + '\n';
}

export type ExportFormat = 'md' | 'csv' | 'json' | 'text';
export function exportWeek(w: WeekSummary, format: ExportFormat): string {
  switch (format) {
    case 'md': return toMarkdown(w);
    case 'csv': return toCsv(w);
    case 'json': return toJson(w);
    case 'text': return toText(w);
  }
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
