// The model catalog: bundled prices (validated at load), id resolution through aliases,
// tiers within a family, and user price overrides.
import * as z from 'zod';
import bundled from './data/prices.json';

export const TIERS = ['frontier', 'balanced', 'fast'] as const;
export type Tier = (typeof TIERS)[number];

const price = z.number().finite().nonnegative();
const LongContextSchema = z.object({
  threshold: z.number().int().positive(),
  input: price,
  output: price.optional(),
  cacheRead: price.optional(),
  cacheWrite5m: price.optional(),
  cacheWrite1h: price.optional(),
});
const ModelEntrySchema = z.object({
  provider: z.string(),
  family: z.string(),
  tier: z.enum(TIERS),
  input: price,
  output: price,
  cacheRead: price.optional(),
  cacheWrite5m: price.optional(),
  cacheWrite1h: price.optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutput: z.number().int().positive().optional(),
  longContext: z.array(LongContextSchema).optional(),
  deprecated: z.string().optional(),
  /** Fast mode bills every rate at this multiple (LiteLLM `provider_specific_entry.fast`). */
  fastMultiplier: z.number().finite().positive().optional(),
  /** USD per server-side web search (not per token). */
  webSearchPerRequest: price.optional(),
});
export const PriceTableSchema = z.object({
  source: z.string(),
  unit: z.literal('USD per 1M tokens'),
  models: z.record(z.string(), ModelEntrySchema),
});
export type ModelEntry = z.infer<typeof ModelEntrySchema>;

/** Rates in USD per million tokens, with every cache price filled in. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}
export interface ModelInfo {
  id: string;
  provider: string;
  family: string;
  tier: Tier;
  rates: Rates;
  /** Ascending by threshold; a request whose input exceeds a threshold pays that tier's rates on every token. */
  longContext: { threshold: number; rates: Rates }[];
  contextWindow?: number;
  maxOutput?: number;
  deprecated?: string;
  /** True when the price came from (or was changed by) the user's `tokenomics.prices`. */
  overridden: boolean;
  /** USD per server-side web search, billed on top of tokens. */
  webSearchPerRequest: number;
  /** Fast mode's multiple of every rate, where the price data knows one. */
  fastMultiplier?: number;
}

/** Anthropic's price page: $10 per 1,000 searches, where the price data says nothing. */
export const DEFAULT_WEB_SEARCH_USD = 0.01;
/** A model id with this suffix is the model in fast mode (how the Claude Code reader names such requests). */
export const FAST_MODEL_SUFFIX = '-fast';

// Providers' usual rule where a cache price is missing (see shared/pricing/README.md).
function fillRates(base: { input: number; output?: number; cacheRead?: number; cacheWrite5m?: number; cacheWrite1h?: number }, fallback?: Rates): Rates {
  const scale = fallback ? base.input / (fallback.input || 1) : 1;
  return {
    input: base.input,
    output: base.output ?? (fallback ? fallback.output * scale : base.input),
    cacheRead: base.cacheRead ?? (fallback ? fallback.cacheRead * scale : base.input * 0.1),
    cacheWrite5m: base.cacheWrite5m ?? (fallback ? fallback.cacheWrite5m * scale : base.input * 1.25),
    cacheWrite1h: base.cacheWrite1h ?? (fallback ? fallback.cacheWrite1h * scale : base.input * 2),
  };
}

function toInfo(id: string, e: ModelEntry, overridden = false): ModelInfo {
  // OpenAI bills a cache write as plain input unless it publishes a cache-write rate (gpt-5.6 does):
  // the providers' usual 1.25x would invent a surcharge on Codex's cache_write_input_tokens
  const rates = fillRates(e.provider === 'openai' && e.cacheWrite5m === undefined ? { ...e, cacheWrite5m: e.input, cacheWrite1h: e.cacheWrite1h ?? e.input } : e);
  return {
    id, provider: e.provider, family: e.family, tier: e.tier, rates,
    longContext: (e.longContext ?? []).map(t => ({ threshold: t.threshold, rates: fillRates(t, rates) })),
    contextWindow: e.contextWindow, maxOutput: e.maxOutput, deprecated: e.deprecated, overridden,
    webSearchPerRequest: e.webSearchPerRequest ?? DEFAULT_WEB_SEARCH_USD, fastMultiplier: e.fastMultiplier,
  };
}

/** A model in fast mode: every rate at the model's fast multiple (1 where the price data knows none). */
function fastVariant(base: ModelInfo): ModelInfo {
  const k = base.fastMultiplier ?? 1;
  const scale = (r: Rates): Rates => ({ input: r.input * k, output: r.output * k, cacheRead: r.cacheRead * k, cacheWrite5m: r.cacheWrite5m * k, cacheWrite1h: r.cacheWrite1h * k });
  return { ...base, id: `${base.id}${FAST_MODEL_SUFFIX}`, rates: scale(base.rates), longContext: base.longContext.map(t => ({ threshold: t.threshold, rates: scale(t.rates) })) };
}

// ---- user overrides ---------------------------------------------------------------------------

