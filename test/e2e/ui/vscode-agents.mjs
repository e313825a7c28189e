// The agents inside VS Code (issue 11) in a real VS Code with the installed .vsix: a Copilot Chat session
// journal and a Cline task placed in code-server's OWN user-data folder (where those extensions would
// write them), found without any setting (the engine derives the folder from its globalStorage path).
// Expected figures are computed here by hand: Copilot at GitHub's per-model AI-credit prices (a lower
// bound, shown ≥), Cline at the costs it reported (its deleted_api_reqs aggregate adds cost, no request).
// Checks the spend item, its tooltip and the weekly summary; screenshots go to test/e2e/.tmp/ unless
// TOKENOMICS_E2E_SCREENSHOTS_DIR names a folder.
import path from 'node:path';

const usd = v => `$${v.toFixed(2)}`;
const esc = s => s.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&');
const line = o => JSON.stringify(o) + '\n';

export async function run(t) {
  const now = Date.now();
  const shots = process.env.TOKENOMICS_E2E_SCREENSHOTS_DIR ? t.screenshotsDir : path.join(t.e2eDir, '.tmp');
  // --- Copilot Chat: VS Code's journal (objectMutationLog): the session, two requests pushed, their results Set
  const req = (id, ts, model) => ({ requestId: id, timestamp: ts, modelId: `copilot/${model}`, message: { text: 'fix it', parts: [] }, response: [] });
  const result = (prompt, output, msg) => ({ timings: { totalElapsed: 3000 }, metadata: { promptTokens: prompt, outputTokens: output, modelMessageId: msg } });
  const journal = line({ kind: 0, v: { version: 3, creationDate: now - 600_000, sessionId: 'e2e-copilot', requests: [], pendingRequests: [] } })
    + line({ kind: 2, k: ['requests'], v: [req('request_e2e_1', now - 500_000, 'claude-sonnet-4.5')] })
    + line({ kind: 2, k: ['requests', 0, 'response'], v: [{ value: 'Looking at it' }] })
    + line({ kind: 1, k: ['requests', 0, 'result'], v: result(12_000, 300, 'msg-e2e-1') })
    + line({ kind: 2, k: ['requests'], v: [req('request_e2e_2', now - 400_000, 'gpt-5-mini')] })
    + line({ kind: 1, k: ['requests', 1, 'result'], v: result(20_000, 1000, 'msg-e2e-2') });
  // GitHub's table (src/core/data/copilot-prices.json): Claude Sonnet 4.5 $3 in / $15 out, GPT-5 mini $0.25 / $2
  const copilot = (12_000 * 3 + 300 * 15) / 1e6 + (20_000 * 0.25 + 1000 * 2) / 1e6;  // 0.0405 + 0.007 = $0.0475
  // --- Cline: a task with two requests (costs as reported) and an aggregate of deleted ones
  const row = (ts, say, info) => ({ ts, type: 'say', say, text: JSON.stringify(info) });
  const task = JSON.stringify([
    { ts: now - 300_000, type: 'say', say: 'task', text: 'refactor' },
    row(now - 290_000, 'api_req_started', { request: '<task>refactor</task>\n<environment_details>\n# Current Working Directory (/home/dev/shop) Files\n</environment_details>', tokensIn: 900, tokensOut: 400, cacheWrites: 5000, cacheReads: 0, cost: 0.12 }),
    row(now - 200_000, 'api_req_started', { tokensIn: 100, tokensOut: 300, cacheWrites: 200, cacheReads: 5000, cost: 0.08 }),
    row(now - 100_000, 'deleted_api_reqs', { tokensIn: 50, tokensOut: 20, cacheWrites: 0, cacheReads: 1000, cost: 0.05 }),
  ]);
  const cline = 0.12 + 0.08 + 0.05;
  const total = copilot + cline;
  const userDataFiles = {
    'User/workspaceStorage/e2e0hash/chatSessions/e2e-copilot.jsonl': journal,
    [`User/globalStorage/saoudrizwan.claude-dev/tasks/${now - 300_000}/ui_messages.json`]: task,
  };
  t.log(`expected: Copilot ≥${usd(copilot)} (2 requests), Cline ${usd(cline)} (2 requests + an aggregate), today ${usd(total)}`);

  const machineSettings = { 'tokenomics.timezone': 'UTC' };
  const h = await t.startVSCode({ workspace: { 'README.md': '# agents inside VS Code\n' }, userSettings: { ...machineSettings, 'tokenomics.weeklySummary.notify': false }, machineSettings, userDataFiles });
  const { page } = h;
  const spend = h.statusItem('spend');

  await t.step(`the spend item shows ≥${usd(total)} today (a lower bound: Copilot's part is) from Copilot's and Cline's logs in code-server's own user-data folder, no setting`, async () => {
    const text = await t.expectText(spend, new RegExp(`≥${esc(usd(total))}\\s+today\\s+·\\s+≥${esc(usd(total))}\\s+wk`), 90_000, 'spend item');
    t.log(`spend item: ${JSON.stringify(text)}`);
  }, { fatal: true });

  await t.step('the tooltip names both agents, marks Copilot as a lower bound and counts 4 requests', async () => {
    const text = await h.hoverText(spend, 'coding-agent spend');
    t.log(`tooltip: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 600))}`);
    await h.screenshot(path.join(shots, 'vscode-agents-spend.png'));
    const need = [
      [`GitHub Copilot ≥${usd(copilot)} (5 credits)`, new RegExp(`GitHub Copilot\\s+≥${esc(usd(copilot))}\\s+\\(5 credits\\)`)],
      [`Cline ${usd(cline)}`, new RegExp(`Cline\\s+${esc(usd(cline))}`)],
      ['4 requests today', /Today:[^\n]*·\s*4 requests/],
      ['the lower-bound note', /lower bound/],
    ];
    const missing = need.filter(([, re]) => !re.test(text)).map(([w]) => w);
    if (missing.length) throw new Error(`tooltip lacks: ${missing.join('; ')}\ntooltip: ${text}`);
  });

  await t.step(`the weekly summary shows ≥${usd(total)} (a lower bound) with Copilot (≥) and Cline in its agent breakdown`, async () => {
    await page.mouse.move(700, 300);
    await h.runCommand('Tokenomics: Show Weekly Summary');
    const view = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    await t.expectText(view.locator('#headline-spend'), new RegExp(`^≥${esc(usd(total))}$`), 60_000, 'headline spend');
    await t.expectText(view.locator('#basis-note'), /≥ lower bound for GitHub Copilot/, 10_000, 'basis note');
    const rows = (await view.locator('ul[aria-label="Spend by agent"] li').allInnerTexts()).map(r => r.replace(/\s+/g, ' ').trim());
    const want = [`GitHub Copilot ≥${usd(copilot)}`, `Cline ${usd(cline)}`];
    if (want.some(w => !rows.includes(w))) throw new Error(`by agent: ${JSON.stringify(rows)}, want ${JSON.stringify(want)}`);
    await t.expectText(view.locator('#headline-requests'), /^4$/, 10_000, 'requests (the aggregate is not one)');
    const body = await view.locator('body').innerText({ timeout: 10_000 });
    for (const name of ['GitHub Copilot', 'Cline']) if (!body.includes(name)) throw new Error(`the summary does not name ${name}`);
    await h.screenshot(path.join(shots, 'vscode-agents-summary.png'));
  });
}
