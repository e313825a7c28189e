// tokenomics count [--model M] [--json] <file>...
import fs from 'node:fs';
import { bundledCatalog } from '../core/catalog';
import { looksBinary, resolveModel, summarizeCount } from '../core/documentCount';
import { formatPercent, formatTokens, formatUSD } from '../core/format';
import { DEFAULT_MODEL } from '../core/settings';
import { HUGE_PIECE } from '../core/bpe';
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
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_STRING_TOO_LONG') throw new UsageError(`cannot count ${file}: more text than one string can hold (about 512 MiB)`);
      throw new UsageError(`cannot read ${file}: ${code ?? (e as Error).message}`);
    }
    if (looksBinary(text)) throw new UsageError(`${file} looks binary (NUL bytes); not counted`);
    inputs.push({ file, text });
  }
  const counter = await getCounter(counting.encoding);
  const rows = inputs.map(({ file, text }) => {
    // A run of over a million characters with no break is estimated (its exact merge would need
    // gigabytes): the row then says so instead of claiming an exact count.
    const m = counter.measure(text);
    const summary = summarizeCount(m.tokens, model, modelId, counting);
    return { file, ...summary, exact: summary.exact && m.exact, sampled: !m.exact };
  });
  if (flags.json) {
    for (const r of rows) {
      io.stdout(JSON.stringify({ file: r.file, model: r.resolvedModel ?? r.model, encoding: r.encoding, exact: r.exact,
        tokens: r.tokens, costUSD: r.costUSD, contextShare: r.contextShare }) + '\n');
    }
    return 0;
  }
  io.stdout(`model ${model?.id ?? `${modelId} (not in the catalog: unpriced)`}; counting ${counting.label}\n`);
  const width = Math.max(4, ...rows.map(r => r.file.length));
  io.stdout(`${'file'.padEnd(width)}  ${'tokens'.padStart(12)}  ${'cost/call'.padStart(11)}  context\n`);
  for (const r of rows) {
    const approx = r.exact ? '' : '≈';
    io.stdout(`${r.file.padEnd(width)}  ${(approx + formatTokens(r.tokens)).padStart(12)}  ${formatUSD(r.costUSD).padStart(11)}  ${r.contextShare === null ? 'unknown' : formatPercent(r.contextShare)}\n`);
  }
  for (const r of rows) {
    if (r.sampled) io.stdout(`${r.file}: a run of over ${formatTokens(HUGE_PIECE)} characters without a space or punctuation is estimated from samples\n`);
  }
  return 0;
}
