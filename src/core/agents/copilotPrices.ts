// What Copilot usage costs as Copilot bills it: since 2026-06-01, AI credits (1 credit = $0.01) at
// per-model token prices, from the bundled table (src/core/data/copilot-prices.json, made by
// src/tools/generate-copilot-prices.mjs from github/docs data/tables/copilot/models-and-pricing.yml).
import * as z from 'zod';
import type { TokenUsage } from '../cost';
import bundled from '../data/copilot-prices.json';

const Rates = z.object({ input: z.number().nonnegative(), cacheRead: z.number().nonnegative(), output: z.number().nonnegative(), cacheWrite: z.number().nonnegative() });
const Table = z.object({
  source: z.string(),
  retrieved: z.string(),
  creditUSD: z.number().positive(),
  models: z.record(z.string(), Rates.extend({ name: z.string(), provider: z.string(), longContext: z.array(Rates.extend({ threshold: z.number().positive() })).optional() })),
});
export type CopilotPriceTable = z.infer<typeof Table>;

let table: CopilotPriceTable | undefined;
let byKey: Map<string, string> | undefined;
export function copilotPriceTable(): CopilotPriceTable {
  return (table ??= Table.parse(bundled));
}

/**
 * Copilot's ids come dotted ('claude-sonnet-4.5'), dashed ('claude-sonnet-4-5'), prefixed ('copilot/'),
 * or dated as the provider dates them: Anthropic's '-20251001', OpenAI's '-2026-03-17' (the response
 * model the trace store and the OTel spans keep, `gen_ai.response.model`).
 */
function keyOf(model: string): string {
  return model.toLowerCase().replace(/^copilot\//, '').replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '').replace(/[._\s]+/g, '-');
}

/** The table's id for a logged model, or undefined when Copilot does not list it. */
export function copilotModel(model: string): string | undefined {
  byKey ??= new Map(Object.keys(copilotPriceTable().models).map(id => [keyOf(id), id]));
  return byKey.get(keyOf(model));
}

/**
 * USD and AI credits of one request; null for a model the table does not list (never guessed as free).
 * A long-context tier applies to the whole request once its prompt passes the threshold.
 */
export function copilotCost(model: string, u: TokenUsage): { usd: number; credits: number } | null {
  const t = copilotPriceTable();
  const id = copilotModel(model);
  const m = id ? t.models[id] : undefined;
  if (!m) return null;
  const prompt = u.input + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
  let r: z.infer<typeof Rates> = m;
  for (const tier of m.longContext ?? []) if (prompt > tier.threshold) r = tier;
  const usd = (u.input * r.input + u.cacheRead * r.cacheRead + (u.cacheWrite5m + u.cacheWrite1h) * r.cacheWrite + u.output * r.output) / 1e6;
  return { usd, credits: usd / t.creditUSD };
}

/** A Copilot model as the catalog's `ModelInfo`, so reports price Copilot rows at Copilot's own prices. */
export function copilotModelInfo(model: string): import('../catalog').ModelInfo | undefined {
  const id = copilotModel(model);
  const m = id ? copilotPriceTable().models[id] : undefined;
  if (!id || !m) return undefined;
  const rates = (r: z.infer<typeof Rates>) => ({ input: r.input, output: r.output, cacheRead: r.cacheRead, cacheWrite5m: r.cacheWrite, cacheWrite1h: r.cacheWrite });
  return {
    id: `copilot/${id}`, provider: 'github-copilot', family: m.provider, tier: 'balanced', rates: rates(m),
    longContext: (m.longContext ?? []).map(t => ({ threshold: t.threshold, rates: rates(t) })), overridden: false,
    // GitHub's credit table prices no web searches, and Copilot's logs report none
    webSearchPerRequest: 0,
  };
}
