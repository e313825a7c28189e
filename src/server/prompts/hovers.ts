// Hover on a block of a prompt: its tokens and share, and its cost on each tier of the model's family.
import { Hover, MarkupKind } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Catalog } from '../../core/catalog';
import { inputCost } from '../../core/cost';
import { applyFactor, countingFor } from '../../core/encodings';
import { formatPercent, formatTokens, formatUSD } from '../../core/format';
import type { PromptAnalysis } from '../../core/prompt';
import { range } from './convert';

const KIND_LABEL = { heading: 'Heading', paragraph: 'Paragraph', 'list-item': 'List item', fence: 'Code block', table: 'Table' } as const;

export function hover(doc: TextDocument, a: PromptAnalysis, catalog: Catalog, position: { line: number; character: number }): Hover | null {
  const b = a.blockAt(doc.offsetAt(position));
  if (!b) return null;
  const lines = [`**${KIND_LABEL[b.kind]}: ${a.fmt(a.tok(b.raw))} tokens** (${formatPercent(a.raw > 0 ? b.raw / a.raw : 0)} of the file)`, ''];
  const model = a.target.model;
  if (!model) {
    lines.push(`${a.target.id} is not in the price catalog: unpriced.`);
  } else {
    lines.push('| Model | Tier | Tokens | Cost per call |', '|---|---|---:|---:|');
    for (const m of catalog.familyTiers(model)) {
      const counting = countingFor(m);
      const tokens = applyFactor(b.raw, counting);
      const approx = !counting.exact || counting.encoding !== a.target.counting.encoding ? '≈' : '';
      lines.push(`| ${m.id}${m.id === model.id ? ' (target)' : ''} | ${m.tier} | ${approx}${formatTokens(tokens)} | ${approx}${formatUSD(inputCost(m, tokens))} |`);
    }
    if (a.estimate) lines.push('', `≈: ${a.target.counting.label}`);
  }
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n') }, range: range(doc, b.start, b.end) };
}
