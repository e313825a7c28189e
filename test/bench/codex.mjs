#!/usr/bin/env node
// Codex benchmark: a generated ~300 MB tree in Codex's layout (sessions/YYYY/MM/DD/rollout-*.jsonl:
// a ~25 KB session_meta with base_instructions, turn_context, large tool outputs, token_count with
// rate limits), read cold and warm, against `ccusage codex daily` in the same run. The tree is clean
// (no re-emitted events, no forks) so both tools must agree to the token. Run alone with
// `node test/bench/codex.mjs`, or through the bench runner.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCcusage, hex, median, rng, sameWithWorkers, timed, uuid } from './agents.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'test/bench/.data');
const TREE = path.join(DATA, 'codex-tree');
const GEN_VERSION = 1;

const LOREM = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua '.repeat(400);
const filler = (n) => LOREM.slice(0, n);
const MODELS = ['gpt-5.2-codex', 'gpt-5.2-codex', 'gpt-5.1-codex-mini', 'gpt-5.3-codex'];

function generate(log) {
  const marker = path.join(TREE, `.complete-v${GEN_VERSION}`);
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8'));
  log(`generating ${TREE} (once)…`);
  fs.rmSync(TREE, { recursive: true, force: true });
  const r = rng(7);
  const FILES = 200, TURNS = 300;
  let bytes = 0, requests = 0;
  const t0 = Date.UTC(2026, 3, 1);
  const instructions = filler(24_000);
  for (let f = 0; f < FILES; f++) {
    let ts = t0 + Math.floor(r() * 45 * 86400_000);
    const start = new Date(ts);
    const day = start.toISOString().slice(0, 10).split('-');
    const id = uuid(r);
    const dir = path.join(TREE, 'sessions', ...day);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `rollout-${start.toISOString().slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`);
    const cwd = `/home/dev/project${f % 25}`;
    const lines = [];
    const iso = () => new Date(ts).toISOString();
    lines.push(`{"timestamp":"${iso()}","type":"session_meta","payload":{"id":"${id}","timestamp":"${iso()}","cwd":"${cwd}","originator":"codex_cli_rs","cli_version":"0.150.0","source":"cli","model_provider":"openai","base_instructions":{"text":"${instructions}"}}}`);
    let model = MODELS[f % MODELS.length];
    const total = { input: 0, cached: 0, output: 0, reasoning: 0 };
    for (let t = 0; t < TURNS; t++, requests++) {
      ts += 3000 + Math.floor(r() * 40_000);
      if (t % 50 === 0) { model = MODELS[(f + t / 50) % MODELS.length]; lines.push(`{"timestamp":"${iso()}","type":"turn_context","payload":{"cwd":"${cwd}","approval_policy":"on-request","model":"${model}","effort":"medium","summary":"auto"}}`); }
      const call = `call_${hex(r, 24)}`;
      lines.push(`{"timestamp":"${iso()}","type":"response_item","payload":{"type":"reasoning","summary":[{"type":"summary_text","text":"${filler(200 + Math.floor(r() * 400))}"}],"encrypted_content":"${hex(r, 400)}"}}`);
      lines.push(`{"timestamp":"${iso()}","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\\"cmd\\":\\"rg -n foo src\\"}","call_id":"${call}"}}`);
      lines.push(`{"timestamp":"${iso()}","type":"response_item","payload":{"type":"function_call_output","call_id":"${call}","output":"${filler(1500 + Math.floor(r() * 4000))}"}}`);
      const input = 20_000 + Math.floor(r() * 80_000), cached = Math.floor(input * (0.5 + r() * 0.45)), output = 50 + Math.floor(r() * 2000), reasoning = Math.floor(output * r() * 0.6);
      total.input += input; total.cached += cached; total.output += output; total.reasoning += reasoning;
      const u = (a) => `{"input_tokens":${a.input},"cached_input_tokens":${a.cached},"output_tokens":${a.output},"reasoning_output_tokens":${a.reasoning},"total_tokens":${a.input + a.output}}`;
      ts += 200;
      lines.push(`{"timestamp":"${iso()}","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":${u(total)},"last_token_usage":${u({ input, cached, output, reasoning })},"model_context_window":258400},"rate_limits":{"limit_id":"codex","limit_name":null,"primary":{"used_percent":${(t % 100).toFixed(1)},"window_minutes":300,"resets_at":${Math.floor(ts / 1000) + 9000}},"secondary":{"used_percent":${(t / 10).toFixed(1)},"window_minutes":10080,"resets_at":${Math.floor(ts / 1000) + 400000}},"credits":null,"plan_type":"plus"}}}`);
      lines.push(`{"timestamp":"${iso()}","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"${filler(100 + Math.floor(r() * 600))}"}]}}`);
    }
    const text = lines.join('\n') + '\n';
    fs.writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
  }
  const info = { files: FILES, requests, bytes };
  fs.writeFileSync(marker, JSON.stringify(info));
  return info;
}

