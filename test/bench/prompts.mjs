// Prompt analysis benchmarks (issue 4): a ~1 MB prompt file analysed cold with every rule, the median
// re-analysis after a one-character edit, and the engine process's memory with 20 such files open.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from './lsp-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const { getCounter } = require(path.join(ROOT, 'out/src/core/tokenizer.js'));
const { PromptAnalyzer } = require(path.join(ROOT, 'out/src/core/prompt/index.js'));
const { Catalog } = require(path.join(ROOT, 'out/src/core/catalog.js'));
const { parseSettings } = require(path.join(ROOT, 'out/src/core/settings.js'));
const { DiskWorkspaces } = require(path.join(ROOT, 'out/src/server/prompts/diskWorkspace.js'));

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
  await runWorkspace(log);
}

/**
 * A workspace of 200 instruction files (issue 12): 40 packages, each with a CLAUDE.md that imports its
 * AGENTS.md, a near copy in .windsurfrules, a Cursor rule and a Copilot file, on disk with a
 * package.json and source files, so imports, stale references and cross-file checks all run.
 */
function workspace200() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-ws-'));
  const write = (rel, text) => { fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); fs.writeFileSync(path.join(root, rel), text); };
  write('package.json', JSON.stringify({ name: 'bench', scripts: { test: 'x', build: 'x', lint: 'x' } }));
  const files = [];
  for (let p = 0; p < 40; p++) {
    const dir = `packages/p${p}`;
    const body = promptFile(3_000 + (p % 5) * 3_000, 100 + p).replace(/^# Project instructions/, `# Package p${p}`);
    write(`${dir}/src/index.ts`, 'export {};\n');
    const agents = `${body}\n- Run \`npm run test\` and \`npm run lint\`; the entry point is \`${dir}/src/index.ts\`; helpers live in \`${dir}/src/helpers/db.ts\`.\n`;
    const f = {
      [`${dir}/AGENTS.md`]: agents,
      [`${dir}/CLAUDE.md`]: `# Claude\n\nSee @AGENTS.md for everything.\n\n${body.slice(0, 1500)}\n`,
      [`${dir}/.windsurfrules`]: agents,
      [`${dir}/.cursor/rules/style.mdc`]: `---\nalwaysApply: true\n---\n${body.slice(0, 2000)}\n`,
      [`${dir}/.github/copilot-instructions.md`]: body,
    };
    for (const [rel, text] of Object.entries(f)) { write(rel, text); files.push({ rel, text }); }
  }
  return { root, files };
}

export async function runWorkspace(log) {
  const { root, files } = workspace200();
  try {
    // one edit, re-analysed with its workspace (imports, stale references, cross-file), in process
    const counter = await getCounter('o200k_base');
    const { settings } = parseSettings({});
    const catalog = new Catalog();
    const ws = new DiskWorkspaces().for(root);
    const file = files.find(f => f.rel.endsWith('p3/CLAUDE.md'));
    const abs = path.join(root, file.rel);
    const analyzer = new PromptAnalyzer(counter);
    const input = t => ({ text: t, path: abs, root, workspace: ws, settings, catalog, defaultModel: 'claude-sonnet-4-6' });
    const first = analyzer.analyze(input(file.text));
    const agents = files.find(f => f.rel.endsWith('p3/AGENTS.md'));
    const agentsAnalyzer = new PromptAnalyzer(counter);
    let agentsText = agents.text;
    agentsAnalyzer.analyze({ ...input(agentsText), path: path.join(root, agents.rel) });
    const r = rng(7);
    const times = [];
    for (let i = 0; i < 31; i++) {
      const at = Math.floor(r() * agentsText.length);
      agentsText = agentsText.slice(0, at) + 'etaoin x'[i % 8] + agentsText.slice(at);
      const t = performance.now();
      agentsAnalyzer.analyze({ ...input(agentsText), path: path.join(root, agents.rel) });
      times.push(performance.now() - t);
    }
    log(`workspace edit (AGENTS.md of ${agentsText.length.toLocaleString('en-US')} chars, with imports, stale references and 4 sibling instruction files): median ${median(times).toFixed(1)} ms over ${times.length} edits, max ${Math.max(...times).toFixed(1)} ms (target ≤ 30 ms); CLAUDE.md imports ${first.imports.length} file(s)`);

    // 200 files opened at once in the engine: all analysed, and the engine's memory after
    const server = await startServer({ settings: { model: 'claude-sonnet-4-6' }, rootDir: root });
    try {
      const t = performance.now();
      const uris = files.map(f => pathToFileURL(path.join(root, f.rel)).href);
      files.forEach((f, i) => server.open(uris[i], f.text));
      let diagnostics = 0;
      for (const uri of uris) diagnostics += (await server.waitDiagnostics(uri, 60_000)).length;
      const all = performance.now() - t;
      await new Promise(res => setTimeout(res, 2000));
      const mem = server.rssMB();
      log(`200 instruction files opened at once: all analysed in ${(all / 1000).toFixed(2)} s (target ≤ 2 s), ${diagnostics} diagnostics; engine RSS ${mem.rss.toFixed(0)} MB settled, peak ${mem.peak.toFixed(0)} MB (target < 200 MB)`);
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) { await run(console.log); await runWorkspace(console.log); }
