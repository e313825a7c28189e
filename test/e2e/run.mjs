#!/usr/bin/env node
// `npm run test:e2e`: end-to-end tests of Tokenomics in a real VS Code.
//   1. bash test/e2e/setup.sh      (installs code-server, playwright-core, vsce, Debian chromium; idempotent)
//   2. npm run build if dist/extension.js is missing, then packages the .vsix (test/e2e/.tmp/tokenomics-e2e.vsix)
//   3. every UI scenario test/e2e/ui/*.mjs (exports `async function run(t)`), each in its own VS Code
//   4. the mocha suite inside the extension host: test/e2e/inhost/index.js (+ *.test.js)
// Ends with "N passed, N failed"; exit code 1 if anything failed. Nothing is skipped: a scenario that
// cannot run (setup, build or packaging failed) counts as failed.
// usage: node test/e2e/run.mjs [name-filter...] [--no-ui] [--no-inhost] [--no-setup]
// env: KEEP_TMP=1 keeps temp folders (test/e2e/.tmp/), TOKENOMICS_VSCODE_DIR, CHROMIUM, VERBOSE=1,
//      TOKENOMICS_E2E_SCREENSHOTS_DIR (default test/e2e/.tmp/screenshots; media/screenshots refreshes the README's),
//      TOKENOMICS_E2E_SCENARIO_TIMEOUT (s, default 300),
//      TOKENOMICS_E2E_EXT_DIR=<folder> tests another extension folder instead of the repo (harness development).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as harness from './harness.mjs';

const { E2E_DIR, ROOT, TMP_ROOT } = harness;
const args = process.argv.slice(2);
const filters = args.filter(a => !a.startsWith('--'));
const flag = f => args.includes(f);
const EXT_DIR = path.resolve(process.env.TOKENOMICS_E2E_EXT_DIR || ROOT);
const SCENARIO_TIMEOUT_MS = Number(process.env.TOKENOMICS_E2E_SCENARIO_TIMEOUT || 300) * 1000;
const T0 = Date.now();

const results = [];   // { name, ok, error? }
let n = 0;
function report(name, ok, error) {
  results.push({ name, ok, error });
  console.log(`${ok ? 'ok' : 'not ok'} ${++n} - ${name}`);
  if (!ok && error) console.log(String(error?.stack || error).split('\n').map(l => `  # ${l}`).join('\n'));
}
const elapsed = () => `${((Date.now() - T0) / 1000).toFixed(1)}s`;

fs.mkdirSync(TMP_ROOT, { recursive: true });
for (const f of fs.readdirSync(TMP_ROOT)) if (/-failed(-\d+)?\.png$/.test(f)) fs.rmSync(path.join(TMP_ROOT, f));   // stale evidence
const uiDir = path.join(E2E_DIR, 'ui');
const scenarios = flag('--no-ui') ? [] : fs.readdirSync(uiDir).filter(f => f.endsWith('.mjs')).sort()
  .map(f => ({ name: path.basename(f, '.mjs'), file: path.join(uiDir, f) }))
  .filter(s => !filters.length || filters.some(f => s.name.includes(f)));
const runInHost = !flag('--no-inhost') && (!filters.length || filters.some(f => 'inhost'.includes(f)));

let stopping = false;
process.on('SIGINT', () => { if (stopping) return; stopping = true; console.error('interrupted: stopping VS Code instances'); harness.stopAll().finally(() => process.exit(130)); });

