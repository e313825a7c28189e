// Live leaks (issue 13) in a real VS Code with the installed .vsix: a Claude Code session whose last
// request was a minute ago (line shapes as in test/unit/leaks-ledgers.test.ts). Checks: the context item
// counts down "cache warm m:ss" (the 5-minute TTL of the last write), the spend tooltip ranks the running
// session by $/hour, and `Tokenomics: Show Agent Context` lists what fills the context and the actions, and
// follows the session while open (an appended request changes it).
// Saves cache-warm.png and agent-context.png in t.screenshotsDir.
import fs from 'node:fs';
import path from 'node:path';

export async function run(t) {
  const now = Date.now();
  const root = fs.mkdtempSync(path.join(t.tmpRoot, 'agent-context-fixture-'));
  const ws = path.join(root, 'ws');
  const claudeDir = path.join(root, 'claude'), codexDir = path.join(root, 'codex'), geminiDir = path.join(root, 'gemini');
  for (const d of [ws, codexDir, geminiDir]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), '# workspace for the agent context test\n');
  const dir = path.join(claudeDir, 'projects', ws.replace(/[/.]/g, '-'));
  fs.mkdirSync(dir, { recursive: true });
  const line = (i, ts, w, r, content = [{ type: 'text', text: 'ok' }]) => JSON.stringify({ type: 'assistant', cwd: ws, sessionId: 'ctx-session', timestamp: new Date(ts).toISOString(), requestId: `req_${i}`,
    message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', content, usage: { input_tokens: 10, cache_creation_input_tokens: w, cache_read_input_tokens: r, output_tokens: 200, cache_creation: { ephemeral_5m_input_tokens: w, ephemeral_1h_input_tokens: 0 } } } });
  const result = (ts, id, chars) => JSON.stringify({ type: 'user', sessionId: 'ctx-session', cwd: ws, timestamp: new Date(ts).toISOString(), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'x'.repeat(chars) }] } });
  fs.writeFileSync(path.join(dir, 'ctx-session.jsonl'), [
    line(1, now - 180_000, 30000, 0),
    line(2, now - 60_000, 2000, 30000, [{ type: 'tool_use', id: 't1', name: 'mcp__github__search_code', input: { q: 'x' } }]),
    result(now - 55_000, 't1', 40000),
    line(3, now - 50_000, 11000, 32000),
  ].join('\n') + '\n');
  const machineSettings = { 'tokenomics.claudeDirs': [claudeDir], 'tokenomics.codexDirs': [codexDir], 'tokenomics.geminiDirs': [geminiDir], 'tokenomics.timezone': 'UTC' };
  let h;
  try {
    h = await t.startVSCode({ workspace: ws, userSettings: { ...machineSettings }, machineSettings });
    const { page } = h;
    const ctx = h.statusItem('context'), spend = h.statusItem('spend');
    await t.step('the context item counts down how long the cache stays warm', async () => {
      const first = await t.expectText(ctx, /cache warm [0-4]:\d\d/, 90_000, 'context item');
      await new Promise(r => setTimeout(r, 2500));
      const later = await t.expectText(ctx, /cache warm [0-4]:\d\d/, 10_000, 'context item');
      t.log(`context item: ${JSON.stringify(first)} then ${JSON.stringify(later)}`);
      if (first === later) throw new Error(`the countdown did not move: ${first}`);
      await h.screenshot(path.join(t.screenshotsDir, 'cache-warm.png'));
    });
    await t.step('the spend tooltip ranks the running session by $/hour', async () => {
      const text = await h.hoverText(spend, 'burn rate');
      t.log(`tooltip: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 500))}`);
      if (!/Running now, by burn rate[\s\S]*ctx-sess[\s\S]*\/h/.test(text)) throw new Error(`no burn ranking: ${text}`);
      await page.mouse.move(700, 300);
    });
    await t.step('Show Agent Context lists what fills the context and the actions worth taking', async () => {
      await h.runCommand('Tokenomics: Show Agent Context');
      const list = page.locator('.quick-input-widget');
      await t.waitFor(async () => /Worth doing/.test(await list.innerText({ timeout: 3000 }).catch(() => '')), 30_000, 'the context view');
      const text = await list.innerText();
      t.log(`context view: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 600))}`);
      for (const re of [/system prompt and tools/, /tool output: mcp__github__search_code/, /conversation/, /Compact now/, /saves ≈\$/]) if (!re.test(text)) throw new Error(`the view lacks ${re}: ${text}`);
      await h.screenshot(path.join(t.screenshotsDir, 'agent-context.png'));
    });
    await t.step('the open context view follows the session: a request the agent appends shows up in it', async () => {
      const title = page.locator('.quick-input-widget .quick-input-title');
      await t.expectText(title, /43,010 tokens/, 30_000, 'the view title before the append');
      fs.appendFileSync(path.join(dir, 'ctx-session.jsonl'), line(4, Date.now(), 5000, 43000) + '\n');
      const after = await t.expectText(title, /48,010 tokens/, 30_000, 'the view title after the append');
      t.log(`view title after the append: ${JSON.stringify(after)}`);
      await page.keyboard.press('Escape');
    });
  } finally {
    await h?.stop();
  }
}
