// `tokenomics forget --before YYYY-MM-DD`: drops, on purpose, the history the usage index keeps of
// logs the agents have cleaned up. Logs still on disk are not touched and stay counted.
import { dayKeyer, isValidDate } from '../core/time';
import { CliIO, UsageError, parseArgs, usageText } from './io';
import { FOLDER_FLAGS, FOLDER_USAGE, folderOptions, openUsageIndex, timezoneFlag } from './agentLogs';

export const SUMMARY = 'drop the kept history of logs the agents deleted';
export const synopsis = (): string => `tokenomics forget --before YYYY-MM-DD [--timezone IANA]
                  ${FOLDER_USAGE}`;
export const usage = (): string => usageText(synopsis(), 'The usage index keeps what it counted when an agent deletes or compresses a log, so past days do not change. This drops that history before a day; logs still on disk stay counted.', [
  ['--before DATE', 'drop the kept requests of days before this one (YYYY-MM-DD, in the time zone)'],
  ['--timezone IANA', 'days in this zone (default: $TZ, else the system\'s)'],
  ...folderOptions(),
]);

const SPEC = { before: 'string', timezone: 'string', ...FOLDER_FLAGS } as const;

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { ...SPEC });
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const before = flags.before as string | undefined;
  if (!before) throw new UsageError('--before YYYY-MM-DD is required: history of requests before that day is dropped');
  if (!isValidDate(before)) throw new UsageError(`--before ${before} is not a date (YYYY-MM-DD)`);
  if (flags['no-cache']) throw new UsageError('--no-cache keeps no history to forget');
  const day = dayKeyer(timezoneFlag(flags, io));
  const { index } = await openUsageIndex('forget', flags, io);
  const dropped = index.forget(r => day(r.timestamp) < before);
  if (dropped && !index.save()) throw new Error('could not write the usage index');
  io.stdout(`tokenomics forget: dropped ${dropped} request(s) before ${before} from logs no longer on disk; logs still on disk are counted as before.\n`);
  return 0;
}
