// The weekly nudge (issue 6) in a real VS Code: on the first start in a new week, one notification with
// last week's spend and `Open Summary` / `Don't show again`; after a reload it does not come back.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeWeekFixture } from '../weekFixture.mjs';

export async function run(t) {
  const fx = makeWeekFixture(t);
  const cli = spawnSync(process.execPath, [path.join(t.root, 'dist/cli.js'), 'week', '--week', fx.prevWeek, '--format', 'md', '--timezone', 'UTC', '--no-cache',
    '--claude-dir', fx.claudeDir, '--codex-dir', fx.codexDir, '--gemini-dir', fx.geminiDir], { encoding: 'utf8', env: { ...process.env, HOME: fx.root } });
  const spend = /Spend (\$[\d,.]+)/.exec(cli.stdout)?.[1];
  if (cli.status !== 0 || !spend) throw new Error(`tokenomics week failed: ${cli.stderr}`);
  const h = await t.startVSCode({ workspace: fx.ws, userSettings: fx.machineSettings, machineSettings: fx.machineSettings });
  const { page } = h;
  const toast = () => page.locator('.notification-toast').filter({ hasText: 'Last week:' }).first();

  await t.step(`a notification says "Last week: ${spend}…" with Open Summary and Don't show again`, async () => {
    await toast().waitFor({ timeout: 60_000 });
    const text = (await toast().innerText()).replace(/\s+/g, ' ');
    t.log(`notification: ${JSON.stringify(text)}`);
    if (!text.includes(`Last week: ${spend}`)) throw new Error(`expected last week's spend ${spend} in ${JSON.stringify(text)}`);
    for (const b of ['Open Summary', "Don't show again"]) await toast().getByRole('button', { name: b }).waitFor({ timeout: 5000 });
  });

  await t.step('Open Summary opens last week in the weekly summary', async () => {
    await toast().getByRole('button', { name: 'Open Summary' }).click();
    const view = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    await t.expectText(view.locator('#week-label'), new RegExp(fx.prevWeek), 30_000, 'week label');
    await t.expectText(view.locator('#headline-spend'), new RegExp(spend.replace(/[$.]/g, c => `\\${c}`)), 10_000, 'headline spend');
  });

  await t.step('after a reload (a new start in the same week) the nudge does not come back', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await t.expectText(h.statusItem('spend'), /\$/, 60_000, 'spend item after reload');
    // the positive signal: the extension logs that it decided not to nudge, then no toast may be there
    const logs = () => {
      const out = [];
      const walk = d => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name.endsWith('Tokenomics.log')) out.push(p); } };
      try { walk(path.join(h.tmp, 'user-data/logs')); } catch { /* not written yet */ }
      return out.flatMap(f => fs.readFileSync(f, 'utf8').split('\n'));
    };
    const decided = await t.waitFor(() => logs().find(l => /weekly nudge: already shown/.test(l)), 60_000, 'the "weekly nudge: already shown" line in the Tokenomics log');
    t.log(decided.trim());
    if (await toast().isVisible().catch(() => false)) throw new Error('the weekly nudge showed twice in one week');
  });
}
