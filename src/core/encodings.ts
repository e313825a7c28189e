// Which tokenizer counts which model, and how sure we are.
//
// OpenAI models use public tiktoken encodings and are counted exactly. Anthropic and Google do not
// publish their tokenizers: we count with o200k_base and scale by a per-family factor, and every
// place that shows such a count marks it with ≈.
//
// Calibration sources (documented so the factors can be re-derived):
// - Claude up to 4.6: Anthropic's tokenizer yields more tokens than OpenAI's o200k on English prose and
//   code; published side-by-side measurements put it at roughly 1.1-1.2x cl100k-era counts, and o200k
//   is ~5-10% more compact than cl100k on English, so we use 1.15x o200k.
// - Claude Opus 4.7 and later: Anthropic's release notes say the new tokenizer yields 1.0-1.35x the
//   tokens of earlier Claude models for the same text; we take the midpoint, 1.15 x 1.175 = 1.35x o200k.
// - Gemini: SentencePiece with a 256k vocabulary; Google documents ~4 characters per token for
//   English, about o200k's density, so we use 1.0x o200k and still mark it as an estimate.
import type { ModelInfo } from './catalog';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface Counting {
  encoding: EncodingName;
  /** Multiplier applied to the encoding's count; 1 for exact counts. */
  factor: number;
  exact: boolean;
  /** Human-readable: "exact (o200k_base)" or "≈ o200k_base × 1.15 (Claude ≤ 4.6 estimate)". */
  label: string;
}

const CL100K = /^(gpt-4(?!o|\.1|\.5)|gpt-3\.5|text-embedding-(ada|3))/;

export function countingFor(model: ModelInfo | null, rawId = model?.id ?? ''): Counting {
  const id = model?.id ?? rawId.toLowerCase();
  const provider = model?.provider ?? (/^claude/.test(id) ? 'anthropic' : /^gemini/.test(id) ? 'google' : /^(gpt|o\d)/.test(id) ? 'openai' : 'other');
  if (provider === 'openai') {
    const encoding: EncodingName = CL100K.test(id) ? 'cl100k_base' : 'o200k_base';
    return { encoding, factor: 1, exact: true, label: `exact (${encoding})` };
  }
  if (provider === 'anthropic') {
    const v = /claude-(?:opus|sonnet|haiku|mythos|fable)-(\d+)(?:-(\d+))?/.exec(id);
    const major = Number(v?.[1] ?? 0), minor = Number(v?.[2] ?? 0);
    const newTokenizer = major > 4 || (major === 4 && minor >= 7);
    return newTokenizer
      ? { encoding: 'o200k_base', factor: 1.35, exact: false, label: '≈ o200k_base × 1.35 (Claude ≥ 4.7 tokenizer estimate)' }
      : { encoding: 'o200k_base', factor: 1.15, exact: false, label: '≈ o200k_base × 1.15 (Claude tokenizer estimate)' };
  }
  if (provider === 'google') {
    return { encoding: 'o200k_base', factor: 1.0, exact: false, label: '≈ o200k_base × 1.0 (Gemini tokenizer estimate)' };
  }
  return { encoding: 'o200k_base', factor: 1.0, exact: false, label: '≈ o200k_base × 1.0 (tokenizer not public)' };
}

export function applyFactor(raw: number, c: Counting): number {
  return c.exact ? raw : Math.round(raw * c.factor);
}

/** A count with no tokenizer at all: ~4 characters a token. For the instant before the engine answers. */
export function quickEstimate(chars: number): number {
  return Math.ceil(chars / 4);
}