const OVERRIDE_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'contextWindow'] as const;
type OverrideField = (typeof OVERRIDE_FIELDS)[number];
const OverrideFieldSchemas: Record<OverrideField, z.ZodType<number>> = {
  input: price, output: price, cacheRead: price, cacheWrite5m: price, cacheWrite1h: price,
  contextWindow: z.number().int().positive(),
};
export interface OverrideProblem { model: string; field: string; message: string }
export type PriceOverrides = Record<string, Partial<Record<OverrideField, number>>>;

/**
 * Validates `tokenomics.prices` field by field, so one bad value costs only that value:
 * the rest of the entry, and the bundled price for the bad field, still apply.
 */
export function parseOverrides(raw: unknown): { overrides: PriceOverrides; problems: OverrideProblem[] } {
  const overrides: PriceOverrides = {};
  const problems: OverrideProblem[] = [];
  if (raw === undefined || raw === null) return { overrides, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ model: '*', field: '*', message: 'tokenomics.prices must be an object of model ids to price fields' });
    return { overrides, problems };
  }
  for (const [model, fields] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      problems.push({ model, field: '*', message: 'expected an object such as { "input": 3, "output": 15 } (USD per 1M tokens)' });
      continue;
    }
    const ok: Partial<Record<OverrideField, number>> = {};
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (!(OVERRIDE_FIELDS as readonly string[]).includes(field)) {
        problems.push({ model, field, message: `unknown field; use one of ${OVERRIDE_FIELDS.join(', ')}` });
        continue;
      }
      const r = OverrideFieldSchemas[field as OverrideField].safeParse(value);
      if (r.success) ok[field as OverrideField] = r.data;
      else problems.push({ model, field, message: `${JSON.stringify(value)} is not ${field === 'contextWindow' ? 'a positive whole number of tokens' : 'a non-negative price in USD per 1M tokens'}` });
    }
    overrides[model] = ok;
  }
  return { overrides, problems };
}

// ---- the catalog --------------------------------------------------------------------------------

const DATE_SUFFIX = /(?:-|@)(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{4})$/;
const CLAUDE_CODE_ALIAS = /^(sonnet|opus|haiku|opusplan)$/;
const PROVIDER_PREFIX = /^(?:anthropic|openai|google|gemini|vertex_ai|vertex|bedrock|azure|openrouter|models)[/.:]|^(?:us|eu|apac|global)\.anthropic\./;

export class Catalog {
  private readonly models = new Map<string, ModelInfo>();
  private readonly resolved = new Map<string, ModelInfo | null>();

  constructor(table: unknown = bundled, overrides: PriceOverrides = {}) {
    // The bundled table is part of the build, not outside data: the tests hold it to the schema (parsed,
    // it is itself, catalog.test.ts), and parsing it again at every start cost ~10 ms of each CLI run.
    const parsed = table === bundled ? (bundled as unknown as z.infer<typeof PriceTableSchema>) : PriceTableSchema.parse(table);
    for (const [id, e] of Object.entries(parsed.models)) this.models.set(id, toInfo(id, e));
    for (const [rawId, o] of Object.entries(overrides)) this.applyOverride(rawId, o);
  }