// 1. setup ---------------------------------------------------------------------------------------
let blocker;   // why nothing can run
console.log('TAP version 13');
if (!flag('--no-setup')) {
  console.log('# setup: bash test/e2e/setup.sh');
  const r = spawnSync('bash', [path.join(E2E_DIR, 'setup.sh')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) blocker = `test/e2e/setup.sh failed (exit ${r.status ?? r.signal}); see its output above`;
}
if (!blocker) { try { harness.assertInstalled(); } catch (e) { blocker = e.message; } }

// 2. build + package -----------------------------------------------------------------------------
let vsix, vsixError;   // a packaging failure stops the UI scenarios only: the in-host suite loads the folder
if (!blocker && (scenarios.length || runInHost)) {
  const main = JSON.parse(fs.readFileSync(path.join(EXT_DIR, 'package.json'), 'utf8')).main ?? './extension.js';
  if (!fs.existsSync(path.join(EXT_DIR, main))) {
    console.log(`# ${main} missing: npm run build`);
    const r = spawnSync('npm', ['run', 'build'], { cwd: EXT_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0 || !fs.existsSync(path.join(EXT_DIR, main))) blocker = `npm run build failed (exit ${r.status}) or did not produce ${main}`;
  }
  if (!blocker) {
    try {
      vsix = harness.packageVsix(EXT_DIR, path.join(TMP_ROOT, 'tokenomics-e2e.vsix'));
      const size = fs.statSync(vsix).size;
      console.log(`# packaged ${path.relative(ROOT, vsix)} (${(size / 1024).toFixed(0)} KiB) [${elapsed()}]`);
      report(`package: the .vsix is ${(size / 1024 / 1024).toFixed(2)} MB (target <= 3 MB)`, size <= 3 * 1024 * 1024);
      // what the bundles load by path at run time: a file .vscodeignore leaves out fails only where it is
      // loaded (the CLI's and the scan worker's launchers run dist/*-main.js; the engine starts the worker)
      const needed = ['extension.js', 'server.js', 'cli.js', 'cli-main.js', 'scanWorker.js', 'scanWorker-main.js', 'otlp.js',
        'node-sqlite3-wasm.wasm', 'ranks/o200k_base.bin', 'ranks/cl100k_base.bin', 'webview/week.js'].map(f => `dist/${f}`);
      const packed = new Set(harness.vsixFiles(EXT_DIR));
      const missing = needed.filter(f => !packed.has(f));
      report(`package: the .vsix holds the ${needed.length} files the bundles load at run time`, missing.length === 0, missing.length ? `missing: ${missing.join(', ')}` : undefined);
    } catch (e) { vsixError = e.message; report('package: vsce package', false, e.message); }
  }
}

// 3. UI scenarios ---------------------------------------------------------------------------------
for (const s of scenarios) {
  if (blocker || vsixError) { report(`ui/${s.name}: not run: ${(blocker || `no .vsix: ${vsixError}`).split('\n')[0]}`, false); continue; }
  console.log(`# ui/${s.name} [${elapsed()}]`);
  const handles = [];
  let failures = 0;
  /** Screenshot + page errors + code-server log of every running instance, at the moment of a failure. */
  const diagnose = async () => {
    for (const h of handles) {
      if (!h.page) continue;
      const shot = path.join(TMP_ROOT, `${s.name}-failed${failures > 1 ? `-${failures}` : ''}.png`);
      await h.page.screenshot({ path: shot }).then(() => console.log(`  # screenshot: ${path.relative(ROOT, shot)}`)).catch(() => {});
      if (h.pageErrors.length) console.log(`  # page errors:\n${h.pageErrors.slice(-5).join('\n').replace(/^/gm, '  #   ')}`);
      console.log(`  # code-server log (last lines, ${path.relative(ROOT, h.serverLog)}${process.env.KEEP_TMP ? '' : ', KEEP_TMP=1 keeps it'}):\n${h.logTail(40).replace(/^/gm, '  #   ')}`);
    }
  };
  const t = {
    name: s.name, vsix, root: ROOT, extDir: EXT_DIR, e2eDir: E2E_DIR, tmpRoot: TMP_ROOT,
    // screenshots stay out of the work tree unless asked for: `npm test` leaves git status clean
    screenshotsDir: path.resolve(ROOT, process.env.TOKENOMICS_E2E_SCREENSHOTS_DIR || path.join(TMP_ROOT, 'screenshots')),
    log: harness.log, expectText: harness.expectText, waitFor: harness.waitFor,
    /** startVSCode with this scenario's .vsix; stopped by the runner at the end. */
    async startVSCode(opts = {}) {
      const h = await harness.startVSCode({ name: s.name, vsix, ...opts });
      handles.push(h);
      return h;
    },
    /**
     * One reported check: "ok N - ui/<scenario>: <title>". A failed step is reported (with a screenshot
     * and the server log), open quick inputs are closed, and the scenario goes on with the next step,
     * unless { fatal: true } (later steps make no sense without this one).
     */
    async step(title, fn, { fatal = false } = {}) {
      try {
        await fn();
        report(`ui/${s.name}: ${title}`, true);
      } catch (e) {
        failures++;
        report(`ui/${s.name}: ${title}`, false, e);
        await diagnose();
        if (fatal) { const err = new Error(`stopped after a failed step: ${title}`); err.reported = true; throw err; }
        for (const h of handles) await h.focusWorkbench().catch(() => {});
      }
    },
  };
  let timer;
  try {
    const mod = await import(pathToFileURL(s.file).href);
    if (typeof mod.run !== 'function') throw new Error(`${path.relative(ROOT, s.file)} does not export run(t)`);
    const running = mod.run(t);
    running.catch(() => {});   // after a timeout it may still reject, once its VS Code is gone
    await Promise.race([running, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`scenario timed out after ${SCENARIO_TIMEOUT_MS / 1000}s`)), SCENARIO_TIMEOUT_MS); })]);
  } catch (e) {
    failures++;
    report(`ui/${s.name}: ${e.reported ? e.message : 'scenario'}`, false, e.reported ? undefined : e);
    if (!e.reported) await diagnose();
  } finally {
    clearTimeout(timer);
    for (const h of handles) await h.stop();
  }
}

