#!/usr/bin/env node
// `npm start`: builds and packages Tokenomics, then opens it in a real VS Code.
//   - `code` on the PATH: the packaged extension installed into a fresh profile (its own user-data and
//     extensions folders under the system temp folder), in a new window. Your own VS Code profile is
//     not touched.
//   - otherwise: the code-server that the e2e tests use (test/e2e/setup.sh installs it, ~430 MB into
//     ~/.cache/tokenomics-e2e on the first run), served at a printed http://127.0.0.1:PORT for your
//     browser, until Ctrl+C.
// It reads your own agent logs (Claude Code, Codex CLI, Gemini CLI, where they keep them). When there
// are none, it opens a demo week instead: the fixture logs of test/fixtures/week moved to this week, and a
// workspace with a bloated CLAUDE.md (test/e2e/fixtures/prompt-files/), so the first look is never empty.
//
// usage: npm start [-- --demo] [-- --browser] [-- --port N]
//   --demo      the demo week even when you have agent logs
//   --browser   code-server even when `code` is on the PATH
//   --port N    code-server's port (default: a free one)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeWeekFixture } from '../../test/e2e/weekFixture.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = f => args.includes(f);
const portArg = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 0;
const VSCODE_DIR = path.resolve(process.env.TOKENOMICS_VSCODE_DIR || path.join(os.homedir(), '.cache/tokenomics-e2e/vsc'));
const CS_ENTRY = path.join(VSCODE_DIR, 'node_modules/code-server/out/node/entry.js');
const say = line => console.log(`tokenomics: ${line}`);
const die = line => { console.error(`tokenomics: ${line}`); process.exit(1); };

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) die(`${cmd} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

// 1. build and package ------------------------------------------------------------------------------
say('building and packaging');
run(process.execPath, ['src/tools/build.mjs']);
const vsce = path.join(ROOT, 'node_modules/.bin/vsce');
if (!fs.existsSync(vsce)) die('node_modules/.bin/vsce is missing: run npm ci first');
run(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', 'tokenomics.vsix'], { stdio: ['ignore', 'ignore', 'inherit'] });
const vsix = path.join(ROOT, 'tokenomics.vsix');
say(`packaged ${path.relative(process.cwd(), vsix) || vsix} (${(fs.statSync(vsix).size / 1024).toFixed(0)} KiB)`);

// 2. whose logs --------------------------------------------------------------------------------------
/** The folders the agents write their logs to, as the engine looks for them (src/core/agents/locations.ts). */
function agentLogFolders(env = process.env) {
  const home = env.HOME || os.homedir();
  const claude = env.CLAUDE_CONFIG_DIR ? env.CLAUDE_CONFIG_DIR.split(',') : [path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'claude'), path.join(home, '.claude')];
  const codex = env.CODEX_HOME || path.join(home, '.codex');
  return [...claude.map(d => path.join(d.trim(), 'projects')), path.join(codex, 'sessions'), path.join(codex, 'archived_sessions'), path.join(home, '.gemini', 'tmp')];
}
const hasFiles = dir => { try { return fs.readdirSync(dir).length > 0; } catch { return false; } };
const own = agentLogFolders().filter(hasFiles);
const demo = flag('--demo') || own.length === 0;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-start-'));
const settings = { 'workbench.startupEditor': 'readme', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false };
let workspace = process.env.INIT_CWD || process.cwd();
let machineSettings;
if (demo) {
  const fx = makeWeekFixture({ tmpRoot: profile, root: ROOT });
  workspace = fx.ws;
  fs.copyFileSync(path.join(ROOT, 'test/e2e/fixtures/prompt-files/CLAUDE.md'), path.join(workspace, 'CLAUDE.md'));
  fs.writeFileSync(path.join(workspace, 'README.md'), [
    '# Tokenomics demo week', '',
    `No agent logs were found on this machine${flag('--demo') ? ' (or --demo was given)' : ''}, so Tokenomics reads a demo week:`,
    `fixture Claude Code and Codex CLI logs moved to this week, in ${path.dirname(fx.claudeDir)}.`, '',
    '- The **spend meter** (status bar, right) shows today and this week; click it for the **weekly summary**.',
    '- Open **CLAUDE.md**: token lenses on top, bloat diagnostics in the Problems panel, quick fixes under the light bulb.',
    '- The **token meter** counts whatever file or selection you are in; click it to pick another model.', '',
  ].join('\n'));
  machineSettings = fx.machineSettings;
  Object.assign(settings, machineSettings, { 'tokenomics.weeklySummary.notify': false });
  say(own.length ? 'demo week (--demo)' : `no agent logs found (looked in ${agentLogFolders().join(', ')}): opening the demo week`);
} else {
  say(`reading your agent logs in ${own.join(', ')}`);
}
const userData = path.join(profile, 'user-data'), extensions = path.join(profile, 'extensions');
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.writeFileSync(path.join(userData, 'User/settings.json'), JSON.stringify(settings, null, 1));
// a remote window (code-server) takes machine-scoped settings only from here (test/e2e/README.md)
if (machineSettings) {
  fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'Machine/settings.json'), JSON.stringify(machineSettings, null, 1));
}
const cleanup = () => { try { fs.rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ } };

// 3a. the user's VS Code -------------------------------------------------------------------------------
const onPath = name => (process.env.PATH || '').split(path.delimiter).some(d => d && fs.existsSync(path.join(d, name)));
if (onPath('code') && !flag('--browser')) {
  const profileArgs = ['--user-data-dir', userData, '--extensions-dir', extensions];
  run('code', [...profileArgs, '--install-extension', vsix], { stdio: ['ignore', 'ignore', 'inherit'] });
  run('code', [...profileArgs, '--new-window', workspace, ...(demo ? [path.join(workspace, 'CLAUDE.md')] : [])]);
  say(`opened ${workspace} in VS Code with Tokenomics installed in a fresh profile (${profile}; delete it when done)`);
  process.exit(0);
}

// 3b. code-server, in the browser ---------------------------------------------------------------------
if (!fs.existsSync(CS_ENTRY)) say(`\`code\` is not on the PATH: installing code-server for the browser (test/e2e/setup.sh, into ${VSCODE_DIR})`);
run('bash', [path.join(ROOT, 'test/e2e/setup.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
const csArgs = ['--user-data-dir', userData, '--extensions-dir', extensions, '--config', path.join(profile, 'code-server.yaml')];
fs.writeFileSync(path.join(profile, 'code-server.yaml'), '');
run(process.execPath, [CS_ENTRY, ...csArgs, '--install-extension', vsix], { stdio: ['ignore', 'ignore', 'inherit'] });
const serverLog = path.join(profile, 'code-server.log');
const out = fs.openSync(serverLog, 'a');
const server = spawn(process.execPath, [CS_ENTRY, ...csArgs, '--bind-addr', `127.0.0.1:${portArg || 0}`, '--auth', 'none',
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'],
{ env: { EXTENSIONS_GALLERY: '{}', ...process.env }, stdio: ['ignore', out, out], detached: true });
fs.closeSync(out);
let stopping = false;
const stop = code => {
  if (stopping) return;
  stopping = true;
  const done = () => { cleanup(); process.exit(code); };
  if (server.exitCode !== null || server.signalCode !== null) return done();
  server.once('exit', () => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* stragglers gone */ } done(); });
  try { process.kill(-server.pid, 'SIGTERM'); } catch { done(); }
  setTimeout(() => { try { process.kill(-server.pid, 'SIGKILL'); } catch { /* gone */ } done(); }, 5000);
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
server.on('exit', c => { if (!stopping) { console.error(fs.readFileSync(serverLog, 'utf8').split('\n').slice(-20).join('\n')); cleanup(); die(`code-server exited (${c})`); } });
const t0 = Date.now();
const timer = setInterval(() => {
  const base = fs.readFileSync(serverLog, 'utf8').match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  if (!base && Date.now() - t0 > 60_000) { clearInterval(timer); console.error(fs.readFileSync(serverLog, 'utf8')); stop(1); }
  if (!base) return;
  clearInterval(timer);
  say(`Tokenomics is running in VS Code (code-server) at ${base}/?folder=${encodeURIComponent(workspace)}`);
  say(`open it in your browser; Ctrl+C stops it (logs: ${serverLog})`);
}, 200);
