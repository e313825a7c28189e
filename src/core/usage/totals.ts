// Token and cost totals of a group of requests: the one accumulator the spend meter, the report's
// record path and the weekly summary add requests into.
import { Basis, combineBasis } from '../agents/adapter';
import type { TokenUsage } from '../cost';

/** Token and cost totals of a group of requests. `inputTokens` is uncached input. */
export interface Totals {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  requests: number;
  costUSD: number;
  /** Where the numbers come from: `estimate` if any part is, else `lower-bound` if any part is, else `exact`. */
  basis: Basis;
}

/**
 * The mark a figure carries for where it comes from: `≥` for a lower bound (a log that keeps only part
 * of each request, Copilot's chat journal), `≈` for an estimate (counted from text), nothing when exact.
 * The spend meter, the CLI and every view of the weekly summary use it, so a guess is never shown as fact.
 */
export const basisMark = (b: Basis | undefined): string => (b === 'lower-bound' ? '≥' : b === 'estimate' ? '≈' : '');

/** Dollars kept to a millionth: sums of many small costs must not print float noise. */
export const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export class Accumulator {
  input = 0; output = 0; cacheCreation = 0; cacheRead = 0; requests = 0; cost = 0; unpriced = 0;
  basis: Basis = 'exact';
  /**
   * One request; `cost` null when its model is unpriced (counted, at $0). An aggregate row (`request`
   * false: Cline's deleted requests) adds its tokens and cost but no request.
   */
  add(u: TokenUsage, cost: number | null, basis: Basis = 'exact', request = true): void {
    if (basis !== 'exact') this.basis = combineBasis(this.basis, basis);
    this.input += u.input; this.output += u.output; this.cacheRead += u.cacheRead;
    this.cacheCreation += u.cacheWrite5m + u.cacheWrite1h;
    if (request) this.requests++;
    if (cost === null) this.unpriced++; else this.cost += cost;
  }
  get tokens(): number { return this.input + this.output + this.cacheCreation + this.cacheRead; }
  /** Everything read as prompt: uncached input, cache reads and cache writes. */
  get promptTokens(): number { return this.input + this.cacheRead + this.cacheCreation; }
  totals(): Totals {
    return { inputTokens: this.input, outputTokens: this.output, cacheCreationTokens: this.cacheCreation, cacheReadTokens: this.cacheRead,
      totalTokens: this.tokens, requests: this.requests, costUSD: round6(this.cost), basis: this.basis };
  }
}

/** The accumulator of a key, created on first use. */
export function accOf<K>(m: Map<K, Accumulator>, key: K): Accumulator {
  let a = m.get(key);
  if (!a) m.set(key, (a = new Accumulator()));
  return a;
}

/** Rows of `{ [name]: key, ...totals }`, one per accumulator, in the map's order. */
export function totalsRows<K, N extends string>(m: Map<K, Accumulator>, name: N): ({ [P in N]: K } & Totals)[] {
  return [...m].map(([k, a]) => ({ [name]: k, ...a.totals() }) as { [P in N]: K } & Totals);
}

/** Most expensive first, then most tokens. */
export const byCost = (a: Totals, b: Totals): number => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens;