// 4. in-host mocha suite --------------------------------------------------------------------------
if (runInHost) {
  const testsPath = path.join(E2E_DIR, 'inhost/index.js');
  if (blocker) report(`inhost: not run: ${blocker.split('\n')[0]}`, false);
  else {
    console.log(`# inhost: mocha inside the extension host [${elapsed()}]`);
    const resultsFile = path.join(TMP_ROOT, 'inhost-results.json');
    const activationFile = path.join(TMP_ROOT, 'activation.json');
    fs.rmSync(resultsFile, { force: true });
    fs.rmSync(activationFile, { force: true });
    const fixture = f => fs.readFileSync(path.join(E2E_DIR, 'fixtures', f), 'utf8');
    let code;
    try {
      code = await harness.runInHostTests({
        devPath: EXT_DIR, testsPath, folder: { 'sample.md': fixture('sample.md'), 'notes.txt': fixture('notes.txt') },
        userSettings: { 'tokenomics.model': 'gpt-4o' },
        env: { TOKENOMICS_E2E_RESULTS: resultsFile, TOKENOMICS_E2E_ROOT: ROOT },
      });
    } catch (e) { report('inhost: start VS Code', false, e); code = 'no-start'; }
    if (code !== 'no-start') {
      let r;
      try { r = JSON.parse(fs.readFileSync(resultsFile, 'utf8')); } catch {}
      if (r) {
        for (const p of r.passed) report(`inhost: ${p}`, true);
        for (const f of r.failed) report(`inhost: ${f.title}`, false, f.error);
        if (!r.passed.length && !r.failed.length) report('inhost: no tests ran (test/e2e/inhost/*.test.js)', false);
      }
      if (!r || (code !== 0 && !r.failed.length)) report(`inhost: suite exit code ${code}${r ? '' : ' (no results written)'}`, code === 0);
      try {
        const a = JSON.parse(fs.readFileSync(activationFile, 'utf8'));
        console.log(`# activate() took ${a.activationMs?.toFixed(1)} ms; require(dist/extension.js) ${a.bundleLoadMs?.toFixed(1)} ms (VS Code ${a.vscode}; ${path.relative(ROOT, activationFile)})`);
      } catch {}
    }
  }
}

// Temp folders (fixtures, workspaces, profiles) go; the evidence stays: screenshots, the .vsix, results.
if (!process.env.KEEP_TMP) {
  for (const e of fs.readdirSync(TMP_ROOT, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'screenshots') fs.rmSync(path.join(TMP_ROOT, e.name), { recursive: true, force: true });
  }
}

const passed = results.filter(r => r.ok).length, failed = results.length - passed;
console.log(`1..${results.length}`);
console.log(`# e2e done in ${elapsed()}`);
if (failed) for (const r of results.filter(r => !r.ok)) console.log(`# FAILED: ${r.name}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || !results.length ? 1 : 0);
