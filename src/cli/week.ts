// tokenomics week: placeholder until the weekly summary lands.
import { CliIO, UsageError } from './io';

export async function run(_argv: string[], _io: CliIO): Promise<number> {
  throw new UsageError('the weekly summary is not available in this build');
}
