// Spend meter and context warning (issue 3) in a real VS Code with the installed .vsix: fixture Claude Code
// and Codex CLI logs (written here, timestamped today) reached through the machine-scoped settings
// tokenomics.claudeDirs / codexDirs / geminiDirs. The expected dollars are computed by hand below from the
// catalog prices (not by the extension's code). Checks: the status bar text, the tooltip's per-agent /
// per-model breakdown and Codex rate limits, the context item at >= 60% of the window, a live update when a
// request is appended to a log, and the daily budget (error background + notification).
// Saves spend-meter.png and context-warning.png in t.screenshotsDir.
import fs from 'node:fs';
import path from 'node:path';

const DAY = 86_400_000;
const M = 1e6;
// $ per 1M tokens. claude-sonnet-4-5 as in the issue; gpt-5.2-codex from src/core/data/prices.json.
const SONNET = { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75 };
const CODEX = { input: 1.75, output: 14, cacheRead: 0.175 };
const claudeCost = u => (u.input_tokens * SONNET.input + u.output_tokens * SONNET.output
  + u.cache_read_input_tokens * SONNET.cacheRead + u.cache_creation_input_tokens * SONNET.cacheWrite5m) / M;
// Codex: input_tokens include cached_input_tokens; reasoning is inside output_tokens.
const codexCost = u => ((u.input_tokens - u.cached_input_tokens) * CODEX.input + u.cached_input_tokens * CODEX.cacheRead
  + u.output_tokens * CODEX.output) / M;
const usd = v => `$${v.toFixed(2)}`;   // formatUSD for 0.01 <= v < 100
const esc = s => s.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&');

function claudeLine({ ws, session, id, req, ts, usage, stop = 'end_turn' }) {
  return JSON.stringify({
    parentUuid: null, isSidechain: false, userType: 'external', cwd: ws, sessionId: session, version: '2.1.90',
    gitBranch: 'main', type: 'assistant', uuid: `${id}-${req}-${stop ?? 'partial'}`, timestamp: new Date(ts).toISOString(), requestId: req,
    message: {
      id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'Done.' }], stop_reason: stop,
      usage: { ...usage, cache_creation: { ephemeral_5m_input_tokens: usage.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 }, service_tier: 'standard' },
    },
  });
}
const cu = (input, output, cacheRead, cacheWrite) => ({ input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite });

