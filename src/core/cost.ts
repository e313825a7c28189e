// Cost of requests, billed as providers bill them.
import type { ModelInfo, Rates } from './catalog';

/** Token counts of one request. `input` is uncached input only. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 });

/** Everything the model reads for the request: what decides long-context pricing and context fill. */
export function promptTokens(u: TokenUsage): number {
  return u.input + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
}

/** The rates that apply to a request whose prompt is this big: past a threshold, every token pays more. */
export function ratesFor(model: ModelInfo, prompt: number): Rates {
  let rates = model.rates;
  for (const tier of model.longContext) if (prompt > tier.threshold) rates = tier.rates;
  return rates;
}

/**
 * USD for one request; null when the model is unpriced (never pretend it was free). Server-side web
 * searches are billed per search on top of the tokens.
 */
export function requestCost(model: ModelInfo | null, u: TokenUsage, webSearches = 0): number | null {
  if (!model) return null;
  const r = ratesFor(model, promptTokens(u));
  return (u.input * r.input + u.output * r.output + u.cacheRead * r.cacheRead
    + u.cacheWrite5m * r.cacheWrite5m + u.cacheWrite1h * r.cacheWrite1h) / 1e6 + webSearches * model.webSearchPerRequest;
}

/** Cost of sending `tokens` of prompt once, uncached, with no output: what a prompt file costs per call. */
export function inputCost(model: ModelInfo | null, tokens: number): number | null {
  return requestCost(model, { ...ZERO_USAGE, input: tokens });
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m, cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h };
}
