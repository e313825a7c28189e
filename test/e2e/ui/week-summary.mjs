// Weekly summary (issue 6) in a real VS Code: the fixture logs of test/fixtures/week, shifted so that their
// week (2026-05-04) is the current week, reached through tokenomics.claudeDirs / codexDirs. Opens
// `Tokenomics: Show Weekly Summary`, reads the headline figures from the webview's DOM, compares them with
// `tokenomics week --format md` for the same folders and week, navigates to the previous week, and saves
// screenshots in the light and dark themes.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeWeekFixture } from '../weekFixture.mjs';

export async function run(t) {
  const { root, ws, claudeDir, codexDir, geminiDir, weekStart, prevWeek, machineSettings } = makeWeekFixture(t);

  // what the CLI says for the same folders and week
  const cli = spawnSync(process.execPath, [path.join(t.root, 'dist/cli.js'), 'week', '--week', weekStart, '--format', 'md', '--timezone', 'UTC', '--no-cache',
    '--claude-dir', claudeDir, '--codex-dir', codexDir, '--gemini-dir', geminiDir], { encoding: 'utf8', env: { ...process.env, HOME: root } });
  if (cli.status !== 0) throw new Error(`tokenomics week failed: ${cli.stderr}`);
  const m = /Spend (\$[\d,.]+) · ([\d,]+) tokens · ([\d,]+) requests · ([\d,]+) sessions/.exec(cli.stdout);
  if (!m) throw new Error(`no headline in the CLI output:\n${cli.stdout.slice(0, 500)}`);
  const [, spend, tokens, requests, sessions] = m;
  t.log(`CLI headline for ${weekStart}: ${spend}, ${tokens} tokens, ${requests} requests, ${sessions} sessions`);

  const userSettings = { ...machineSettings, 'tokenomics.weeklySummary.notify': false, 'workbench.colorTheme': 'Default Light Modern', 'window.autoDetectColorScheme': true,
    'workbench.preferredLightColorTheme': 'Default Light Modern', 'workbench.preferredDarkColorTheme': 'Default Dark Modern' };
  const h = await t.startVSCode({ workspace: ws, userSettings, machineSettings });
  const page = h.page;
  await page.emulateMedia({ colorScheme: 'light' });
  const view = () => page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');

  await t.step('the spend meter is up (engine running)', async () => {
    await t.expectText(h.statusItem('spend'), /\$/, 90_000, 'spend item');
  }, { fatal: true });

  let openMs = 0;
  await t.step(`Tokenomics: Show Weekly Summary shows ${spend}, ${tokens} tokens, ${requests} requests, ${sessions} sessions (as the CLI)`, async () => {
    const t0 = Date.now();
    await h.runCommand('Tokenomics: Show Weekly Summary');
    await t.expectText(view().locator('#headline-spend'), new RegExp(spend.replace(/[$.]/g, c => `\\${c}`)), 60_000, 'headline spend');
    openMs = Date.now() - t0;
    t.log(`command to headline visible: ${openMs} ms (includes the palette)`);
    await t.expectText(view().locator('#headline-tokens'), new RegExp(`^${tokens}$`), 5000, 'tokens');
    await t.expectText(view().locator('#headline-requests'), new RegExp(`^${requests}$`), 5000, 'requests');
    await t.expectText(view().locator('#headline-sessions'), new RegExp(`^${sessions}$`), 5000, 'sessions');
    await t.expectText(view().locator('#week-label'), new RegExp(weekStart), 5000, 'week label');
  });
  await t.step('the webview\'s cache, value and agent figures are the Markdown export\'s (same formatters, names from the engine)', async () => {
    const md = cli.stdout;
    const cache = /caching saved (\$[\d,.]+) against/.exec(md)?.[1];
    const share = /Cache reads were ([\d.]+%|—) of input/.exec(md)?.[1];
    const perLine = /test runs; (\$[\d,.]+|—) per changed line/.exec(md)?.[1];
    const agentsTable = md.split('## By agent')[1]?.split('## ')[0] ?? '';
    const agents = [...agentsTable.matchAll(/^\| ([^|]+?) \| [\d,]+ \| [\d,]+ \| (\$[\d,.]+) \|$/gm)].map(m => `${m[1]} ${m[2]}`);
    if (!cache || !share || !perLine || !agents.length) throw new Error(`test bug: figures not found in the Markdown:\n${md.slice(0, 800)}`);
    await t.expectText(view().locator('#cache-savings'), new RegExp(`^${cache.replace(/[$.]/g, c => `\\${c}`)}$`), 5000, 'cache savings');
    await t.expectText(view().locator('#cache-share'), new RegExp(`^${share.replace(/[.]/g, '\\.')}$`), 5000, 'cache share');
    await t.expectText(view().locator('#value-per-line'), new RegExp(`^${perLine.replace(/[$.]/g, c => `\\${c}`)}$`), 5000, 'cost per changed line');
    const rows = await view().locator('ul[aria-label="Spend by agent"] li').allInnerTexts();
    const shown = rows.map(r => r.replace(/\s+/g, ' ').trim());
    if (shown.join(' | ') !== agents.join(' | ')) throw new Error(`by agent: webview ${JSON.stringify(shown)}, Markdown ${JSON.stringify(agents)}`);
    t.log(`cache ${cache} (${share}), ${perLine} per line, agents ${agents.join(', ')}: as in the Markdown`);
  });

  await t.step('screenshot (light)', async () => { await h.screenshot(path.join(t.screenshotsDir, 'weekly-summary-light.png')); });

  await t.step('previous week: the label and the figures change', async () => {
    await view().locator('#prev-week').click();
    await t.expectText(view().locator('#week-label'), new RegExp(prevWeek), 20_000, 'week label');
    await t.expectText(view().locator('#headline-requests'), /^1$/, 5000, 'previous week requests');
    await view().locator('#next-week').focus();
    await page.keyboard.press('Enter');
    await t.expectText(view().locator('#week-label'), new RegExp(weekStart), 20_000, 'week label back (keyboard)');
  });

  await t.step('screenshot (dark)', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    // the webview's body takes the theme's class once VS Code has switched it
    await view().locator('body.vscode-dark').waitFor({ timeout: 20_000 });
    await view().locator('#headline-spend').scrollIntoViewIfNeeded();
    await t.expectText(view().locator('#headline-spend'), /\$/, 20_000, 'headline after theme change');
    await h.screenshot(path.join(t.screenshotsDir, 'weekly-summary-dark.png'));
  });

  await t.step('Export Weekly Summary as Markdown writes the same text as `tokenomics week --format md`', async () => {
    const target = path.join(ws, `exported-${weekStart}.md`);
    await page.keyboard.press('Escape');
    await h.runCommand('Tokenomics: Export Weekly Summary');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Markdown' }).first().waitFor({ timeout: 20_000 });
    await input.fill('Markdown');
    await page.keyboard.press('Enter');
    // the save dialog is VS Code's own simple file dialog: a quick input holding the path
    await t.waitFor(async () => /tokenomics-week-/.test(await input.inputValue().catch(() => '')), 20_000, 'the save dialog');
    await input.fill(target);
    await page.keyboard.press('Enter');
    await t.waitFor(() => fs.existsSync(target), 20_000, `${target} to be written`);
    const exported = fs.readFileSync(target, 'utf8');
    if (exported !== cli.stdout) {
      const a = exported.split('\n'), b = cli.stdout.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      throw new Error(`export and CLI differ at line ${i + 1}:\n  export: ${a[i]}\n  cli:    ${b[i]}`);
    }
    t.log(`exported ${exported.length} characters, identical to the CLI's Markdown`);
  });

  await t.step('a transcript link opens the transcript', async () => {
    await view().locator('#top button.link').first().click();
    await page.locator('.tabs-container .tab', { hasText: '.jsonl' }).first().waitFor({ timeout: 20_000 });
  });

  await t.step('time to the first full render is logged', async () => {
    const logs = [];
    const walk = d => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name === 'Tokenomics.log') logs.push(p); } };
    for (const d of fs.readdirSync(t.tmpRoot)) if (fs.existsSync(path.join(t.tmpRoot, d, 'user-data/logs'))) walk(path.join(t.tmpRoot, d, 'user-data/logs'));
    const lines = logs.flatMap(f => fs.readFileSync(f, 'utf8').split('\n')).filter(l => /first render/.test(l));
    for (const l of lines) t.log(l);
    if (!lines.length) throw new Error('no "first render" line in the Tokenomics log');
  });
}
