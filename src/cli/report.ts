// placeholder: replaced by the report command
import { CliIO, UsageError } from './io';
export async function run(_a: string[], _io: CliIO): Promise<number> { throw new UsageError('not available yet'); }
