#!/usr/bin/env node
// Bundles the four entry points with esbuild (the extension host, the engine, the CLI, and the weekly
// summary webview, a browser script) and writes the token ranks next to them in binary form, so each
// encoding is loaded from disk only when first used (and never on the extension host).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const watch = process.argv.includes('--watch');
const minify = !process.argv.includes('--dev');

const common = {
  bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: false, minify,
  legalComments: 'none', logLevel: 'warning', absWorkingDir: ROOT,
};
// The OpenTelemetry sender is its own bundle, dist/otlp.js, required by the engine and the CLI only
// when an export runs (src/server/export.ts imports './otlp' lazily): with export off none of it loads.
const otlpApart = { name: 'otlp-apart', setup(b) { b.onResolve({ filter: /^\.\/otlp$/ }, () => ({ path: './otlp.js', external: true })); } };
const builds = [
  { entryPoints: { extension: 'src/extension/extension.ts' }, external: ['vscode'] },
  { entryPoints: { server: 'src/server/server.ts' }, plugins: [otlpApart] },
  // The CLI and the scan worker each start from a small launcher that runs the real bundle on V8's
  // compiled code of its last run (src/core/codeCache.ts). That bundle is compiled by vm.Script, which
  // has no loader for import(): the one dynamic import of an outside file (otlp.js) becomes a require.
  { entryPoints: { cli: 'src/cli/launch.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: { 'cli-main': 'src/cli/cli.ts' }, plugins: [otlpApart], supported: { 'dynamic-import': false } },
  // ESM builds of the OpenTelemetry packages tree-shake: ~76 KB instead of ~261 KB
  { entryPoints: { otlp: 'src/server/otlp.ts' }, mainFields: ['module', 'main'] },
  // the cold scan's worker thread, started by the engine and the CLI (src/core/usage/scanPool.ts)
  { entryPoints: { scanWorker: 'src/core/usage/scanWorkerLaunch.ts' } },
  { entryPoints: { 'scanWorker-main': 'src/core/usage/scanWorker.ts' }, supported: { 'dynamic-import': false } },
  // runs in the webview under a strict CSP: one self-contained script, no Node
  { entryPoints: { 'webview/week': 'src/webview/week.ts' }, platform: 'browser', target: 'es2022', format: 'iife' },
];
// Ranks: js-tiktoken's text form turned into the binary form src/core/ranks.ts reads without parsing
// (rank load ~130 ms -> a few ms). The writer is that module itself, bundled in memory.
fs.mkdirSync(path.join(ROOT, 'dist/ranks'), { recursive: true });
{
  const writer = await esbuild.build({ ...common, entryPoints: ['src/core/ranks.ts'], format: 'esm', minify: false, write: false });
  const { parseRanks, encodeRanks } = await import(`data:text/javascript;base64,${Buffer.from(writer.outputFiles[0].text).toString('base64')}`);
  const require = createRequire(import.meta.url);
  for (const name of ['o200k_base', 'cl100k_base']) {
    const file = require(`js-tiktoken/ranks/${name}`);
    const out = path.join(ROOT, `dist/ranks/${name}.bin`);
    fs.writeFileSync(out, encodeRanks(parseRanks(file), file.pat_str));
    fs.rmSync(path.join(ROOT, `dist/ranks/${name}.cjs`), { force: true }); // the text form of older builds
    console.log(`dist/ranks/${name}.bin ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
  }
}
// SQLite (WASM) for the agents that keep their usage in databases: loaded by the engine and the CLI on first use
fs.copyFileSync(path.join(ROOT, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), path.join(ROOT, 'dist/node-sqlite3-wasm.wasm'));
if (watch) {
  for (const b of builds) await (await esbuild.context({ ...common, ...b, outdir: 'dist' })).watch();
} else {
  await Promise.all(builds.map(b => esbuild.build({ ...common, ...b, outdir: 'dist' })));
  fs.chmodSync(path.join(ROOT, 'dist/cli.js'), 0o755);
  for (const f of ['extension.js', 'server.js', 'cli.js', 'cli-main.js', 'otlp.js', 'scanWorker.js', 'scanWorker-main.js', 'webview/week.js']) {
    console.log(`dist/${f} ${(fs.statSync(path.join(ROOT, 'dist', f)).size / 1024).toFixed(0)} KiB`);
  }
}
