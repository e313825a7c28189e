#!/usr/bin/env node
// OTLP export benchmark on the ~550 MB tree of agents.mjs: the export of the warm index (series from
// the records, reset detection, protobuf encoding, one POST to a receiver on 127.0.0.1), against the
// warm report over the same index in the same process; and what the exporter adds to the package.
// Run alone with `node test/bench/otlp.mjs`, or through the bench runner via `run(log)`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from './agents.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TREE = path.join(ROOT, 'test/bench/.data/claude-tree');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function receiver() {
  let requests = 0, bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', c => { bytes += c.length; });
    req.on('end', () => { requests++; res.writeHead(200, { 'content-type': 'application/x-protobuf' }); res.end(); });
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/v1/metrics`, stats: () => ({ requests, bytes }), close: () => new Promise(r => server.close(r)),
  })));
}

export async function run(log = console.log) {
  const info = generate(log);
  log(`tree: ${info.files} files, ${(info.bytes / 1e6).toFixed(0)} MB, ${info.requests} requests`);
  if (!fs.existsSync(path.join(ROOT, 'out/src/server/export.js'))) execFileSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' });
  if (!fs.existsSync(path.join(ROOT, 'dist/otlp.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const req = createRequire(import.meta.url);
  const { UsageIndex } = req(path.join(ROOT, 'out/src/core/usage/usageIndex.js'));
  const { Catalog } = req(path.join(ROOT, 'out/src/core/catalog.js'));
  const { buildReportFromColumns } = req(path.join(ROOT, 'out/src/core/usage/report.js'));
  const { Exporter, usageDataOf } = req(path.join(ROOT, 'out/src/server/export.js'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-otlp-'));
  const rx = await receiver();
  try {
    const roots = [{ agent: 'claude-code', dir: TREE, explicit: true }];
    const cacheFile = path.join(tmp, 'index.bin');
    await new UsageIndex({ roots, cacheFile }).refresh(); // the persisted index, as the engine and the CLI keep it
    const catalog = new Catalog();
    const target = { url: rx.url, headers: {}, attributes: { team: 'bench' }, includeProjects: 'hashed' };
    const exporter = new Exporter(path.join(tmp, 'otlp'), () => {});
    const reportMs = [], exportMs = [], loadMs = [];
    let points = 0;
    for (let i = 0; i < 5; i++) {
      // each round from a freshly loaded index: what an engine start or `tokenomics export` faces
      let t = performance.now();
      const index = new UsageIndex({ roots, cacheFile, autoSave: false });
      await index.refresh();
      loadMs.push(performance.now() - t);
      t = performance.now();
      buildReportFromColumns(index.columns(), catalog, { timezone: 'UTC' });
      reportMs.push(performance.now() - t);
      t = performance.now();
      const r = await exporter.exportTotals(usageDataOf(index.columns()), catalog, target, { attempts: 1, persist: true });
      exportMs.push(performance.now() - t);
      if (!r.ok) throw new Error(`export failed: ${r.error}`);
      points = r.points;
    }
    const { requests, bytes } = rx.stats();
    log(`export of the warm index (series from its columns, resets, protobuf, POST): ${median(exportMs).toFixed(0)} ms (target ≤ 500 ms), ${points} series, ${(bytes / requests / 1024).toFixed(1)} KB per request`);
    log(`  (same index: load ${median(loadMs).toFixed(0)} ms, warm report ${median(reportMs).toFixed(0)} ms; export/report = ${(median(exportMs) / median(reportMs)).toFixed(1)}x; first export ${exportMs[0].toFixed(0)} ms, with the sender's load)`);

    // the whole command, against the report command over the same cached index
    const env = { PATH: process.env.PATH, HOME: tmp, TZ: 'UTC', XDG_CACHE_HOME: path.join(tmp, 'cli-cache'), CODEX_HOME: path.join(tmp, 'none'), CLAUDE_CONFIG_DIR: TREE };
    // (spawned asynchronously: the receiver answers from this process's event loop)
    const cli = (args) => new Promise((resolve, reject) => {
      const t = performance.now();
      const p = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', d => { err += d; });
      p.on('close', code => (code === 0 ? resolve(performance.now() - t) : reject(new Error(err))));
    });
    await cli(['report', '--json', '--claude-dir', TREE]); // builds the CLI's index once
    const rep = [], exp = [];
    for (let i = 0; i < 3; i++) { rep.push(await cli(['report', '--json', '--claude-dir', TREE])); exp.push(await cli(['export', '--otlp', rx.url, '--once', '--claude-dir', TREE])); }
    log(`tokenomics export --once, warm: ${median(exp).toFixed(0)} ms vs tokenomics report --json ${median(rep).toFixed(0)} ms (${(median(exp) / median(rep)).toFixed(2)}x)`);

    // what the exporter adds to the .vsix: dist/otlp.js, compressed as the package stores it
    const otlp = fs.readFileSync(path.join(ROOT, 'dist/otlp.js'));
    log(`dist/otlp.js: ${(otlp.length / 1024).toFixed(0)} KB, ${(zlib.deflateRawSync(otlp, { level: 9 }).length / 1024).toFixed(0)} KB deflated in the .vsix (target: the exporter adds ≤ 150 KB)`);
  } finally {
    await rx.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  run(console.log).catch(e => { console.error(e); process.exitCode = 1; });
}
