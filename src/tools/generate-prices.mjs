#!/usr/bin/env node
// Derives the bundled price table (src/core/data/prices.json) from a LiteLLM-format price file.
// Usage: node src/tools/generate-prices.mjs [path/to/model_prices.json] [out.json]
// Prices are stored in USD per million tokens: they read like the providers' price pages, and a
// hand-edited override in settings uses the same unit.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = process.argv[2] ?? path.resolve(HERE, '../../../shared/pricing/litellm-prices-2026-07-24.json');
const OUT = process.argv[3] ?? path.resolve(HERE, '../core/data/prices.json');

const PROVIDERS = {
  anthropic: 'anthropic', openai: 'openai', 'text-completion-openai': 'openai', gemini: 'google',
  'vertex_ai-language-models': 'google', xai: 'xai', deepseek: 'deepseek', moonshot: 'moonshot',
  zhipu: 'zhipu', minimax: 'minimax', bedrock: 'anthropic',
};
const MODES = new Set(['chat', 'responses', 'completion']);
// Fast-mode multiples where the snapshot is wrong, by model id prefix. Opus 4.8 fast is $10 / $50 per
// 1M against $5 / $25 standard, 2x (Anthropic's pricing page as quoted in models.dev PR #4123 and
// Portkey-AI/models PR #720; LiteLLM PR #29238 added 2.0, a review changed it to the 6.0 of Opus 4.6;
// ccusage rust/crates/ccusage/src/fast-multiplier-overrides.json has 2.0).
const FAST_OVERRIDES = [['claude-opus-4-8', 2]];
const fastOverride = id => FAST_OVERRIDES.find(([prefix]) => id === prefix || id.startsWith(prefix + '-') || id.startsWith(prefix + '@'))?.[1];
const perM = v => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 1e6 * 1e6) / 1e6 : undefined);

// Tiers are a product judgement, not a LiteLLM field: the rules are by name within a family.
function classify(id, provider) {
  if (provider === 'anthropic') {
    return { family: 'claude', tier: /haiku/.test(id) ? 'fast' : /sonnet/.test(id) ? 'balanced' : 'frontier' };
  }
  if (provider === 'google') {
    return { family: 'gemini', tier: /flash-lite|lite/.test(id) ? 'fast' : /flash/.test(id) ? 'balanced' : 'frontier' };
  }
  if (provider === 'openai') {
    const family = /^gpt-5/.test(id) ? 'gpt-5' : /^gpt-4\.1/.test(id) ? 'gpt-4.1' : /^gpt-4o/.test(id) ? 'gpt-4o'
      : /^o\d/.test(id) ? 'o-series' : /^gpt-3\.5|^gpt-4/.test(id) ? 'gpt-legacy' : 'openai';
    return { family, tier: /nano/.test(id) ? 'fast' : /mini|spark/.test(id) ? 'balanced' : 'frontier' };
  }
  return { family: provider, tier: /flash|lite|mini|non-reasoning/.test(id) ? 'fast' : /pro|reasoning|multi-agent/.test(id) ? 'frontier' : 'balanced' };
}

function longContext(e) {
  const tiers = new Map();
  for (const [key, value] of Object.entries(e)) {
    const m = /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost|cache_creation_input_token_cost_above_1hr)_above_(\d+)k_tokens$/.exec(key);
    if (!m || typeof value !== 'number') continue;
    const threshold = Number(m[2]) * 1000;
    const t = tiers.get(threshold) ?? { threshold };
    const field = { input_cost_per_token: 'input', output_cost_per_token: 'output', cache_read_input_token_cost: 'cacheRead',
      cache_creation_input_token_cost: 'cacheWrite5m', cache_creation_input_token_cost_above_1hr: 'cacheWrite1h' }[m[1]];
    t[field] = perM(value);
    tiers.set(threshold, t);
  }
  return [...tiers.values()].filter(t => t.input !== undefined).sort((a, b) => a.threshold - b.threshold);
}

// LiteLLM prices a search by context size; agents do not log the size, and Anthropic's is flat.
function webSearchPrice(c) {
  if (!c || typeof c !== 'object') return undefined;
  const v = c.search_context_size_medium ?? c.search_context_size_low ?? c.search_context_size_high;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

const raw = JSON.parse(fs.readFileSync(SRC, 'utf8'));
const models = {};
for (const [id, e] of Object.entries(raw).sort(([a], [b]) => a.localeCompare(b))) {
  if (!e || typeof e !== 'object' || !MODES.has(e.mode)) continue;
  const provider = PROVIDERS[e.litellm_provider];
  if (!provider || typeof e.input_cost_per_token !== 'number') continue;
  const input = perM(e.input_cost_per_token);
  const entry = {
    provider,
    ...classify(id, provider),
    input,
    output: perM(e.output_cost_per_token) ?? input,
    cacheRead: perM(e.cache_read_input_token_cost),
    cacheWrite5m: perM(e.cache_creation_input_token_cost),
    cacheWrite1h: perM(e.cache_creation_input_token_cost_above_1hr),
    contextWindow: e.max_input_tokens ?? e.max_tokens ?? undefined,
    maxOutput: e.max_output_tokens ?? undefined,
    // fast mode (Claude Code `usage.speed: "fast"`) is billed at this multiple of every rate
    fastMultiplier: typeof e.provider_specific_entry?.fast === 'number' && e.provider_specific_entry.fast > 0 ? fastOverride(id) ?? e.provider_specific_entry.fast : undefined,
    // server-side web search, USD per search (Anthropic: $10 per 1,000)
    webSearchPerRequest: webSearchPrice(e.search_context_cost_per_query),
  };
  const lc = longContext(e);
  if (lc.length) entry.longContext = lc;
  if (e.deprecation_date) entry.deprecated = e.deprecation_date;
  for (const k of Object.keys(entry)) if (entry[k] === undefined) delete entry[k];
  models[id] = entry;
}
const table = { source: path.basename(SRC), unit: 'USD per 1M tokens', models };
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify(table, null, 1) + '\n');
console.log(`wrote ${Object.keys(models).length} models to ${path.relative(process.cwd(), OUT)}`);
