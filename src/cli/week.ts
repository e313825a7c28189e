// `tokenomics week`: the weekly usage summary in a terminal or a scheduled job.
import { bundledCatalog } from '../core/catalog';
import { ActivityCache } from '../core/activity';
import { isValidDate } from '../core/report';
import { computeWeek, WeekStartsOn } from '../core/week';
import { ExportFormat, exportWeek } from '../core/weekExport';
import { CliIO, UsageError, parseArgs } from './io';
import { FOLDER_FLAGS, openUsageIndex, timezoneFlag } from './agentLogs';

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
  const format = FORMATS[formatName];
  if (!format) throw new UsageError(`--format ${formatName} is not one of text, md, csv, json`);
  const timezone = timezoneFlag(flags, io);
  const startsOn = (flags['week-starts-on'] as string | undefined) ?? 'monday';
  if (!['monday', 'sunday', 'saturday'].includes(startsOn)) throw new UsageError(`--week-starts-on ${startsOn} is not one of monday, sunday, saturday`);
  const thresholdRaw = flags['waste-threshold'] as string | undefined;
  const threshold = thresholdRaw === undefined ? 2 : Number(thresholdRaw);
  if (!Number.isFinite(threshold) || threshold < 0) throw new UsageError(`--waste-threshold ${thresholdRaw} is not a dollar amount`);

  const { index, refreshed, cacheFile: idxFile } = await openUsageIndex('week', flags, io);
  const activity = new ActivityCache(idxFile ? idxFile.replace(/usage-index-([0-9a-f]+)\.bin$/, 'activity-$1.json') : null);
  const summary = await computeWeek(index.records(), bundledCatalog(), activity, {
    weekStart: week, timezone, weekStartsOn: startsOn as WeekStartsOn, wasteThresholdUSD: threshold,
    quotas: quotasFromEnv(io), malformedLines: refreshed.stats.malformedLines,
  });
  activity.save();
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
