// Weekly summary in the real VS Code on the ~500 MB benchmark tree: time from opening the summary to the
// webview's first full render, after the engine's usage index is warm (issue 6's 500 ms target).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInHostTests, makeTmp } from '../e2e/harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const TREE = path.join(HERE, '.data/claude-tree');
const WEEK = '2026-03-16';
const PREV_WEEK = '2026-03-09';

export async function run(log) {
  if (!fs.existsSync(path.join(TREE, 'projects'))) throw new Error(`no benchmark tree at ${TREE}: run the agents section first`);
  const tmp = makeTmp('bench-week-');
  const out = path.join(tmp, 'result.json');
  const ws = path.join(tmp, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  const code = await runInHostTests({
    name: 'bench-week', devPath: ROOT, testsPath: path.join(HERE, 'inhost-week/index.js'), folder: ws,
    env: { CLAUDE_CONFIG_DIR: TREE, TZ: 'UTC', TOKENOMICS_BENCH_WEEK: WEEK, TOKENOMICS_BENCH_PREV_WEEK: PREV_WEEK, TOKENOMICS_BENCH_OUT: out },
    userSettings: { 'tokenomics.timezone': 'UTC', 'tokenomics.weeklySummary.notify': false },
  });
  if (code !== 0 || !fs.existsSync(out)) throw new Error(`the in-host benchmark failed (exit ${code})`);
  const r = JSON.parse(fs.readFileSync(out, 'utf8'));
  log(`engine index ready on the tree (cold build in a fresh profile): ${r.indexReadyMs} ms`);
  log(`weekly summary of ${WEEK} in VS Code, open -> first full render, index warm and engine idle: ${r.firstOpen.webviewMs} ms (target ≤ 500 ms)`);
  log(`previous week inside the open panel: ${r.navigateMs} ms; close and re-open: ${r.reopen.webviewMs} ms (VS Code re-creating the webview)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run(console.log);
