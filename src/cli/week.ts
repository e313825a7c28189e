// `tokenomics week`: the weekly usage summary in a terminal or a scheduled job.
import fs from 'node:fs';
import path from 'node:path';
import { bundledCatalog } from '../core/catalog';
import { ActivityCache } from '../core/activity';
import { agentRoots, scanDirs } from '../core/agents/locations';
import { defaultTimeZone, isValidDate, isValidTimeZone } from '../core/report';
import { UsageIndex } from '../core/usageIndex';
import { computeWeek, WeekStartsOn } from '../core/week';
import { ExportFormat, exportWeek } from '../core/weekExport';
import { CliIO, UsageError, parseArgs } from './io';
import { indexFile } from './report';

const SPEC = {
  week: 'string', format: 'string', timezone: 'string', 'week-starts-on': 'string', 'waste-threshold': 'string',
  'claude-dir': 'multi', 'codex-dir': 'multi', 'gemini-dir': 'multi', 'no-cache': 'bool',
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
  const timezone = (flags.timezone as string | undefined) ?? defaultTimeZone(io.env);
  if (!isValidTimeZone(timezone)) throw new UsageError(`unknown time zone '${timezone}' (use an IANA name such as Europe/Berlin)`);
  const startsOn = (flags['week-starts-on'] as string | undefined) ?? 'monday';
  if (!['monday', 'sunday', 'saturday'].includes(startsOn)) throw new UsageError(`--week-starts-on ${startsOn} is not one of monday, sunday, saturday`);
  const thresholdRaw = flags['waste-threshold'] as string | undefined;
  const threshold = thresholdRaw === undefined ? 2 : Number(thresholdRaw);
  if (!Number.isFinite(threshold) || threshold < 0) throw new UsageError(`--waste-threshold ${thresholdRaw} is not a dollar amount`);

  const dirs = (name: string) => ((flags[name] as string[] | undefined) ?? []).map(d => path.resolve(io.cwd, d));
  const roots = agentRoots(io.env, { claudeDirs: dirs('claude-dir'), codexDirs: dirs('codex-dir'), geminiDirs: dirs('gemini-dir') });
  for (const r of roots) {
    if (!r.explicit) continue;
    let ok = false;
    try { ok = fs.statSync(r.dir).isDirectory(); } catch { /* reported below */ }
    if (!ok) throw new UsageError(`no such folder: ${r.dir}`);
  }
  const noCache = !!flags['no-cache'];
  const idxFile = noCache ? null : indexFile(io.env, roots);
  const index = new UsageIndex({ roots, cacheFile: idxFile });
  const refreshed = await index.refresh();
  for (const p of index.problems) io.stderr(`tokenomics week: skipped ${p.path}: ${p.reason}\n`);
  if (refreshed.stats.files === 0) {
    const looked = roots.flatMap(r => scanDirs(r).map(d => `  ${r.agent}: ${d}`));
    io.stderr(`tokenomics week: no agent logs found; looked in:\n${looked.join('\n')}\n`);
  }
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