export async function run(log = console.log) {
  fs.mkdirSync(DATA, { recursive: true });
  const info = generate(log);
  log(`tree: ${info.files} rollouts, ${(info.bytes / 1e6).toFixed(0)} MB, ${info.requests} requests`);
  const cli = path.join(ROOT, 'dist/cli.js');
  // the CLI (a launcher and its bundle) starts dist/scanWorker.js for a cold scan: all come from the project's build
  if (['cli.js', 'cli-main.js', 'scanWorker.js', 'scanWorker-main.js'].some(f => !fs.existsSync(path.join(ROOT, 'dist', f)))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const indexJs = path.join(ROOT, 'out/src/core/usage/usageIndex.js');
  if (!fs.existsSync(indexJs)) execFileSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' });
  const ccusage = ensureCcusage(log);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-home-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-cache-'));
  const none = path.join(home, 'none');
  fs.mkdirSync(none);
  const env = { PATH: process.env.PATH, HOME: home, TZ: 'UTC', CODEX_HOME: TREE, CLAUDE_CONFIG_DIR: none, XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: path.join(home, '.config') };
  try {
    for (const d of fs.readdirSync(TREE, { recursive: true })) { const p = path.join(TREE, d); if (p.endsWith('.jsonl')) fs.readFileSync(p); }
    const ours = ['report', '--json', '--no-cache', '--codex-dir', TREE, '--claude-dir', none, '--gemini-dir', none];
    const theirs = ['codex', 'daily', '--json', '--offline'];
    const oursRuns = [], theirRuns = [], compiledRuns = [];
    let oursOut = '', theirOut = '';
    // the CLI keeps V8's compiled code of its last run (src/core/codeCache.ts): every run but a user's
    // very first has it, so one run makes it; what a first run costs is measured apart (TOKENOMICS_CODE_CACHE=0)
    timed(process.execPath, [cli, ...ours], env);
    for (let i = 0; i < 3; i++) {
      const a = timed(process.execPath, [cli, ...ours], env); oursRuns.push(a.ms); oursOut = a.stdout;
      const b = timed(ccusage, theirs, env); theirRuns.push(b.ms); theirOut = b.stdout;
      compiledRuns.push(timed(process.execPath, [cli, ...ours], { ...env, TOKENOMICS_CODE_CACHE: '0' }).ms);
    }
    const t = JSON.parse(oursOut).totals;
    const mine = { input: t.inputTokens + t.cacheReadTokens + t.cacheCreationTokens, cached: t.cacheReadTokens, output: t.outputTokens };
    const their = JSON.parse(theirOut).totals ?? {};
    // ccusage 20 reports uncached input, cache reads and cache writes apart, as we do
    const theirs3 = { input: their.inputTokens + their.cacheReadTokens + (their.cacheCreationTokens ?? 0), cached: their.cacheReadTokens, output: their.outputTokens };
    const same = JSON.stringify(mine) === JSON.stringify(theirs3);
    const ratio = median(oursRuns) / median(theirRuns);
    log(`cold report --no-cache: ${median(oursRuns).toFixed(0)} ms vs ccusage codex ${median(theirRuns).toFixed(0)} ms = ${ratio.toFixed(2)}x (target ≤ 1x)`);
    // a busy machine slows ccusage's many threads more than ours: the fastest runs of each are the least disturbed
    log(`  (fastest of each: ${Math.min(...oursRuns).toFixed(0)} vs ${Math.min(...theirRuns).toFixed(0)} ms = ${(Math.min(...oursRuns) / Math.min(...theirRuns)).toFixed(2)}x)`);
    log(`  (compiling everything, as a first run does: ${median(compiledRuns).toFixed(0)} ms = ${(median(compiledRuns) / median(theirRuns)).toFixed(2)}x)`);
    log(`token totals identical to ccusage: ${same ? 'yes' : 'NO'} ${JSON.stringify(mine)}${same ? '' : ` vs ${JSON.stringify(theirs3)}`} (target yes)`);
    log(`requests counted: ${t.requests} (generated ${info.requests})`);
    if (process.env.BENCH_COLD_ONLY) return; // just the cold section: `BENCH_COLD_ONLY=1 node test/bench/codex.mjs`

    log(`cold scan on worker threads persists the same index as on one thread: ${await sameWithWorkers(indexJs, [{ agent: 'codex', dir: TREE, explicit: true }], cache) ? 'yes' : 'NO'} (target yes)`);

    const rssFile = path.join(cache, 'rss.txt');
    const hook = path.join(cache, 'rss-hook.cjs');
    fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
    timed(process.execPath, ['--require', hook, cli, ...ours], env);
    log(`peak RSS of the cold scan: ${(Number(fs.readFileSync(rssFile, 'utf8')) / 1024).toFixed(0)} MB (target ≤ 300 MB)`);

    const warmArgs = ours.filter(a => a !== '--no-cache');
    const first = timed(process.execPath, [cli, ...warmArgs], env);
    const warm = [];
    for (let i = 0; i < 5; i++) warm.push(timed(process.execPath, [cli, ...warmArgs], env).ms);
    const warmSame = JSON.stringify(JSON.parse(first.stdout).totals) === JSON.stringify(t);
    const indexBytes = fs.readdirSync(path.join(cache, 'tokenomics')).filter(f => f.endsWith('.bin')).reduce((n, f) => n + fs.statSync(path.join(cache, 'tokenomics', f)).size, 0);
    log(`warm report (index present, nothing changed): ${median(warm).toFixed(0)} ms (target ≤ 150 ms)${warmSame ? '' : ' TOTALS DIFFER FROM COLD'}; index ${(indexBytes / 1e6).toFixed(1)} MB`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(console.log).catch(e => { console.error(e); process.exitCode = 1; });
}
