// `tokenomics export --otlp URL`: the OpenTelemetry export for machines without VS Code (CI runners,
// remote boxes), with the engine's semantics: all-time totals, one exporter per machine, resets.
import { bundledCatalog } from '../core/catalog';
import type { UsageIndex } from '../core/usage/usageIndex';
import { ConfigProblem, DEFAULT_INTERVAL_SECONDS, endpointUrl, parseAttributes, parseHeaders } from '../core/export/config';
import type { ProjectMode } from '../core/export/series';
import { ExportOutcome, ExportTarget, Exporter, envHeaders, exportDir, usageDataOf } from '../server/export';
import { CliIO, UsageError, parseArgs, usageText } from './io';
import { FOLDER_FLAGS, FOLDER_USAGE, folderOptions, openUsageIndex, timezoneFlag } from './agentLogs';

export const SUMMARY = 'usage totals to an OpenTelemetry receiver (OTLP/HTTP), for team dashboards';
export const synopsis = (): string => `tokenomics export --otlp URL [--once] [--backfill] [--interval SECONDS] [--attribute NAME=VALUE]...
                  [--projects none|hashed|names] [--timezone IANA] ${FOLDER_USAGE}`;
export const usage = (): string => usageText(synopsis(),
  `Sends the all-time token and cost totals of the agent logs to an OpenTelemetry receiver (OTLP/HTTP
protobuf), as cumulative counters tokenomics.token.usage and tokenomics.cost.usage, every --interval
seconds or once. Re-running never double counts: every export sends the same totals.`, [
    ['--otlp URL', 'the metrics endpoint, e.g. http://collector:4318/v1/metrics (a bare origin gets /v1/metrics)'],
    ['--once', 'export once and exit (exit 2 when the receiver does not accept it, after 3 attempts)'],
    ['--backfill', 'first send one point per day of the logs, stamped at the end of that day'],
    ['--interval SECONDS', `seconds between exports (default ${DEFAULT_INTERVAL_SECONDS})`],
    ['--attribute NAME=VALUE', 'a resource attribute on every series, repeatable (e.g. team=payments)'],
    ['--projects MODE', 'the project attribute: hashed (default; salted, never the path), names (folder name), none'],
    ['--timezone IANA', 'days of --backfill in this zone (default: $TZ, else the system\'s)'],
    ...folderOptions(),
  ],
  `Headers (e.g. authorization) come from OTEL_EXPORTER_OTLP_HEADERS or OTEL_EXPORTER_OTLP_METRICS_HEADERS
(name=value,name2=value2). Nothing but counts, costs, model and agent names, hashes and these attributes
is sent.
`);

const SPEC = {
  otlp: 'string', once: 'bool', backfill: 'bool', interval: 'string', attribute: 'multi', projects: 'string', timezone: 'string',
  ...FOLDER_FLAGS,
} as const;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { ...SPEC });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const raw = flags.otlp as string | undefined;
  if (!raw) throw new UsageError('--otlp URL is required (see tokenomics export --help)');
  const endpoint = endpointUrl(raw);
  if ('error' in endpoint) throw new UsageError(`--otlp: ${endpoint.error}`);
  const intervalRaw = flags.interval as string | undefined;
  const interval = intervalRaw === undefined ? DEFAULT_INTERVAL_SECONDS : Number(intervalRaw);
  if (!Number.isInteger(interval) || interval < 1 || interval > 86_400) throw new UsageError(`--interval ${intervalRaw} is not a whole number of seconds from 1 to 86400`);
  const projects = ((flags.projects as string | undefined) ?? 'hashed') as ProjectMode;
  if (!['none', 'hashed', 'names'].includes(projects)) throw new UsageError(`--projects ${projects} is not one of none, hashed, names`);
  const attrs: Record<string, string> = {};
  for (const a of (flags.attribute as string[] | undefined) ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attribute ${a} is not NAME=VALUE`);
    attrs[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const problems: ConfigProblem[] = [];
  const attributes = parseAttributes(attrs, problems, '--attribute');
  if (problems.length) throw new UsageError(`${problems[0]!.setting}: ${problems[0]!.message}`);
  const h = parseHeaders(envHeaders(io.env) ?? '');
  if ('error' in h) throw new UsageError(`OTEL_EXPORTER_OTLP_HEADERS: ${h.error}`);
  const timezone = timezoneFlag(flags, io);
  const target: ExportTarget = { url: endpoint.url, headers: h.headers, attributes, includeProjects: projects };

  const log = (level: 'info' | 'warn', message: string) => { if (level === 'warn' || !flags.once) io.stderr(`tokenomics export: ${message}\n`); };
  const exporter = new Exporter(exportDir(io.env), log, Math.max(180_000, 3 * interval * 1000));
  const catalog = bundledCatalog();
  // Ctrl-C of a running exporter frees the machine's lock at once (a dead holder's lock is taken over anyway)
  const onSignal = () => { exporter.lock.release(); process.exit(130); };
  if (!flags.once) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    // an explicit --once exports even while a VS Code window holds the machine's lock: the values are
    // the same totals, so nothing is counted twice; only the lock holder keeps the state
    const holder = exporter.lock.acquire();
    if (!holder && !flags.once) io.stderr(`tokenomics export: another process (pid ${exporter.lock.owner()?.pid ?? '?'}) exports for this machine; waiting to take over\n`);
    let first = true;
    let index: UsageIndex | undefined;
    for (;;) {
      const persist = exporter.lock.acquire();
      if (persist || flags.once) {
        if (index) await index.refresh(); else index = (await openUsageIndex('export', flags, io)).index;
        const data = usageDataOf(index.columns());
        const r: ExportOutcome & { days?: number } = first && flags.backfill
          ? await exporter.backfill(data, catalog, target, { attempts: 3, persist, timezone })
          : await exporter.exportTotals(data, catalog, target, { attempts: 3, persist });
        const days = r.days !== undefined ? `, ${r.days} day(s) backfilled` : '';
        if (r.ok) io.stdout(`tokenomics export: sent ${r.points} series to ${target.url}${days}\n`);
        else if (flags.once) { io.stderr(`tokenomics export: export to ${target.url} failed${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}: ${r.error}\n`); return 2; }
        else io.stderr(`tokenomics export: export to ${target.url} failed: ${r.error}; nothing is lost: the totals are sent again in ${interval} s\n`);
        first = first && !r.ok;
      }
      if (flags.once) return 0;
      await new Promise(res => setTimeout(res, interval * 1000));
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    exporter.lock.release();
  }
}
