// What the token meter shows for a document or selection, computed from counts: pure, so the
// server, the CLI and tests agree.
import type { Catalog, ModelInfo } from './catalog';
import { inputCost } from './cost';
import { applyFactor, countingFor, Counting } from './encodings';

export interface CountSummary {
  model: string;
  /** The catalog id the model resolved to, or null when it is not in the catalog (unpriced). */
  resolvedModel: string | null;
  encoding: string;
  exact: boolean;
  countingLabel: string;
  tokens: number;
  costUSD: number | null;
  contextWindow: number | null;
  contextShare: number | null;
}

export function summarizeCount(rawTokens: number, model: ModelInfo | null, modelId: string, counting: Counting = countingFor(model, modelId)): CountSummary {
  const tokens = applyFactor(rawTokens, counting);
  const window = model?.contextWindow ?? null;
  return {
    model: modelId, resolvedModel: model?.id ?? null, encoding: counting.encoding, exact: counting.exact,
    countingLabel: counting.label, tokens, costUSD: inputCost(model, tokens),
    contextWindow: window, contextShare: window ? tokens / window : null,
  };
}

export function resolveModel(catalog: Catalog, modelId: string): { model: ModelInfo | null; counting: Counting } {
  const model = catalog.resolve(modelId);
  return { model, counting: countingFor(model, modelId) };
}

/** Binary files are not text to count: a NUL in the first 8 KiB is the usual tell. */
export function looksBinary(text: string): boolean {
  return text.slice(0, 8192).includes('\u0000');
}
