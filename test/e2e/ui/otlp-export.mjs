// The OpenTelemetry export from a real VS Code with the installed .vsix, to a real receiver:
// VictoriaMetrics on 127.0.0.1 (test/otlp/victoria.mjs). The machine-scoped settings turn the export on
// and point the agent-log folders at copies of test/fixtures/agent-logs; the engine exports, and what
// the receiver stored is read back with PromQL and compared with `tokenomics report --json` over the same
// folders (the CLI, not the extension's code, computes the expectation). Then
// `Tokenomics: Set OTLP Export Headers` stores headers in secret storage and the export goes on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, installVictoria, victoria } from '../../otlp/victoria.mjs';

export async function run(t) {
  const root = fs.mkdtempSync(path.join(t.tmpRoot, 'otlp-export-'));
  const logs = path.join(root, 'logs'), ws = path.join(root, 'ws');
  fs.cpSync(path.join(t.root, 'test/fixtures/agent-logs'), logs, { recursive: true });
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), '# workspace for the OTLP export test\n');
  const folders = ['--claude-dir', path.join(logs, 'claude'), '--codex-dir', path.join(logs, 'codex'), '--gemini-dir', path.join(logs, 'gemini')];
  const rep = spawnSync(process.execPath, [path.join(t.root, 'dist/cli.js'), 'report', '--json', '--no-cache', ...folders],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, TZ: 'UTC', XDG_CACHE_HOME: path.join(root, 'cli-cache') } });
  if (rep.status !== 0) throw new Error(`tokenomics report failed: ${rep.stderr}`);
  const expected = JSON.parse(rep.stdout).totals;

  const vm = await victoria({ bin: installVictoria(), port: await freePort(), dataDir: path.join(root, 'vm-data') });
  let h;
  try {
    const machineSettings = {
      'tokenomics.claudeDirs': [path.join(logs, 'claude')], 'tokenomics.codexDirs': [path.join(logs, 'codex')], 'tokenomics.geminiDirs': [path.join(logs, 'gemini')],
      'tokenomics.timezone': 'UTC',
      'tokenomics.export.otlp.endpoint': vm.metricsUrl, 'tokenomics.export.otlp.intervalSeconds': 10,
      'tokenomics.export.otlp.attributes': { team: 'e2e' },
    };
    h = await t.startVSCode({ workspace: ws, userSettings: machineSettings, machineSettings });
    const sorted = o => JSON.stringify(Object.keys(o).sort().map(k => [k, o[k]]));
    let last = {};
    const totals = async () => {
      await vm.flush();
      return (last = await vm.sumBy('tokenomics_token_usage_total{team="e2e",service_name="tokenomics"}', 'gen_ai_token_type'));
    };
    const want = { input: expected.inputTokens, output: expected.outputTokens, cache_read: expected.cacheReadTokens, cache_creation: expected.cacheCreationTokens };

    await t.step('the engine exports the logs\' totals: read back with PromQL they equal tokenomics report --json, to the token', async () => {
      await t.waitFor(async () => sorted(await totals()) === sorted(want), 90_000, `receiver totals ${JSON.stringify(want)}`)
        .catch(e => { throw new Error(`${e.message}; the receiver has ${JSON.stringify(last)}`); });
    }, { fatal: true });

    await t.step('and the cost to the cent', async () => {
      const cost = Number((await vm.query('sum(tokenomics_cost_usage_USD_total{team="e2e"})'))[0].value[1]);
      if (Math.abs(cost - expected.costUSD) >= 0.005) throw new Error(`cost ${cost} vs report ${expected.costUSD}`);
    });

    await t.step('Tokenomics: Set OTLP Export Headers stores them in secret storage; the export goes on, the totals unchanged', async () => {
      const page = h.page;
      await h.runCommand('Tokenomics: Set OTLP Export Headers');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 20_000 });
      if (await input.getAttribute('type') !== 'password') throw new Error('the headers input is not a password field');
      await input.fill('x-tokenomics-e2e=yes');
      await page.keyboard.press('Enter');
      await t.expectText(page.locator('.notifications-toasts'), /OTLP export headers saved in secret storage/, 20_000, 'the saved notification');
      const before = Number((await vm.query('max(count_over_time(tokenomics_token_usage_total{team="e2e"}[1h]))'))[0].value[1]);
      await t.waitFor(async () => {
        await vm.flush();
        return Number((await vm.query('max(count_over_time(tokenomics_token_usage_total{team="e2e"}[1h]))'))[0].value[1]) > before;
      }, 60_000, 'another export after the headers changed');
      const after = await totals();
      if (sorted(after) !== sorted(want)) throw new Error(`totals changed: ${JSON.stringify(after)}`);
    });
  } finally {
    await h?.stop();
    await vm.stop();
    if (!process.env.KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
  }
}
