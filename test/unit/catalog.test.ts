import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, parseOverrides, PriceTableSchema } from '../../src/core/catalog';
import { requestCost, inputCost, ZERO_USAGE } from '../../src/core/cost';
import { countingFor } from '../../src/core/encodings';
import table from '../../src/core/data/prices.json';

const catalog = new Catalog();

test('the bundled table validates and keeps the major families', () => {
  assert.ok(PriceTableSchema.safeParse(table).success);
  // the catalog takes the bundled table without parsing it: parsed, it must be itself (no key dropped, no value changed)
  assert.deepStrictEqual(PriceTableSchema.parse(table), table);
  assert.deepStrictEqual(new Catalog(structuredClone(table)).all(), catalog.all(), 'a copy, which is parsed, gives the same catalog');
  for (const id of ['claude-opus-4-7', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'gpt-5.5', 'gpt-4o', 'gemini-2.5-pro', 'gemini-2.5-flash']) {
    assert.ok(catalog.resolve(id), id);
  }
});

test('ids resolve through date suffixes, provider prefixes, dots and brackets', () => {
  const cases: [string, string][] = [
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929'],
    ['claude-sonnet-4-5-20991231', 'claude-sonnet-4-5'],
    ['anthropic/claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['claude-sonnet-4.5', 'claude-sonnet-4-5'],
    ['Claude-Opus-4-7[1m]', 'claude-opus-4-7'],
    ['openai/gpt-5.2-codex', 'gpt-5.2-codex'],
    ['gpt-5-2', 'gpt-5.2'],
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    ['claude-4-opus-20250514', 'claude-4-opus-20250514'],
    ['gemini/gemini-2.5-pro', 'gemini-2.5-pro'],
  ];
  for (const [raw, want] of cases) assert.equal(catalog.resolve(raw)?.id, want, raw);
});

test('an unknown model is unpriced, never $0', () => {
  assert.equal(catalog.resolve('my-local-llama'), null);
  assert.equal(requestCost(null, { ...ZERO_USAGE, input: 1000 }), null);
  assert.equal(inputCost(catalog.resolve('nope-1'), 10), null);
});

test('request cost covers every token kind at its rate', () => {
  const m = catalog.resolve('claude-sonnet-4-5')!;
  // $3 in, $15 out, $0.30 read, $3.75 5m write, $6 1h write per 1M
  const cost = requestCost(m, { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite5m: 1_000_000, cacheWrite1h: 1_000_000 });
  // the prompt (4M) crosses 200k, so every token pays the long-context rates: 6 + 22.5 + 0.6 + 7.5 + 12
  assert.ok(Math.abs(cost! - 48.6) < 1e-9, String(cost));
  const small = requestCost(m, { input: 1000, output: 1000, cacheRead: 1000, cacheWrite5m: 1000, cacheWrite1h: 1000 });
  assert.ok(Math.abs(small! - (3 + 15 + 0.3 + 3.75 + 6) / 1000) < 1e-12);
});

test('long-context pricing reprices the whole request once input crosses the threshold', () => {
  const m = catalog.resolve('claude-sonnet-4-5')!;
  const below = requestCost(m, { ...ZERO_USAGE, input: 100_000, cacheRead: 100_000, output: 1000 })!; // exactly 200k: not above
  const above = requestCost(m, { ...ZERO_USAGE, input: 100_001, cacheRead: 100_000, output: 1000 })!;
  assert.ok(Math.abs(below - (100_000 * 3 + 100_000 * 0.3 + 1000 * 15) / 1e6) < 1e-12);
  assert.ok(Math.abs(above - (100_001 * 6 + 100_000 * 0.6 + 1000 * 22.5) / 1e6) < 1e-12);
});

// Fast mode is billed at a multiple of every rate: Opus 4.6 at 6x (LiteLLM provider_specific_entry.fast),
// Opus 4.8 at 2x ($10 / $50 per 1M against $5 / $25: Anthropic's pricing page as quoted in models.dev
// PR #4123; ccusage fast-multiplier-overrides.json) where the LiteLLM snapshot says 6 (generate-prices.mjs).
test('fast mode costs the model\'s fast multiple: 6x on Opus 4.6, 2x on Opus 4.8', () => {
  const u = { ...ZERO_USAGE, input: 1_000_000, output: 100_000, cacheRead: 2_000_000, cacheWrite5m: 10_000 };
  for (const [id, k] of [['claude-opus-4-6', 6], ['claude-opus-4-8', 2], ['claude-opus-4-8-20260601', 2]] as const) {
    const fast = requestCost(catalog.resolve(`${id}-fast`), u)!, base = requestCost(catalog.resolve(id), u)!;
    assert.ok(base > 0 && Math.abs(fast - k * base) < 1e-9, `${id}: ${fast} vs ${k} x ${base}`); // was 6x on Opus 4.8
  }
  assert.equal(requestCost(catalog.resolve('claude-opus-4-8-fast'), { ...ZERO_USAGE, input: 1_000_000, output: 1_000_000 }), 10 + 50);
});

test('missing cache prices follow the providers\' usual rule', () => {
  const m = catalog.resolve('gemini-2.5-pro')!;
  assert.equal(m.rates.cacheWrite5m, 1.25 * 1.25);
  assert.equal(m.rates.cacheWrite1h, 2 * 1.25);
});

test('cheaper alternatives stay in the family and are cheaper', () => {
  const opus = catalog.resolve('claude-opus-4-7')!;
  const alts = catalog.cheaperAlternatives(opus).map(m => m.id);
  assert.deepEqual(alts, ['claude-sonnet-5', 'claude-haiku-4-5']);
  const gpt = catalog.cheaperAlternatives(catalog.resolve('gpt-5.5')!).map(m => m.id);
  assert.ok(gpt.every(id => id.startsWith('gpt-5')), gpt.join());
  assert.ok(gpt.length >= 1);
  assert.deepEqual(catalog.cheaperAlternatives(catalog.resolve('claude-haiku-4-5')!), []);
});

test('overrides are validated field by field; the bundled price stays for bad fields', () => {
  const { overrides, problems } = parseOverrides({
    'claude-sonnet-4-5': { input: 2, output: 'cheap', foo: 1 },
    'my-model': { input: 1, output: 2, contextWindow: 32000 },
    broken: 5,
  });
  assert.deepEqual(problems.map(p => `${p.model}.${p.field}`).sort(), ['broken.*', 'claude-sonnet-4-5.foo', 'claude-sonnet-4-5.output']);
  const c = new Catalog(undefined, overrides);
  const s = c.resolve('claude-sonnet-4-5-20250929')!;
  assert.equal(s.rates.input, 2);
  assert.equal(s.rates.output, 15);
  assert.equal(s.overridden, true);
  const mine = c.resolve('my-model')!;
  assert.equal(mine.rates.output, 2);
  assert.equal(mine.contextWindow, 32000);
  assert.equal(parseOverrides([1, 2]).problems.length, 1);
});

test('OpenAI models count exactly; Claude and Gemini are labelled estimates', () => {
  assert.deepEqual([countingFor(catalog.resolve('gpt-4o')).exact, countingFor(catalog.resolve('gpt-4o')).encoding], [true, 'o200k_base']);
  assert.equal(countingFor(catalog.resolve('gpt-4-turbo')).encoding, 'cl100k_base');
  const claude = countingFor(catalog.resolve('claude-sonnet-4-5'));
  assert.equal(claude.exact, false);
  assert.match(claude.label, /≈.*o200k_base × 1\.15/);
  assert.match(countingFor(catalog.resolve('claude-opus-4-7')).label, /× 1\.35/);
  assert.match(countingFor(catalog.resolve('gemini-2.5-pro')).label, /≈/);
  assert.equal(countingFor(null, 'claude-next-9').exact, false);
});

test('the picker list drops dated snapshots of listed models', () => {
  const ids = catalog.primary().map(m => m.id);
  assert.ok(ids.includes('claude-sonnet-4-5'));
  assert.ok(!ids.includes('claude-sonnet-4-5-20250929'));
  assert.ok(!ids.includes('claude-sonnet-4-5-20250929-v1:0'));
  assert.ok(ids.includes('claude-3-haiku-20240307'), 'a snapshot with no undated alias stays');
});

test('models as prompt authors write them: Claude Code aliases, Copilot display names, undated ids', () => {
  // Claude Code's `sonnet` / `opus` / `haiku` name the newest model of the class (the catalog's newest)
  const newest = (kind: string) => catalog.all().filter(m => new RegExp(`^claude-${kind}-\\d+(?:-\\d)?$`).test(m.id))
    .map(m => m.id).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
  for (const kind of ['sonnet', 'opus', 'haiku']) assert.equal(catalog.resolve(kind)?.id, newest(kind), kind);
  assert.equal(catalog.resolve('opusplan')?.id, catalog.resolve('opus')?.id);
  assert.equal(catalog.resolve('sonnet[1m]')?.id, catalog.resolve('sonnet')?.id);
  // Copilot's model picker names (agent and prompt files' `model:`)
  assert.equal(catalog.resolve('Claude Sonnet 4.5')?.id, 'claude-sonnet-4-5');
  assert.equal(catalog.resolve('Claude Sonnet 4.5 (copilot)')?.id, 'claude-sonnet-4-5');
  assert.equal(catalog.resolve('GPT-5 mini')?.id, 'gpt-5-mini');
  assert.equal(catalog.resolve('Gemini 2.5 Pro')?.id, 'gemini-2.5-pro');
  assert.equal(catalog.resolve('GPT-4.1')?.id, 'gpt-4.1');
  // an undated id listed only as a dated snapshot
  assert.equal(catalog.resolve('claude-sonnet-4')?.id, 'claude-sonnet-4-20250514');
  assert.equal(catalog.resolve('claude-opus-4')?.id, 'claude-opus-4-20250514');
  // still unpriced, never guessed
  assert.equal(catalog.resolve('inherit'), null);
  assert.equal(catalog.resolve('sonnet-ish'), null);
  assert.equal(catalog.resolve('Some Model 3'), null);
});
