// tokenomics count [--model M] [--json] <file>...
import fs from 'node:fs';
import { bundledCatalog } from '../core/catalog';
import { looksBinary, resolveModel, summarizeCount } from '../core/documentCount';
import { formatPercent, formatTokens, formatUSD } from '../core/format';
import { DEFAULT_MODEL } from '../core/settings';
import { getCounter } from '../core/tokenizer';
import { CliIO, parseArgs, UsageError, usageText } from './io';

export const SUMMARY = "tokens, cost per call and context share ('-' reads stdin)";
export const synopsis = (): string => 'tokenomics count [--model M] [--json] <file>...';
export const usage = (): string => usageText(synopsis(), 'Tokens, cost per call and context share of each file (\'-\' reads standard input).', [
  ['--model M', `the model to count and price for (default: ${DEFAULT_MODEL})`],
  ['--json', 'one JSON object per file: file, model, encoding, exact, tokens, costUSD, contextShare'],
]);

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { flags, positionals } = parseArgs(argv, { model: 'string', json: 'bool' });
  if (positionals.length === 0) throw new UsageError('name at least one file, or - for standard input');
  const modelId = (flags.model as string | undefined) ?? DEFAULT_MODEL;
  const catalog = bundledCatalog();
  const { model, counting } = resolveModel(catalog, modelId);
  // Read everything first: an unreadable file is a usage error before any output is printed.
  const inputs: { file: string; text: string }[] = [];
  for (const file of positionals) {
    let text: string;
    try {
      text = file === '-' ? await io.readStdin() : fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (looksBinary(text)) throw new UsageError(`${file} looks binary (NUL bytes); not counted`);
    inputs.push({ file, text });
  }
  const counter = await getCounter(counting.encoding);
  const rows = inputs.map(({ file, text }) => ({ file, ...summarizeCount(counter.count(text), model, modelId, counting) }));
  if (flags.json) {
    for (const r of rows) {
      io.stdout(JSON.stringify({ file: r.file, model: r.resolvedModel ?? r.model, encoding: r.encoding, exact: r.exact,
        tokens: r.tokens, costUSD: r.costUSD, contextShare: r.contextShare }) + '\n');
    }
    return 0;
  }
  const approx = counting.exact ? '' : '≈';
  io.stdout(`model ${model?.id ?? `${modelId} (not in the catalog: unpriced)`}; counting ${counting.label}\n`);
  const width = Math.max(4, ...rows.map(r => r.file.length));
  io.stdout(`${'file'.padEnd(width)}  ${'tokens'.padStart(12)}  ${'cost/call'.padStart(11)}  context\n`);
  for (const r of rows) {
    io.stdout(`${r.file.padEnd(width)}  ${(approx + formatTokens(r.tokens)).padStart(12)}  ${formatUSD(r.costUSD).padStart(11)}  ${r.contextShare === null ? 'unknown' : formatPercent(r.contextShare)}\n`);
  }
  return 0;
}
