// End-to-end harness: a REAL VS Code (code-server 4.100.3 = VS Code 1.100.3, real Node extension host)
// driven through headless Debian chromium with playwright-core. Installed by test/e2e/setup.sh.
//
//   packageVsix(extDir, outFile)                     -> outFile (vsce package --no-dependencies)
//   vsixFiles(extDir)                                -> the paths the .vsix holds (vsce ls)
//   startVSCode({ workspace, userSettings, machineSettings, env, vsix, devPath, testsPath, name, onPage }) -> handle
//   runInHostTests({ devPath, testsPath, folder, env, userSettings, timeoutMs }) -> exit code
//
// env: TOKENOMICS_VSCODE_DIR (default ~/.cache/tokenomics-e2e/vsc), CHROMIUM (default /usr/bin/chromium),
//      KEEP_TMP=1 keeps the temp folders under test/e2e/.tmp/, VERBOSE=1 prints workbench chatter.
import { spawn, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import util from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(E2E_DIR, '../..');
export const TMP_ROOT = path.join(E2E_DIR, '.tmp');
export const VSCODE_DIR = path.resolve(process.env.TOKENOMICS_VSCODE_DIR || path.join(os.homedir(), '.cache/tokenomics-e2e/vsc'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CS_ENTRY = path.join(VSCODE_DIR, 'node_modules/code-server/out/node/entry.js');
const VSCE = path.join(VSCODE_DIR, 'node_modules/.bin/vsce');

/** Settings every instance starts with: no welcome page, no trust prompt, no network, no typing help. */
export const BASE_SETTINGS = {
  'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off',
  'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true, 'git.enabled': false, 'git.openRepositoryInParentFolders': 'never',
  // typing in the editor must produce exactly the typed text
  'editor.quickSuggestions': { other: false, comments: false, strings: false }, 'editor.suggestOnTriggerCharacters': false,
  'editor.wordBasedSuggestions': 'off', 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never', 'editor.formatOnType': false, 'editor.acceptSuggestionOnEnter': 'off',
  'editor.wordWrap': 'off', '[markdown]': { 'editor.wordWrap': 'off', 'editor.quickSuggestions': { other: false, comments: false, strings: false } },
  'editor.cursorBlinking': 'solid',   // screenshots do not depend on the blink phase
  'files.insertFinalNewline': false, 'files.trimTrailingWhitespace': false, 'files.autoSave': 'off',
  'chat.commandCenter.enabled': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export const log = (...a) => console.log(`  # [${new Date().toISOString().slice(11, 19)}]`, ...a);

/** Fails with a message naming the missing step when setup.sh has not run (or not finished). */
export function assertInstalled() {
  const missing = [];
  if (!fs.existsSync(CS_ENTRY)) missing.push(`code-server (${CS_ENTRY})`);
  if (!fs.existsSync(path.join(VSCODE_DIR, 'node_modules/playwright-core/package.json'))) missing.push('playwright-core');
  if (!fs.existsSync(VSCE)) missing.push('@vscode/vsce');
  if (!fs.existsSync(path.join(VSCODE_DIR, 'node_modules/code-server/lib/vscode/node_modules/.vsreal-done'))) missing.push("VS Code's native modules");
  if (!fs.existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM}; Debian package: chromium)`);
  if (missing.length) throw new Error(`the e2e environment is not installed: missing ${missing.join(', ')}. Run: bash test/e2e/setup.sh`);
}

function playwright() {
  assertInstalled();
  return createRequire(path.join(VSCODE_DIR, 'package.json'))('playwright-core');
}

/** A fresh folder under test/e2e/.tmp/ (removed by the handle's stop() unless KEEP_TMP=1). */
export function makeTmp(prefix) {
  fs.mkdirSync(TMP_ROOT, { recursive: true });
  return fs.mkdtempSync(path.join(TMP_ROOT, `${prefix.replace(/[^\w.-]+/g, '_')}-`));
}

/** Packages extDir into outFile with the installed vsce (offline; dist/ already bundles everything). */
export function packageVsix(extDir, outFile) {
  assertInstalled();
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  try {
    execFileSync(VSCE, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license',
      '--no-rewrite-relative-links', '--out', path.resolve(outFile)],
    { cwd: extDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000 });
  } catch (e) {
    throw new Error(`vsce package failed in ${extDir}:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`);
  }
  return path.resolve(outFile);
}

/** The files `vsce package` puts in the .vsix, as `vsce ls` names them (relative to the extension folder). */
export function vsixFiles(extDir) {
  assertInstalled();
  return execFileSync(VSCE, ['ls', '--no-dependencies'], { cwd: extDir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 180_000 })
    .split('\n').map(l => l.trim()).filter(Boolean);
}

async function waitFor(fn, ms, what) {
  for (const end = Date.now() + ms; ;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout after ${ms / 1000}s waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}
export { waitFor };

/** Waits until the locator's text matches re; the error names the last text seen. */
export async function expectText(locator, re, ms = 30_000, what = '') {
  let last = '(element not found)';
  try {
    await waitFor(async () => {
      const t = await locator.first().innerText({ timeout: 1000 }).catch(() => null);
      if (t !== null) last = t;
      return t !== null && re.test(t);
    }, ms, `${what || 'text'} ${re}`);
  } catch {
    throw new Error(`timeout after ${ms / 1000}s waiting for ${what || 'text'} to match ${re}; last text: ${JSON.stringify(last)}`);
  }
  return last;
}

/**
 * Starts code-server with throwaway user-data/extensions/XDG dirs, opens `workspace` in headless chromium.
 * workspace: a folder path, a .code-workspace file (multi-root), or { 'file.md': 'text', ... } written into a new
 * temp folder, or undefined (empty window).
 * vsix: installed with --install-extension before the start. devPath/testsPath: extensionDevelopmentPath /
 * extensionTestsPath payload (in-host tests). onPage(page): called before navigation (e.g. exposeFunction).
 * waitForWorkbench (default true): wait for .monaco-workbench.
 */
export async function startVSCode({ name = 'vscode', workspace, userSettings = {}, machineSettings, env = {}, vsix, devPath, testsPath,
  onPage, waitForWorkbench = true, viewport = { width: 1400, height: 900 }, userDataFiles = {} } = {}) {
  const { chromium } = playwright();
  const TMP = makeTmp(name);
  const d = n => { const p = path.join(TMP, n); fs.mkdirSync(p, { recursive: true }); return p; };
  const UD = d('user-data'), EXTS = d('extensions'), PROFILE = d('chromium-profile');
  const serverLog = path.join(TMP, 'server.log');
  let WS = workspace;
  if (workspace && typeof workspace === 'object') {
    WS = d('workspace');
    for (const [f, text] of Object.entries(workspace)) {
      fs.mkdirSync(path.dirname(path.join(WS, f)), { recursive: true });
      fs.writeFileSync(path.join(WS, f), text);
    }
  }
  fs.mkdirSync(path.join(UD, 'User'), { recursive: true });
  // files placed in code-server's own user-data folder before it starts (other extensions' logs: Copilot, Cline)
  for (const [f, text] of Object.entries(userDataFiles)) {
    fs.mkdirSync(path.dirname(path.join(UD, f)), { recursive: true });
    fs.writeFileSync(path.join(UD, f), text);
  }
  fs.writeFileSync(path.join(UD, 'User/settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...userSettings }, null, 1));
  // code-server and chromium write into ~/.config, ~/.local/share, ~/.cache even with --user-data-dir,
  // and the extension reads agent logs under ~ (~/.claude, ~/.codex, ~/.gemini): HOME and the XDG dirs
  // are throwaway folders, so a run neither reads nor writes the real home. `env` (which may set HOME
  // to a fixture) reaches the extension host. EXTENSIONS_GALLERY={}: no marketplace look-ups.
  const ENV = { EXTENSIONS_GALLERY: '{}', ...process.env, HOME: d('home'),
    XDG_CONFIG_HOME: d('xdg/config'), XDG_DATA_HOME: d('xdg/data'), XDG_CACHE_HOME: d('xdg/cache'), ...env };
  const CS_COMMON = ['--user-data-dir', UD, '--extensions-dir', EXTS];
  let server, context, page, stopped = false;
  const pageErrors = [];

  const h = {
    tmp: TMP, workspace: WS, serverLog, pageErrors, base: undefined,
    get page() { return page; },
    get server() { return server; },
    /** The last `n` lines of code-server's log (includes the extension host's stderr). */
    logTail(n = 40) { try { return fs.readFileSync(serverLog, 'utf8').split('\n').slice(-n).join('\n'); } catch { return '(no server log)'; } },
    /** A status bar item of the Tokenomics extension: DOM id tokenomics.tokenomics.<id>. */
    statusItem(id) { return page.locator(`[id="tokenomics.tokenomics.${id}"]`); },
    /** Text of a status bar item, with codicons removed and U+00A0 turned into spaces. */
    async itemText(id) { return (await h.statusItem(id).innerText({ timeout: 5000 })).replace(/\u00a0/g, ' ').trim(); },
    /**
     * The text of the hover a status bar item shows once it holds `mustHave` (a string or a RegExp), hovering
     * again until it does (a hover can open before the item's tooltip is updated), U+00A0 as spaces.
     */
    async hoverText(item, mustHave, ms = 30_000) {
      await page.mouse.move(700, 300);
      const box = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: mustHave });
      let text = '';
      await waitFor(async () => {
        await item.hover().catch(() => {});
        text = await box.first().innerText({ timeout: 3000 }).catch(() => '');
        return text;
      }, ms, `the tooltip containing ${mustHave}`);
      return text.replace(/\u00a0/g, ' ');
    },
    /** Runs a command by its palette title (F1), e.g. 'Tokenomics: Select Model'. */
    async runCommand(title) {
      await h.focusWorkbench();
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 20_000 });
      await input.fill(`>${title}`);
      // Enter runs the FOCUSED row: wait until the filter has put the command there
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: 20_000 });
      await page.keyboard.press('Enter');
    },
    /** Opens a workspace file through Quick Open (Ctrl+P) and waits for its tab (and text editor unless text: false). */
    async openFile(fileName, { text = true } = {}) {
      await h.focusWorkbench();
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 20_000 });
      await input.fill(fileName);
      // the unfiltered list (recently opened) may already hold the file: wait for the filtered, focused row
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: path.basename(fileName) }).first().waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab.active', { hasText: path.basename(fileName) }).waitFor({ timeout: 30_000 });
      if (text) await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
    },
    /** Clicks into the active editor so that the keyboard goes to it. */
    async focusEditor() {
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } });
    },
    async focusWorkbench() {
      // Close a quick pick left open (only then: Escape in an editor would also cancel its selection).
      if (await page.locator('.quick-input-widget').isVisible().catch(() => false)) await page.keyboard.press('Escape');
    },
    async screenshot(file) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      await page.screenshot({ path: file });
      return file;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await context?.close().catch(() => {});
      if (server && server.exitCode === null && server.signalCode === null) {
        const gone = new Promise(r => server.once('exit', r));
        try { process.kill(-server.pid, 'SIGTERM'); } catch {}          // its own process group only
        await Promise.race([gone, new Promise(r => setTimeout(r, 10_000))]);
        try { process.kill(-server.pid, 'SIGKILL'); } catch {}          // stragglers: ext host, watcher, pty host
      }
      if (process.env.KEEP_TMP) log(`kept ${TMP}`); else fs.rmSync(TMP, { recursive: true, force: true });
    },
  };
  running.add(h);
  const origStop = h.stop;
  h.stop = async () => { running.delete(h); await origStop(); };

  try {
    if (vsix) {
      try {
        execFileSync('node', [CS_ENTRY, ...CS_COMMON, '--install-extension', vsix],
          { env: ENV, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
      } catch (e) { throw new Error(`installing ${vsix} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`); }
      log(`installed ${path.basename(vsix)}`);
    }
    const out = fs.openSync(serverLog, 'a');
    server = spawn('node', [CS_ENTRY, ...CS_COMMON, '--bind-addr', '127.0.0.1:0', '--auth', 'none',
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
      '--ignore-last-opened'], { env: ENV, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const base = await waitFor(() => {
      if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}:\n${h.logTail(20)}`);
      return fs.readFileSync(serverLog, 'utf8').match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    }, 60_000, 'code-server to listen');
    await waitFor(async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok, 30_000, '/healthz');
    h.base = base;
    log(`code-server pid ${server.pid} at ${base}`);

    context = await chromium.launchPersistentContext(PROFILE, {
      executablePath: CHROMIUM, headless: true, env: ENV, viewport,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] || await context.newPage();
    page.on('pageerror', e => pageErrors.push(e.message));
    // code-server is a REMOTE window: VS Code applies machine-scoped settings (tokenomics.*Dirs) only from
    // the remote machine's settings (<user-data>/Machine/settings.json). From User settings they happen to be
    // seen at startup but are dropped on the next configuration change. So they go into both files; the
    // Machine file is written once code-server has made its folders, before the page loads.
    if (machineSettings) {
      fs.mkdirSync(path.join(UD, 'Machine'), { recursive: true });
      fs.writeFileSync(path.join(UD, 'Machine/settings.json'), JSON.stringify(machineSettings, null, 1));
    }
    if (onPage) await onPage(page);
    const remote = p => `vscode-remote://${new URL(base).host}${path.resolve(p)}`;
    const payload = [];
    if (devPath) payload.push(['extensionDevelopmentPath', remote(devPath)]);
    if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
    // a .code-workspace file opens as a (multi-root) workspace, anything else as a folder
    const open = !WS ? 'ew=true' : `${String(WS).endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(path.resolve(WS))}`;
    let url = `${base}/?${open}`;
    if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    if (waitForWorkbench) {
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      log('workbench rendered');
    }
    return h;
  } catch (e) {
    if (page) await page.screenshot({ path: path.join(TMP_ROOT, `${name}-failed.png`) }).catch(() => {});
    console.error(`  # code-server log (last lines):\n${h.logTail(30).replace(/^/gm, '  #   ')}`);
    await h.stop();
    throw e;
  }
}

