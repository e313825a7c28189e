// The weekly summary as Markdown, plain text, CSV and JSON: Markdown and text render the sections of
// `format.ts`, so they say exactly what the webview shows.
import { sections } from './format';
import type { WeekSummary } from './types';

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
  const head = ['date', 'agent', 'model', 'input_tokens', 'output_tokens', 'cache_creation_tokens', 'cache_read_tokens', 'total_tokens', 'requests', 'cost_usd', 'basis'];
  const rows = w.dayRows.map(r => [r.date, r.agent, r.model, r.inputTokens, r.outputTokens, r.cacheCreationTokens, r.cacheReadTokens, r.totalTokens, r.requests, cents(r.costUSD), r.basis]);
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
