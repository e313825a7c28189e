#!/usr/bin/env node
// Hostile and unlucky logs (issue 14), measured: 26,000 small transcripts (cold report and week), a walk
// through symlink loops and a link to /, and a 700 MB line holding a needle (the rest of the file counted,
// peak memory). Run alone with `node test/bench/stress.mjs`, or through the bench runner via `run(log)`.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'test/bench/.data');
const MANY = path.join(DATA, 'many-files');
const FILES = 26_000;

function timed(args, env) {
  const t = process.hrtime.bigint();
  const p = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (p.status !== 0) throw new Error(`node ${args.join(' ')} failed (${p.status}): ${p.stderr}`);
  return { ms, stdout: p.stdout, stderr: p.stderr };
}

const line = (i, j) => JSON.stringify({ type: 'assistant', sessionId: `s${i}`, cwd: `/home/dev/p${i % 50}`, timestamp: new Date(Date.UTC(2026, 2, 16 + (i % 7), 10, j)).toISOString(),
  requestId: `r${i}-${j}`, message: { id: `m${i}-${j}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 300 } } }) + '\n';

function many(log) {
  const marker = path.join(MANY, `.complete-${FILES}`);
  if (fs.existsSync(marker)) return;
  log(`generating ${FILES} small transcripts (once)…`);
  fs.rmSync(MANY, { recursive: true, force: true });
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(MANY, 'projects', `-home-dev-p${i % 50}`);
    if (i < 50) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `s${i}.jsonl`), line(i, 0) + line(i, 1));
  }
  fs.writeFileSync(marker, '');
}

export async function run(log = console.log) {
  fs.mkdirSync(DATA, { recursive: true });
  const cli = path.join(ROOT, 'dist/cli.js');
  if (!fs.existsSync(cli)) execFileSync(process.execPath, [path.join(ROOT, 'src/tools/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  if (!fs.existsSync(path.join(ROOT, 'out/src/core/agents/locations.js'))) execFileSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-stress-home-'));
  const env = { PATH: process.env.PATH, HOME: home, TZ: 'UTC', XDG_CACHE_HOME: path.join(home, 'cache'), CODEX_HOME: path.join(home, 'none') };
  try {
    many(log);
    const report = timed([cli, 'report', '--json', '--no-cache', '--claude-dir', MANY], env);
    const requests = JSON.parse(report.stdout).totals.requests;
    log(`${FILES} small transcripts, cold report --no-cache: ${report.ms.toFixed(0)} ms, ${requests} requests (target ≤ 3000 ms, ${FILES * 2})`);
    const week = timed([cli, 'week', '--week', '2026-03-16', '--format', 'json', '--no-cache', '--claude-dir', MANY], env);
    log(`${FILES} small transcripts, cold week --no-cache: ${week.ms.toFixed(0)} ms (target ≤ 5000 ms)`);

    // a walk through link loops and a link to /
    const loops = path.join(home, 'loops', 'projects', 'p');
    fs.mkdirSync(loops, { recursive: true });
    fs.writeFileSync(path.join(loops, 'a.jsonl'), line(1, 0));
    fs.symlinkSync('.', path.join(loops, 'self'));
    fs.symlinkSync('..', path.join(loops, 'up'));
    fs.symlinkSync('.', path.join(loops, 'self2'));
    fs.symlinkSync('/', path.join(loops, 'root'));
    const { findLogFiles } = createRequire(import.meta.url)(path.join(ROOT, 'out/src/core/agents/locations.js'));
    let t = performance.now();
    const walked = findLogFiles([{ agent: 'claude-code', dir: path.join(home, 'loops'), explicit: true }]);
    log(`walk through three link loops and a link to /: ${(performance.now() - t).toFixed(1)} ms, ${walked.files.length} file(s), ${walked.problems.length} link(s) named (target ≤ 2000 ms, 1 file)`);

    // a 700 MB line holding a needle, between two good lines
    const huge = path.join(home, 'huge', 'projects', 'p');
    fs.mkdirSync(huge, { recursive: true });
    const f = path.join(huge, 'big.jsonl');
    const fd = fs.openSync(f, 'w');
    fs.writeSync(fd, line(2, 0));
    fs.writeSync(fd, '{"type":"assistant","message":{"usage":{"input_tokens":1},"content":"');
    const chunk = Buffer.alloc(8 << 20, 'x');
    for (let i = 0; i < 700 / 8; i++) fs.writeSync(fd, chunk);
    fs.writeSync(fd, '"}}\n');
    fs.writeSync(fd, line(2, 1));
    fs.closeSync(fd);
    const rssFile = path.join(home, 'rss.txt'), hook = path.join(home, 'rss-hook.cjs');
    fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
    t = performance.now();
    const r = timed(['--require', hook, cli, 'report', '--json', '--no-cache', '--claude-dir', path.join(home, 'huge')], env);
    const rss = Number(fs.readFileSync(rssFile, 'utf8')) / 1024;
    log(`a 700 MB line with a needle: ${JSON.parse(r.stdout).totals.requests} of 2 good requests counted, ${(performance.now() - t).toFixed(0)} ms, peak RSS ${rss.toFixed(0)} MB (target 2, ≤ 300 MB); stderr: ${r.stderr.trim().split('\n')[0]}`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(console.log).catch(e => { console.error(e); process.exitCode = 1; });
}