/** Handles not stopped yet: the runner stops them on failure or Ctrl+C. */
export const running = new Set();
export async function stopAll() { await Promise.all([...running].map(h => h.stop())); }

/**
 * Runs mocha tests INSIDE the real extension host (extensionDevelopmentPath + extensionTestsPath, as
 * @vscode/test-electron does) and resolves with their exit code, read from the workbench's
 * codeAutomationExit hook (the extension host's own exit code is 0 even when tests fail).
 * The extension host's console goes to this process's console. env reaches the extension host.
 */
export async function runInHostTests({ devPath, testsPath, folder, env = {}, userSettings = {}, timeoutMs = 300_000, name = 'inhost' }) {
  let exit;
  const exited = new Promise(r => { exit = r; });
  const noise = /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin|Updating additional builtin|\[Service Worker\]|ChatSessionStore)/;
  let h;
  try {
    h = await startVSCode({
      name, workspace: folder, env, userSettings, devPath, testsPath, waitForWorkbench: false,
      onPage: async page => {
        // Same hooks @vscode/test-web uses: ext host console -> codeAutomationLog, exit code -> codeAutomationExit.
        await page.exposeFunction('codeAutomationLog', (type, args) => {
          if (!process.env.VERBOSE && typeof args[0] === 'string' && noise.test(args[0])) return;
          const text = util.format(...args);
          (type === 'error' ? console.error : console.log)(text.replace(/^/gm, '  '));
        });
        await page.exposeFunction('codeAutomationExit', c => exit(c));
      },
    });
    let timer;
    let code = await Promise.race([exited, new Promise(r => { timer = setTimeout(() => r('timeout'), timeoutMs); })]);
    clearTimeout(timer);
    if (code === 'timeout') { console.error(`  # in-host tests did not finish in ${timeoutMs / 1000}s`); code = 1; }
    if (code !== 0) {
      await h.page?.screenshot({ path: path.join(TMP_ROOT, `${name}-failed.png`) }).catch(() => {});
      console.error(`  # code-server log (last lines):\n${h.logTail(30).replace(/^/gm, '  #   ')}`);
    }
    return typeof code === 'number' ? code : 1;
  } finally {
    await h?.stop();
  }
}