  private applyOverride(rawId: string, o: Partial<Record<OverrideField, number>>): void {
    const base = this.resolve(rawId);
    this.resolved.clear();
    this.undated = undefined;
    if (base) {
      // The override covers the dated snapshots of the same model too: agents log those ids.
      const undated = base.id.replace(DATE_SUFFIX, '');
      for (const m of [...this.models.values()].filter(m => m.id === base.id || m.id.replace(DATE_SUFFIX, '') === undated)) {
        const rates = { ...m.rates, ...pick(o, ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h']) };
        this.models.set(m.id, { ...m, rates, contextWindow: o.contextWindow ?? m.contextWindow, overridden: true,
          // a user who re-prices a model has told us its price; stale long-context tiers would contradict it
          longContext: Object.keys(o).some(k => k !== 'contextWindow') ? [] : m.longContext });
      }
    } else if (o.input !== undefined) {
      const id = normalize(rawId);
      this.models.set(id, { id, provider: 'custom', family: id, tier: 'balanced', overridden: true, longContext: [], webSearchPerRequest: DEFAULT_WEB_SEARCH_USD,
        rates: fillRates({ input: o.input, output: o.output, cacheRead: o.cacheRead, cacheWrite5m: o.cacheWrite5m, cacheWrite1h: o.cacheWrite1h }),
        contextWindow: o.contextWindow });
    }
  }

  all(): ModelInfo[] { return [...this.models.values()]; }

  /** The catalog without dated snapshots whose undated alias is also listed: what a picker should show. */
  primary(): ModelInfo[] {
    return this.all().filter(m => {
      const base = m.id.replace(/-v\d+(?::\d+)?$/, '').replace(DATE_SUFFIX, '');
      return base === m.id || !this.models.has(base);
    });
  }

  /** Resolves an id as agents and users write it; null means "unpriced", never $0. */
  resolve(rawId: string | undefined | null): ModelInfo | null {
    if (!rawId) return null;
    const hit = this.resolved.get(rawId);
    if (hit !== undefined) return hit;
    const found = this.lookup(rawId);
    if (this.resolved.size > 10_000) this.resolved.clear();
    this.resolved.set(rawId, found);
    return found;
  }

  private lookup(rawId: string): ModelInfo | null {
    const id = normalize(rawId);
    const candidates = new Set<string>();
    const add = (s: string) => { candidates.add(s); candidates.add(s.replace(DATE_SUFFIX, '')); };
    add(id);
    // claude-sonnet-4.5 <-> claude-sonnet-4-5 ; gpt-5-2 <-> gpt-5.2
    add(id.replace(/(\d)\.(\d)/g, '$1-$2'));
    add(id.replace(/(\d)-(\d)(?!\d{3})/g, '$1.$2'));
    // claude-4-opus (old order) -> claude-opus-4
    const old = /^claude-(\d(?:[-.]\d)?)-(opus|sonnet|haiku)(.*)$/.exec(id);
    if (old) add(`claude-${old[2]}-${old[1]!.replace('.', '-')}${old[3]}`);
    // Copilot's display names: "Claude Sonnet 4.5", "GPT-5 mini", "Gemini 2.5 Pro (Preview)"
    const display = id.replace(/\s*\([^)]*\)\s*$/, '').trim().replace(/\s+/g, '-');
    if (display !== id) { add(display); add(display.replace(/(\d)\.(\d)/g, '$1-$2')); }
    for (const c of candidates) {
      const m = this.models.get(c);
      if (m) return m;
    }
    // an undated id whose only listing is a dated snapshot: claude-sonnet-4 -> claude-sonnet-4-20250514
    for (const c of candidates) {
      const m = this.undatedIndex().get(c);
      if (m) return m;
    }
    const alias = CLAUDE_CODE_ALIAS.exec(id);
    if (alias) return this.newestClaude(alias[1] === 'opusplan' ? 'opus' : alias[1]!);
    if (id.endsWith(FAST_MODEL_SUFFIX)) {
      const base = this.resolve(id.slice(0, -FAST_MODEL_SUFFIX.length));
      if (base) return fastVariant(base);
    }
    return null;
  }

  private undated: Map<string, ModelInfo> | undefined;
  private undatedIndex(): Map<string, ModelInfo> {
    if (this.undated && this.undated.size) return this.undated;
    this.undated = new Map();
    for (const m of this.models.values()) {
      const u = m.id.replace(/-v\d+(?::\d+)?$/, '').replace(DATE_SUFFIX, '');
      if (u !== m.id && !this.undated.has(u)) this.undated.set(u, m);
    }
    return this.undated;
  }

  /**
   * Claude Code's model aliases (`sonnet`, `opus`, `haiku`) stand for the newest model of that class;
   * which one depends on the Claude Code version, so we take the newest the catalog lists.
   */
  private newestClaude(kind: string): ModelInfo | null {
    const re = new RegExp(`^claude-${kind}-(\\d+)(?:-(\\d))?$`);
    return this.all().filter(m => re.test(m.id) && !m.deprecated)
      .sort((a, b) => compareVersions(versionOf(b.id), versionOf(a.id)))[0] ?? null;
  }

  /** The newest model of the same family one or two tiers cheaper, for "switch to" suggestions. */
  cheaperAlternatives(model: ModelInfo): ModelInfo[] {
    const rank = TIERS.indexOf(model.tier);
    const out: ModelInfo[] = [];
    for (const tier of TIERS.slice(rank + 1)) {
      const best = this.all()
        .filter(m => m.family === model.family && m.tier === tier && isSuggestable(m.id) && !m.deprecated && m.rates.input < model.rates.input)
        .sort((a, b) => compareVersions(versionOf(b.id), versionOf(a.id)) || a.id.length - b.id.length)[0];
      if (best) out.push(best);
    }
    return out;
  }

  /** Every tier of a model's family, the model itself included, for side-by-side prices. */
  familyTiers(model: ModelInfo): ModelInfo[] {
    return [model, ...this.cheaperAlternatives(model)];
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<T> {
  const r: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) r[k] = o[k];
  return r;
}

export function normalize(rawId: string): string {
  return rawId.trim().toLowerCase()
    .replace(/\[[^\]]*\]$/, '')            // claude-opus-4-7[1m]
    .replace(/-v\d+(?::\d+)?$/, '')        // bedrock's -v1:0
    .replace(PROVIDER_PREFIX, '')
    .replace(PROVIDER_PREFIX, '');
}

// Variants that are not a drop-in for ordinary chat or coding work.
const NOT_SUGGESTABLE = /preview|exp|audio|realtime|search|tts|transcribe|image|live|embedding|thinking|deep-research|customtools|latest|chat|instruct|computer-use|robotics|-\d{4,8}$|codex|pro-(?:high|low)|luna|sol|terra/;
function isSuggestable(id: string): boolean { return !NOT_SUGGESTABLE.test(id); }

function versionOf(id: string): number[] {
  return (id.match(/\d+/g) ?? []).map(Number).filter(n => n < 1000);
}
function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

let defaultCatalog: Catalog | undefined;
export function bundledCatalog(): Catalog { return (defaultCatalog ??= new Catalog()); }
