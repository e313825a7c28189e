// `tokenomics report`: spend from coding-agent logs, by day.
import { bundledCatalog } from '../core/catalog';
import { formatTokens, formatUSD } from '../core/format';
import { isValidDate } from '../core/time';
import { UsageReport, buildReportFromColumns } from '../core/usage/report';
import { basisMark, type Totals } from '../core/usage/totals';
import type { AgentExplanation } from '../core/usage/usageIndex';
import { CliIO, UsageError, parseArgs, usageText } from './io';
import { FOLDER_FLAGS, FOLDER_USAGE, folderOptions, openUsageIndex, timezoneFlag } from './agentLogs';

export const SUMMARY = 'spend from coding-agent logs, by day';
export const synopsis = (): string => `tokenomics report [--json] [--explain] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--timezone IANA]
                  ${FOLDER_USAGE}`;
export const usage = (): string => usageText(synopsis(), 'Spend from coding-agent logs, by day, with totals by model, agent, project and session.', [
  ['--json', 'the report as JSON (totals, days, models, agents, projects, sessions, skipped by reason)'],
  ['--explain', 'per agent: the folders and files read, request lines, counted requests, and what was not counted and why'],
  ['--since, --until DATE', 'inclusive calendar dates (YYYY-MM-DD) in the time zone'],
  ['--timezone IANA', 'days in this zone (default: $TZ, else the system\'s)'],
  ...folderOptions(),
]);

const SPEC = {
  json: 'bool', explain: 'bool', since: 'string', until: 'string', timezone: 'string',
  ...FOLDER_FLAGS,
} as const;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { ...SPEC });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const since = flags.since as string | undefined, until = flags.until as string | undefined;
  for (const [name, v] of [['since', since], ['until', until]] as const) {
    if (v !== undefined && !isValidDate(v)) throw new UsageError(`--${name} ${v} is not a date (YYYY-MM-DD)`);
  }
  if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
  const timezone = timezoneFlag(flags, io);

  const { index, refreshed } = await openUsageIndex('report', flags, io);
  const report = buildReportFromColumns(index.columns(), bundledCatalog(), { since, until, timezone, malformedLines: refreshed.stats.malformedLines,
    skippedByReason: index.skippedByReason() });
  const explain = flags.explain ? index.explain() : null;
  if (flags.json) io.stdout(JSON.stringify(explain ? { ...report, explain } : report, null, 2) + '\n');
  else io.stdout(renderTable(report) + (explain ? '\n' + renderExplain(explain) : ''));
  return 0;
}

/** Where the numbers came from, per agent: what an audit of a total starts with. */
export function renderExplain(agents: readonly AgentExplanation[]): string {
  const out: string[] = [];
  for (const a of agents) {
    out.push(`${a.agent}:`);
    for (const f of a.folders) out.push(`  read ${f}`);
    out.push(`  ${a.files} file(s)${a.compressedFiles ? ` (${a.compressedFiles} compressed)` : ''}${a.historyFiles ? `, ${a.historyFiles} gone from disk and kept as history` : ''}, ${a.requestLines} request line(s), ${a.counted} request(s) counted`);
    const skipped = Object.entries(a.skipped);
    out.push(skipped.length ? `  not counted: ${skipped.map(([r, n]) => `${n} ${r}`).join(', ')}` : '  not counted: none');
    for (const f of a.filesWithSkips.slice(0, 10)) out.push(`    ${f.path}: ${Object.entries(f.skipped).map(([r, n]) => `${n} ${r}`).join(', ')}`);
    if (a.filesWithSkips.length > 10) out.push(`    … and ${a.filesWithSkips.length - 10} more file(s) (--json --explain lists them all)`);
  }
  return out.join('\n') + '\n';
}

const COLUMNS: [string, (t: Totals) => string][] = [
  ['Input', t => formatTokens(t.inputTokens)],
  ['Output', t => formatTokens(t.outputTokens)],
  ['Cache write', t => formatTokens(t.cacheCreationTokens)],
  ['Cache read', t => formatTokens(t.cacheReadTokens)],
  ['Total tokens', t => basisMark(t.basis) + formatTokens(t.totalTokens)],
  ['Requests', t => formatTokens(t.requests)],
  ['Cost', t => basisMark(t.basis) + formatUSD(t.costUSD)],
];

export function renderTable(report: UsageReport): string {
  const rows: string[][] = [['Date', ...COLUMNS.map(c => c[0])]];
  for (const d of report.days) rows.push([d.date, ...COLUMNS.map(c => c[1](d))]);
  const totalRow = ['Total', ...COLUMNS.map(c => c[1](report.totals))];
  const widths = rows[0]!.map((_, i) => Math.max(...[...rows, totalRow].map(r => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = widths.map(w => '-'.repeat(w)).join('  ');
  const out = [line(rows[0]!), rule, ...rows.slice(1).map(line), rule, line(totalRow)];
  const r = report.range;
  const notes = [`Time zone ${r.timezone}${r.since || r.until ? `, ${r.since ?? '…'} to ${r.until ?? '…'}` : ''}.`];
  if (report.skipped.unpricedRequests) notes.push(`${report.skipped.unpricedRequests} request(s) of unpriced models are counted at $0.`);
  if (report.skipped.malformedLines) notes.push(`${report.skipped.malformedLines} malformed log line(s) skipped.`);
  const other = Object.entries(report.skipped.byReason).filter(([r]) => r !== 'malformed' && r !== 'unpriced');
  if (other.length) notes.push(`Not counted: ${other.map(([r, n]) => `${n} ${r}`).join(', ')} (see --json skipped.byReason).`);
  // numbers that are not exact say so: a Copilot journal holds a lower bound, Continue's counts are estimates
  const lower = report.agents.filter(a => a.basis === 'lower-bound').map(a => a.agent), est = report.agents.filter(a => a.basis === 'estimate').map(a => a.agent);
  if (lower.length) notes.push(`Lower bound (≥) for ${lower.join(', ')}: the log keeps only part of each request.`);
  if (est.length) notes.push(`Estimated (≈) for ${est.join(', ')}: counted by the agent's own tokenizer.`);
  return out.join('\n') + '\n\n' + notes.join(' ') + '\n';
}
