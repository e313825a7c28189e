// `tokenomics leaks`: where the money leaked — cache misses by cause, compactions, sub-agents, tool
// output and plan quota by session — for a week or a range of days.
import { bundledCatalog } from '../core/catalog';
import { adapterOf, isAgentId } from '../core/agents/index';
import { TranscriptFactsCache, instructionMtimes } from '../core/leaks/facts';
import { computeLeaks, leaksJson } from '../core/leaks/index';
import { leakLedgers } from '../core/leaks/text';
import { addDays, isValidDate, startOfDay, weekRange } from '../core/time';
import { formatInt, formatMoney } from '../core/week/format';
import { CliIO, UsageError, parseArgs, usageText } from './io';
import { FOLDER_FLAGS, FOLDER_USAGE, folderOptions, leakFactsFile, openUsageIndex, timezoneFlag } from './agentLogs';

export const SUMMARY = 'where the money leaked: cache misses, compactions, sub-agents, tool output, plan quota';
export const synopsis = (): string => `tokenomics leaks [--week YYYY-MM-DD | --since YYYY-MM-DD --until YYYY-MM-DD] [--json] [--timezone IANA]
                 ${FOLDER_USAGE}`;
export const usage = (): string => usageText(synopsis(), 'Where the money leaked: cache misses by cause, compactions, sub-agents, tool output and plan quota by session, priced.', [
  ['--week DATE', 'any day of the week (default: the current week, starting Monday)'],
  ['--since, --until DATE', 'inclusive calendar dates (YYYY-MM-DD) in the time zone, instead of a week'],
  ['--json', 'the ledgers as JSON (cacheMisses, compactions, subagents, toolOutput, quota, totals)'],
  ['--timezone IANA', 'days and weeks in this zone (default: $TZ, else the system\'s)'],
  ...folderOptions(),
]);

const SPEC = { week: 'string', since: 'string', until: 'string', json: 'bool', timezone: 'string', ...FOLDER_FLAGS } as const;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { ...SPEC });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const week = flags.week as string | undefined, since = flags.since as string | undefined, until = flags.until as string | undefined;
  for (const [name, v] of [['week', week], ['since', since], ['until', until]] as const) {
    if (v !== undefined && !isValidDate(v)) throw new UsageError(`--${name} ${v} is not a date (YYYY-MM-DD)`);
  }
  if (week && (since || until)) throw new UsageError('--week and --since/--until cannot be combined');
  if (since && until && since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
  const timezone = timezoneFlag(flags, io);
  let range: { startMs: number; endMs: number }, label: string;
  if (since || until) {
    range = { startMs: since ? startOfDay(since, timezone) : -Infinity, endMs: until ? startOfDay(addDays(until, 1), timezone) : Infinity };
    label = `${since ?? '…'} – ${until ?? '…'}`;
  } else {
    const w = weekRange(week, timezone, 'monday');
    range = w;
    label = `${w.weekStart} – ${w.weekEnd}`;
  }
  const { index, cacheFile } = await openUsageIndex('leaks', flags, io);
  const facts = new TranscriptFactsCache(leakFactsFile(cacheFile));
  const leaks = computeLeaks(index.records(), range, bundledCatalog(), facts.get,
    { instructionMtime: instructionMtimes(a => (isAgentId(a) ? adapterOf(a).instructionFiles : [])) });
  facts.save();
  const json = leaksJson(leaks);
  if (flags.json) { io.stdout(JSON.stringify(json, null, 2) + '\n'); return 0; }
  const parts = [`Where it leaked, ${label} (${timezone})`, ''];
  for (const l of leakLedgers(json, { money: formatMoney, int: formatInt })) {
    parts.push(`${l.title}: ${l.total}`);
    if (l.fix) parts.push(`  ${l.fix}`);
    for (const r of l.rows) parts.push(`  - ${r.join('  ')}`);
    parts.push('');
  }
  io.stdout(parts.join('\n'));
  return 0;
}
