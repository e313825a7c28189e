// `tokenomics forget --before YYYY-MM-DD`: drops, on purpose, the history the usage index keeps of
// logs the agents have cleaned up. Logs still on disk are not touched and stay counted.
import { dayKeyer, isValidDate } from '../core/report';
import { CliIO, UsageError, parseArgs } from './io';
import { FOLDER_FLAGS, openUsageIndex, timezoneFlag } from './agentLogs';

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
