#!/usr/bin/env node
// Derives the bundled Copilot price table (src/core/data/copilot-prices.json) from GitHub's own
// table, github/docs `data/tables/copilot/models-and-pricing.yml` (per 1M tokens, USD; since
// 2026-06-01 Copilot bills in AI credits, 1 credit = $0.01).
// Usage: node src/tools/generate-copilot-prices.mjs path/to/models-and-pricing.yml [out.json] [source date]
// Model names are turned into the ids Copilot logs ('Claude Sonnet 4.5' -> 'claude-sonnet-4.5');
// a long-context row ('> 272K') becomes a tier of the model above it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SRC = process.argv[2];
const OUT = process.argv[3] ?? path.resolve(HERE, '../core/data/copilot-prices.json');
const DATE = process.argv[4] ?? new Date().toISOString().slice(0, 10);
if (!SRC) { console.error('usage: generate-copilot-prices.mjs models-and-pricing.yml [out.json] [source date]'); process.exit(2); }

// The file is a YAML list of flat maps of scalars: parsed here rather than adding a YAML dependency.
function parseList(text) {
  const rows = [];
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const m = /^(-\s+|\s+)([a-z_]+):\s*(.*)$/.exec(line);
    if (!m) throw new Error(`unexpected line: ${raw}`);
    if (m[1].startsWith('-')) rows.push(cur = {});
    if (!cur) throw new Error(`field before the first item: ${raw}`);
    cur[m[2]] = m[3].trim().replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return rows;
}

const usd = v => {
  const m = /^\$([0-9.]+)$/.exec(v ?? '');
  return m ? Number(m[1]) : undefined;
};
const idOf = name => name.replace(/\[\^[^\]]*\]/g, '').replace(/\((fast mode)\)/i, 'fast').replace(/\(preview\)/i, '')
  .trim().toLowerCase().replace(/\s+/g, '-');
const thresholdOf = t => {
  const m = /^>\s*([0-9.]+)\s*K$/i.exec(t ?? '');
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
};

const models = {};
for (const r of parseList(fs.readFileSync(SRC, 'utf8'))) {
  if (!r.model) continue;
  const id = idOf(r.model);
  const rates = { input: usd(r.input), cacheRead: usd(r.cached_input), output: usd(r.output), cacheWrite: usd(r.cache_write) ?? 0 };
  if (rates.input === undefined || rates.output === undefined) { console.warn(`skipped ${r.model}: no price`); continue; }
  rates.cacheRead ??= rates.input;
  const above = thresholdOf(r.threshold);
  if (above !== undefined) {
    if (!models[id]) throw new Error(`${r.model}: a long-context row before its default row`);
    (models[id].longContext ??= []).push({ threshold: above, ...rates });
  } else {
    models[id] = { name: r.model.replace(/\[\^[^\]]*\]/g, ''), provider: r.provider, ...rates };
  }
}
const out = {
  source: 'github/docs data/tables/copilot/models-and-pricing.yml',
  retrieved: DATE,
  unit: 'USD per 1M tokens',
  creditUSD: 0.01,
  models: Object.fromEntries(Object.entries(models).sort(([a], [b]) => a.localeCompare(b))),
};
fs.writeFileSync(OUT, JSON.stringify(out, null, 1) + '\n');
console.log(`${OUT}: ${Object.keys(models).length} models`);
