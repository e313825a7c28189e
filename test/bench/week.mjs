#!/usr/bin/env node
// Weekly-summary benchmark on the agent benchmark's ~500 MB Claude Code tree (test/bench/agents.mjs
// generates it; a smaller tree is generated here if it is missing): `tokenomics week --format json`
// with a warm index, and buildWeek in-process. Run alone with `node test/bench/week.mjs`.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'test/bench/.data');
const BIG_TREE = path.join(DATA, 'claude-tree');
const SMALL_TREE = path.join(DATA, 'week-tree');
const WEEK = '2026-03-16';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(args, env) {
  const t = process.hrtime.bigint();
  const p = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (p.status !== 0) throw new Error(`node ${args.join(' ')} failed (${p.status}): ${p.stderr}`);
  return { ms, stdout: p.stdout };
}

/** A small stand-in tree when the agents benchmark has not generated its big one. */
function smallTree(log) {
  const marker = path.join(SMALL_TREE, '.complete-v1');
  if (fs.existsSync(marker)) return SMALL_TREE;
  log(`generating ${SMALL_TREE} (once)…`);
  fs.rmSync(SMALL_TREE, { recursive: true, force: true });
  const t0 = Date.UTC(2026, 2, 9);
  for (let f = 0; f < 200; f++) {
    const cwd = `/home/dev/p${f % 20}`, session = `00000000-0000-4000-8000-${String(f).padStart(12, '0')}`;
    const dir = path.join(SMALL_TREE, 'projects', cwd.replace(/[/.]/g, '-'));
    fs.mkdirSync(dir, { recursive: true });
    const lines = [];
    let ts = t0 + f * 3_000_000;
    for (let i = 0; i < 150; i++) {
      ts += 30_000;
      const iso = new Date(ts).toISOString();
      const usage = `{"input_tokens":5,"cache_creation_input_tokens":${(i * 37) % 9000},"cache_read_input_tokens":${20000 + i * 900},"output_tokens":${50 + (i % 900)}}`;
      lines.push(`{"type":"assistant","cwd":"${cwd}","sessionId":"${session}","timestamp":"${iso}","requestId":"r${f}_${i}","message":{"id":"m${f}_${i}","model":"claude-sonnet-4-5-20250929","content":[{"type":"tool_use","id":"t${f}_${i}","name":"Edit","input":{"file_path":"${cwd}/a${i % 9}.ts","old_string":"a","new_string":"b\\nc"}}],"usage":${usage}}}`);
      lines.push(`{"type":"user","cwd":"${cwd}","sessionId":"${session}","timestamp":"${iso}","message":{"role":"user","content":[{"tool_use_id":"t${f}_${i}","type":"tool_result","content":"${'x'.repeat(2000 + (i % 7) * 3000)}"}]}}`);
    }
    fs.writeFileSync(path.join(dir, `${session}.jsonl`), lines.join('\n') + '\n');
  }
  fs.writeFileSync(marker, '1');
  return SMALL_TREE;
}

export async function run(log = console.log) {
  const big = fs.existsSync(BIG_TREE) && fs.readdirSync(BIG_TREE).some(f => f.startsWith('.complete-'));
  const tree = big ? BIG_TREE : smallTree(log);
  const cli = path.join(ROOT, 'dist/cli.js');
  if (!fs.existsSync(cli)) { log('building dist/…'); execFileSync(process.execPath, [path.join(ROOT, 'src/tools/build.mjs')], { cwd: ROOT, stdio: 'ignore' }); }
  if (!fs.existsSync(path.join(ROOT, 'out/src/core/week/build.js'))) { log('compiling out/ (tsc)…'); execFileSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' }); }
  const bytes = walk(tree).reduce((n, f) => n + fs.statSync(f).size, 0);
  log(`tree: ${tree} (${(bytes / 1e6).toFixed(0)} MB)${big ? '' : ' — the agents benchmark tree is missing; a smaller one is used'}`);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-weekbench-home-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-weekbench-cache-'));
  const env = { PATH: process.env.PATH, HOME: home, TZ: 'UTC', CODEX_HOME: path.join(home, 'none'), XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: path.join(home, '.config') };
  const args = [cli, 'week', '--week', WEEK, '--format', 'json', '--claude-dir', tree];
  try {
    const cold = timed(args, env);
    const summary = JSON.parse(cold.stdout);
    log(`week ${summary.range.weekStart}: ${summary.headline.requests} requests, ${summary.headline.sessions} sessions, $${summary.headline.spendUSD.toFixed(2)}, ${summary.value.linesChanged} lines changed`);
    log(`first week --format json (cold index and transcript cache): ${cold.ms.toFixed(0)} ms`);
    const warm = [];
    let same = true;
    for (let i = 0; i < 7; i++) {
      const r = timed(args, env);
      warm.push(r.ms);
      const a = JSON.parse(r.stdout);
      same &&= JSON.stringify({ ...a, generatedAt: 0 }) === JSON.stringify({ ...summary, generatedAt: 0 });
    }
    log(`warm week --format json: ${median(warm).toFixed(0)} ms (target ≤ 500 ms)${same ? '' : ' OUTPUT DIFFERS FROM COLD'}`);
    const md = [];
    for (let i = 0; i < 3; i++) md.push(timed([cli, 'week', '--week', WEEK, '--format', 'md', '--claude-dir', tree], env).ms);
    log(`warm week --format md: ${median(md).toFixed(0)} ms (target ≤ 500 ms)`);

    // in-process: buildWeek over the indexed records with the transcript facts in memory
    const req = createRequire(import.meta.url);
    const { UsageIndex } = req(path.join(ROOT, 'out/src/core/usage/usageIndex.js'));
    const { ActivityCache } = req(path.join(ROOT, 'out/src/core/activity.js'));
    const { buildWeek, computeWeek } = req(path.join(ROOT, 'out/src/core/week/build.js'));
    const { toMarkdown } = req(path.join(ROOT, 'out/src/core/week/export.js'));
    const { bundledCatalog } = req(path.join(ROOT, 'out/src/core/catalog.js'));
    const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: tree, explicit: true }], cacheFile: path.join(cache, 'inproc.bin'), autoSave: false });
    await index.refresh();
    const records = index.records();
    const act = new ActivityCache(null);
    let t = performance.now();
    await computeWeek(records, bundledCatalog(), act, { weekStart: WEEK, timezone: 'UTC' });
    log(`in-process computeWeek, transcript facts cold (${act.reads} transcripts read): ${(performance.now() - t).toFixed(0)} ms`);
    const runs = [];
    let w;
    for (let i = 0; i < 7; i++) {
      t = performance.now();
      w = buildWeek(records, (f, a) => act.get(f, a), bundledCatalog(), { weekStart: WEEK, timezone: 'UTC', instructionFiles: [] });
      runs.push(performance.now() - t);
    }
    log(`in-process buildWeek over ${records.length} records (facts warm): ${median(runs).toFixed(1)} ms (target ≤ 500 ms end to end)`);
    t = performance.now();
    const text = toMarkdown(w);
    log(`Markdown export: ${(performance.now() - t).toFixed(1)} ms (${(text.length / 1024).toFixed(0)} KiB)`);
    const payload = JSON.stringify(w).length;
    log(`summary JSON sent to the webview: ${(payload / 1024).toFixed(0)} KiB`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p)); else if (e.name.endsWith('.jsonl')) out.push(p);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch(e => { console.error(e); process.exit(1); });
}
