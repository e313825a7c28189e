// `tokenomics week`: the weekly usage summary in a terminal or a scheduled job.
import { bundledCatalog } from '../core/catalog';
import { ActivityCache } from '../core/activity';
import { isValidDate, WEEK_STARTS, WeekStartsOn } from '../core/time';
import { computeWeek } from '../core/week/build';
import { ExportFormat, exportWeek } from '../core/week/export';
import { CliIO, UsageError, parseArgs, usageText } from './io';
import { FOLDER_FLAGS, FOLDER_USAGE, folderOptions, leakFactsFile, openUsageIndex, timezoneFlag } from './agentLogs';
import { TranscriptFactsCache } from '../core/leaks/facts';

export const SUMMARY = 'the weekly usage summary';
export const synopsis = (): string => `tokenomics week [--week YYYY-MM-DD] [--format text|md|csv|json] [--timezone IANA]
                [--week-starts-on ${WEEK_STARTS.join('|')}] [--waste-threshold USD]
                ${FOLDER_USAGE}`;
export const usage = (): string => usageText(synopsis(), 'The weekly usage summary: spend, where it went, value per token, waste, context bloat, cheaper tiers.', [
  ['--week DATE', 'any day of the week (default: the current week)'],
  ['--format FORMAT', 'text (default), md, csv (one row per day, agent and model) or json'],
  ['--timezone IANA', 'days and weeks in this zone (default: $TZ, else the system\'s)'],
  ['--week-starts-on DAY', 'first day of the week (default: monday)'],
  ['--waste-threshold USD', 'sessions above this that changed nothing are waste candidates (default: 2)'],
  ...folderOptions(),
], 'TOKENOMICS_QUOTAS (JSON, like the tokenomics.quotas setting) adds quotas to the summary.\n');

const SPEC = {
  week: 'string', format: 'string', timezone: 'string', 'week-starts-on': 'string', 'waste-threshold': 'string',
  ...FOLDER_FLAGS,
} as const;
const FORMATS: Record<string, ExportFormat> = { text: 'text', md: 'md', markdown: 'md', csv: 'csv', json: 'json' };

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { ...SPEC });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const week = flags.week as string | undefined;
  if (week !== undefined && !isValidDate(week)) throw new UsageError(`--week ${week} is not a date (YYYY-MM-DD)`);
  const formatName = (flags.format as string | undefined) ?? 'text';
  const format = Object.hasOwn(FORMATS, formatName) ? FORMATS[formatName] : undefined;
  if (!format) throw new UsageError(`--format ${formatName} is not one of text, md, csv, json`);
  const timezone = timezoneFlag(flags, io);
  const startsOn = (flags['week-starts-on'] as string | undefined) ?? 'monday';
  if (!(WEEK_STARTS as readonly string[]).includes(startsOn)) throw new UsageError(`--week-starts-on ${startsOn} is not one of ${WEEK_STARTS.join(', ')}`);
  const thresholdRaw = flags['waste-threshold'] as string | undefined;
  const threshold = thresholdRaw === undefined ? 2 : Number(thresholdRaw);
  if (!Number.isFinite(threshold) || threshold < 0) throw new UsageError(`--waste-threshold ${thresholdRaw} is not a dollar amount`);

  const { index, refreshed, cacheFile: idxFile } = await openUsageIndex('week', flags, io);
  const activity = new ActivityCache(idxFile ? idxFile.replace(/usage-index-([0-9a-f]+)\.bin$/, 'activity-$1.json') : null);
  const leakFacts = new TranscriptFactsCache(leakFactsFile(idxFile));
  const summary = await computeWeek(index.records(), bundledCatalog(), activity, {
    weekStart: week, timezone, weekStartsOn: startsOn as WeekStartsOn, wasteThresholdUSD: threshold,
    quotas: quotasFromEnv(io), malformedLines: refreshed.stats.malformedLines, leakFacts: leakFacts.get,
  });
  activity.save();
  leakFacts.save();
  for (const p of summary.quotaProblems) io.stderr(`tokenomics week: invalid quota "${p.name}" (${p.field}): ${p.message}; ignored\n`);
  io.stdout(exportWeek(summary, format));
  return 0;
}

/** Quotas for the CLI: TOKENOMICS_QUOTAS holds the same JSON list as the `tokenomics.quotas` setting. */
function quotasFromEnv(io: CliIO): unknown[] {
  const raw = io.env.TOKENOMICS_QUOTAS;
  if (!raw) return [];
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new UsageError('TOKENOMICS_QUOTAS is not JSON (a list of { "name", "projects", "weeklyUSD" })'); }
  if (!Array.isArray(v)) throw new UsageError('TOKENOMICS_QUOTAS must be a JSON list of { "name", "projects", "weeklyUSD" }');
  return v;
}