export async function run(t) {
  const now = Date.now();
  const todayStart = Math.floor(now / DAY) * DAY;                     // tokenomics.timezone = UTC below
  const at = minutesAgo => Math.max(todayStart + (60 - minutesAgo) * 1000, now - minutesAgo * 60_000);  // today, in order
  const weekday = new Date(todayStart).getUTCDay();                   // 0 = Sunday; weeks start on Monday (default)
  const weekStart = todayStart - ((weekday + 6) % 7) * DAY;
  const yesterdayNoon = todayStart - DAY / 2;
  const yesterdayInWeek = yesterdayNoon >= weekStart;

  const root = fs.mkdtempSync(path.join(t.tmpRoot, 'spend-meter-fixture-'));
  const ws = path.join(root, 'ws');
  const claudeDir = path.join(root, 'claude'), codexDir = path.join(root, 'codex'), geminiDir = path.join(root, 'gemini');
  fs.mkdirSync(ws, { recursive: true });
  fs.mkdirSync(geminiDir, { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), '# workspace for the spend meter test\n');
  const projDir = path.join(claudeDir, 'projects', ws.replace(/[/.]/g, '-'));
  fs.mkdirSync(projDir, { recursive: true });

  // --- Claude Code: session s-today (workspace), with a streaming partial and a verbatim duplicate of request 1
  const u1 = cu(1000, 2000, 10_000, 4000);          // 0.003 + 0.030 + 0.003 + 0.015 = $0.051
  const u2 = cu(2000, 5000, 120_000, 8000);         // 0.006 + 0.075 + 0.036 + 0.030 = $0.147; context 130,000 = 65% of 200,000
  const session = 'a1b2c3d4-0000-4000-8000-000000000001';
  const todayLog = path.join(projDir, `${session}.jsonl`);
  const l1 = claudeLine({ ws, session, id: 'msg_e2e_1', req: 'req_e2e_1', ts: at(50), usage: u1 });
  fs.writeFileSync(todayLog, [
    JSON.stringify({ type: 'user', cwd: ws, sessionId: session, timestamp: new Date(at(51)).toISOString(), message: { role: 'user', content: 'hi' } }),
    claudeLine({ ws, session, id: 'msg_e2e_1', req: 'req_e2e_1', ts: at(50), usage: cu(1000, 3, 10_000, 4000), stop: null }),  // partial
    l1,
    l1,                                                                                        // same message.id + requestId: once
    claudeLine({ ws, session, id: 'msg_e2e_2', req: 'req_e2e_2', ts: at(10), usage: u2 }),
  ].join('\n') + '\n');
  // yesterday (in this week unless today is Monday) and 10 days ago (in neither)
  const uY = cu(10_000, 100_000, 0, 0);             // 0.03 + 1.5 = $1.53
  const uOld = cu(1_000_000, 0, 0, 0);              // $3.00, outside the week
  fs.writeFileSync(path.join(projDir, 'b1b2c3d4-0000-4000-8000-000000000002.jsonl'), [
    claudeLine({ ws, session: 'b1b2c3d4-0000-4000-8000-000000000002', id: 'msg_e2e_y', req: 'req_e2e_y', ts: yesterdayNoon, usage: uY }),
    claudeLine({ ws, session: 'b1b2c3d4-0000-4000-8000-000000000002', id: 'msg_e2e_old', req: 'req_e2e_old', ts: todayStart - 10 * DAY, usage: uOld }),
  ].join('\n') + '\n');

  // --- Codex CLI rollout (today's date folder), one request; the token_count line is repeated (a trap)
  const d = new Date(todayStart);
  const codexDay = path.join(codexDir, 'sessions', String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), String(d.getUTCDate()).padStart(2, '0'));
  fs.mkdirSync(codexDay, { recursive: true });
  const cx = { input_tokens: 200_000, cached_input_tokens: 150_000, output_tokens: 20_000, reasoning_output_tokens: 8000, total_tokens: 220_000 };
  // (200,000 - 150,000) x 1.75 + 150,000 x 0.175 + 20,000 x 14 = 0.0875 + 0.02625 + 0.28 = $0.39375
  const tc = JSON.stringify({ timestamp: new Date(at(30)).toISOString(), type: 'event_msg', payload: { type: 'token_count',
    info: { total_token_usage: cx, last_token_usage: cx, model_context_window: 258400 },
    rate_limits: { primary: { used_percent: 23.0, window_minutes: 300, resets_at: Math.floor(now / 1000) + 3600 },
      secondary: { used_percent: 41.0, window_minutes: 10080, resets_at: Math.floor(now / 1000) + 3 * 86400 }, plan_type: 'plus' } } });
  fs.writeFileSync(path.join(codexDay, 'rollout-x.jsonl'), [
    JSON.stringify({ timestamp: new Date(at(32)).toISOString(), type: 'session_meta', payload: { id: 'thread-e2e', cwd: ws, cli_version: '0.130.0', source: 'cli' } }),
    JSON.stringify({ timestamp: new Date(at(31)).toISOString(), type: 'turn_context', payload: { model: 'gpt-5.2-codex', cwd: ws, effort: 'medium' } }),
    tc, tc,
  ].join('\n') + '\n');

  const cost1 = claudeCost(u1), cost2 = claudeCost(u2), costY = claudeCost(uY), costCx = codexCost(cx);
  const claudeToday = cost1 + cost2;
  const today = claudeToday + costCx;
  const week = today + (yesterdayInWeek ? costY : 0);
  t.log(`expected: today ${usd(today)} (Claude ${claudeToday.toFixed(5)}, Codex ${costCx.toFixed(5)}), week ${usd(week)}; yesterday in week: ${yesterdayInWeek}`);

  const machineSettings = {
    'tokenomics.claudeDirs': [claudeDir], 'tokenomics.codexDirs': [codexDir], 'tokenomics.geminiDirs': [geminiDir],
    'tokenomics.timezone': 'UTC',
  };
  const userSettings = { ...machineSettings, 'tokenomics.model': 'gpt-4o' };
  let h;
  try {
    h = await t.startVSCode({ workspace: ws, userSettings, machineSettings });
    const { page } = h;
    const spend = h.statusItem('spend'), ctx = h.statusItem('context');
    const spendRe = (d0, w0) => new RegExp(`${esc(usd(d0))}\\s+today\\s+·\\s+${esc(usd(w0))}\\s+wk`);

    await t.step(`the spend item shows ${usd(today)} today · ${usd(week)} wk (duplicates and the streaming partial counted once)`, async () => {
      const text = await t.expectText(spend, spendRe(today, week), 90_000, 'spend item');
      t.log(`spend item: ${JSON.stringify(text)}`);
    });

    await t.step('the spend tooltip breaks spend down by agent and model and shows the Codex rate limits', async () => {
      const text = await h.hoverText(spend, 'coding-agent spend');
      t.log(`tooltip: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 700))}`);
      const need = [
        [`Today: ${usd(today)}`, new RegExp(`Today:\\s*${esc(usd(today))}`)],
        ['3 requests today', /Today:[^\n]*·\s*3 requests/],
        [`Claude Code ${usd(claudeToday)}`, new RegExp(`Claude Code\\s+${esc(usd(claudeToday))}`)],
        [`Codex CLI ${usd(costCx)}`, new RegExp(`Codex CLI\\s+${esc(usd(costCx))}`)],
        ['claude-sonnet-4-5 row', new RegExp(`claude-sonnet-4-5\\s+${esc(usd(claudeToday))}\\s+2`)],
        ['gpt-5.2-codex row', new RegExp(`gpt-5\\.2-codex\\s+${esc(usd(costCx))}\\s+1`)],
        [`This week: ${usd(week)}`, new RegExp(`This week:\\s*${esc(usd(week))}`)],
        ['Codex plan usage', /Codex plan usage/],
        ['5-hour window 23%', /5-hour window:\s*23% used/],
        ['weekly window 41%', /weekly window:\s*41% used/],
      ];
      const missing = need.filter(([, re]) => !re.test(text)).map(([n]) => n);
      await h.screenshot(path.join(t.screenshotsDir, 'spend-meter.png'));
      if (missing.length) throw new Error(`tooltip lacks: ${missing.join('; ')}\ntooltip: ${text}`);
      await page.mouse.move(700, 300);
    });

    await t.step('the context item shows ctx 65% for the workspace session (130,000 of 200,000 tokens)', async () => {
      const text = await t.expectText(ctx, /ctx\s+65%/, 60_000, 'context item');
      t.log(`context item: ${JSON.stringify(text)}`);
      const tip = await h.hoverText(ctx, 'agent context');
      t.log(`context tooltip: ${JSON.stringify(tip.replace(/\s+/g, ' ').slice(0, 400))}`);
      await h.screenshot(path.join(t.screenshotsDir, 'context-warning.png'));
      for (const re of [/65% full/, /claude-sonnet-4-5/, /130,000 of 200,000/, /compact/i]) {
        if (!re.test(tip)) throw new Error(`context tooltip lacks ${re}: ${tip}`);
      }
      await page.mouse.move(700, 300);
    });

    const u3 = cu(500, 1000, 125_000, 0);              // 0.0015 + 0.015 + 0.0375 = $0.054
    const today2 = today + claudeCost(u3), week2 = week + claudeCost(u3);
    await t.step(`appending a request to the Claude log updates the item to ${usd(today2)} today · ${usd(week2)} wk`, async () => {
      fs.appendFileSync(todayLog, claudeLine({ ws, session, id: 'msg_e2e_3', req: 'req_e2e_3', ts: Date.now(), usage: u3 }) + '\n');
      const t0 = Date.now();
      const text = await t.expectText(spend, spendRe(today2, week2), 10_000, 'spend item after the append');
      t.log(`after append (${((Date.now() - t0) / 1000).toFixed(1)} s): ${JSON.stringify(text)}`);
    });

    await t.step('a daily budget below today\'s spend: error background and a notification naming the budget', async () => {
      // through the Settings editor, as a user would (a write to settings.json on disk is not picked up
      // reliably by code-server's user-data watcher)
      await h.runCommand('Preferences: Open Settings (UI)');
      await page.locator('.settings-editor').waitFor({ timeout: 30_000 });
      const search = page.locator('.settings-editor .settings-header .suggest-input-container .monaco-editor').first();
      await search.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('tokenomics.budget.dailyUSD');
      const row = page.locator('.settings-editor .setting-item-contents').filter({ hasText: /Daily budget for coding-agent spend/ }).first();
      await row.waitFor({ timeout: 30_000 });
      const input = row.locator('input').first();
      await input.click();
      await input.fill('0.1');
      await page.keyboard.press('Tab');
      const settingsFile = path.join(h.tmp, 'user-data/User/settings.json');
      await t.waitFor(() => JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['tokenomics.budget.dailyUSD'] === 0.1, 30_000,
        'tokenomics.budget.dailyUSD = 0.1 in the user settings');
      const toast = page.locator('.notification-toast, .notifications-center .notification-list-item').filter({ hasText: /budget/ }).first();
      let bg = null;
      await t.waitFor(async () => {
        bg = await spend.evaluate(el => {
          const css = getComputedStyle(document.querySelector('.monaco-workbench'));
          const hex = css.getPropertyValue('--vscode-statusBarItem-errorBackground').trim();
          const probe = document.createElement('div');
          probe.style.backgroundColor = hex;
          document.body.appendChild(probe);
          const want = getComputedStyle(probe).backgroundColor;
          probe.remove();
          const meter = document.getElementById('tokenomics.tokenomics.meter') || el.parentElement?.querySelector('.statusbar-item:not([id="tokenomics.tokenomics.spend"])');
          return { want, hex, own: getComputedStyle(el).backgroundColor, inline: el.style.backgroundColor,
            classes: el.className, neighbour: meter ? getComputedStyle(meter).backgroundColor : null };
        });
        return bg.hex && bg.own === bg.want;
      }, 30_000, 'the spend item to take statusBarItem.errorBackground').catch(e => { throw new Error(`${e.message}: ${JSON.stringify(bg)}`); });
      t.log(`background: ${JSON.stringify(bg)}`);
      if (bg.neighbour === bg.own) throw new Error(`the neighbour item has the same background: ${JSON.stringify(bg)}`);
      try {
        await toast.waitFor({ timeout: 30_000 });
      } catch {
        await h.runCommand('Notifications: Show Notifications');
        await toast.waitFor({ timeout: 10_000 });
      }
      const msg = (await toast.innerText()).replace(/\s+/g, ' ');
      t.log(`notification: ${JSON.stringify(msg.slice(0, 200))}`);
      if (!/daily/i.test(msg) || !msg.includes('$0.10') || !msg.includes(usd(today2))) throw new Error(`notification does not name the daily $0.10 budget and ${usd(today2)}: ${msg}`);
    });
  } finally {
    await h?.stop();
    if (!process.env.KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
  }
}
