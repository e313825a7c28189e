// Prompt analysis benchmarks (issue 4): a ~1 MB prompt file analysed cold with every rule, the median
// re-analysis after a one-character edit, and the engine process's memory with 20 such files open.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from './lsp-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const { getCounter } = require(path.join(ROOT, 'out/src/core/tokenizer.js'));
const { PromptAnalyzer } = require(path.join(ROOT, 'out/src/core/prompt/index.js'));
const { Catalog } = require(path.join(ROOT, 'out/src/core/catalog.js'));
const { parseSettings } = require(path.join(ROOT, 'out/src/core/settings.js'));

const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

function rng(seed) {
  let a = seed >>> 0;
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const WORDS = ('service request handler database migration cache token budget deploy release branch review test fixture schema '
  + 'endpoint client server queue worker retry timeout index query column table config secret environment feature flag metric '
  + 'alert dashboard owner module package build lint format commit changelog version api contract error log trace span user account '
  + 'invoice payment order cart price currency locale timezone date report export import job schedule').split(' ');

/** A realistic ~`bytes` prompt file: sections of prose, rules, code and tables, with bloat planted throughout. */
export function promptFile(bytes = 1_000_000, seed = 1) {
  const r = rng(seed);
  const pick = a => a[Math.floor(r() * a.length)];
  const sentence = () => { const n = 8 + Math.floor(r() * 14); const w = Array.from({ length: n }, () => pick(WORDS)); w[0] = w[0][0].toUpperCase() + w[0].slice(1); return `${w.join(' ')}.`; };
  const para = () => Array.from({ length: 2 + Math.floor(r() * 4) }, sentence).join(' ');
  let out = '# Project instructions\n\nThese instructions describe how agents work in this repository.\n\n';
  let k = 0;
  const repeated = [];
  while (out.length < bytes) {
    k++;
    out += `## Section ${k}: ${pick(WORDS)} ${pick(WORDS)}\n\n${para()}\n\n`;
    const items = Array.from({ length: 3 + Math.floor(r() * 4) }, () => `- ${sentence()}`);
    out += `${items.join('\n')}\n\n`;
    if (k % 3 === 0) out += `\`\`\`ts\nexport function ${pick(WORDS)}${k}(input: string): number {\n  return input.length * ${k};\n}\n\`\`\`\n\n`;
    if (k % 5 === 0) out += `| key | value |\n|---|---|\n${Array.from({ length: 4 }, () => `| ${pick(WORDS)} | ${pick(WORDS)} |`).join('\n')}\n\n`;
    // planted bloat
    if (k % 7 === 0) { const p = para(); repeated.push(p); out += `${p}\n\n`; }
    if (k % 7 === 3 && repeated.length) out += `${pick(repeated)}\n\n`;
    if (k % 11 === 0) out += `I want you to ${pick(WORDS)} the ${pick(WORDS)} in order to keep the ${pick(WORDS)} small.\n\n`;
    if (k % 13 === 0) out += `${Array.from({ length: 6 }, () => `${sentence()}        `).join('\n')}\n\n\n\n\n`;
    if (k % 29 === 0) out += `\`\`\`\n${Array.from({ length: 40 }, (_, i) => `2025-02-0${1 + (i % 9)}T10:00:${String(i % 60).padStart(2, '0')}Z ERROR ${pick(WORDS)} failed for request ${k * 100 + i}`).join('\n')}\n\`\`\`\n\n`;
    if (k % 97 === 0) out += `![diagram](data:image/png;base64,${Buffer.from(Array.from({ length: 1500 }, () => Math.floor(r() * 256))).toString('base64')})\n\n`;
  }
  return out;
}

export async function run(log) {
  const counter = await getCounter('o200k_base');
  counter.count('warm up the tokenizer on something else entirely');
  const { settings } = parseSettings({});
  const catalog = new Catalog();
  const input = text => ({ text, path: '/bench/CLAUDE.md', settings, catalog, defaultModel: 'gpt-4o' });

  let text = promptFile();
  const analyzer = new PromptAnalyzer(counter);
  let t = performance.now();
  const first = analyzer.analyze(input(text));
  const cold = performance.now() - t;
  const byRule = {};
  for (const f of first.findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  log(`prompt file: ${(text.length / 1e6).toFixed(2)} MB, ${first.tokens.toLocaleString('en-US')} tokens, ${first.blockCount} blocks, findings ${JSON.stringify(byRule)}`);
  log(`cold analysis (all rules, tokenizer loaded): ${cold.toFixed(0)} ms (target ≤ 300 ms)`);

  const r = rng(99);
  const times = [];
  for (let i = 0; i < 31; i++) {
    const at = Math.floor(r() * text.length);
    text = text.slice(0, at) + 'etaoin x'[i % 8] + text.slice(at);
    t = performance.now();
    analyzer.analyze(input(text));
    times.push(performance.now() - t);
  }
  log(`re-analysis after a one-character edit: median ${median(times).toFixed(1)} ms over ${times.length} edits, max ${Math.max(...times).toFixed(1)} ms (target ≤ 30 ms)`);

  const server = await startServer({ settings: { model: 'gpt-4o' }, rootDir: '/bench' });
  try {
    const uris = [];
    t = performance.now();
    for (let i = 0; i < 20; i++) {
      const uri = `file:///bench/project-${i}/CLAUDE.md`;
      uris.push(uri);
      server.open(uri, promptFile(1_000_000, i + 2));
    }
    let diagnostics = 0;
    for (const uri of uris) diagnostics += (await server.waitDiagnostics(uri, 120_000)).length;
    const all = performance.now() - t;
    const burst = server.rssMB();
    // What the engine holds once the burst of 20 simultaneous opens has been analysed and collected.
    await new Promise(r => setTimeout(r, 3000));
    const settled = server.rssMB();
    const heap = await server.conn.sendRequest('tokenomics/memory');
    log(`engine process with 20 × 1 MB prompt files open: RSS ${settled.rss.toFixed(0)} MB settled (target < 200 MB), ${burst.rss.toFixed(0)} MB right after the burst, peak ${settled.peak.toFixed(0)} MB; V8 heap used ${(heap.heapUsed / 1e6).toFixed(0)} MB; ${diagnostics} diagnostics published in ${(all / 1000).toFixed(1)} s`);
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(console.log);
