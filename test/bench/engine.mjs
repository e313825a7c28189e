// The engine's live usage path: a request appended to an agent log reaches the client as a
// `tokenomics/usageChanged` notification. Budget: 2 s (the spend meter's "live" promise; the engine
// watches the log folders and polls once a second). The baseline is a `tokenomics/usage` round trip in
// the same engine, which refreshes the index and builds the summary: the update costs that plus the
// time to notice the change. (Moved here from test/lsp/engine.test.ts: speed belongs in the bench.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lsp-client.mjs';

const BUDGET_MS = 2000;
const ROUNDS = 5;

const line = (i, out = 500) => JSON.stringify({ type: 'assistant', cwd: '/work/shop', sessionId: 's1', timestamp: new Date().toISOString(), requestId: `req_${i}`,
  message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: out } } }) + '\n';

export async function run(log) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-engine-'));
  const claude = path.join(tmp, 'claude');
  const dir = path.join(claude, 'projects', '-work-shop');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 's1.jsonl');
  fs.writeFileSync(file, line(0));
  const server = await startServer({ env: { CLAUDE_CONFIG_DIR: claude, CODEX_HOME: tmp, HOME: tmp } });
  try {
    await server.conn.sendRequest('tokenomics/usage');
    const median = a => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const base = [], live = [];
    for (let i = 1; i <= ROUNDS; i++) {
      let t = performance.now();
      await server.conn.sendRequest('tokenomics/usage');
      base.push(performance.now() - t);
      const arrived = server.nextNotification('tokenomics/usageChanged', p => p.today.requests === i + 1);
      t = performance.now();
      fs.appendFileSync(file, line(i));
      await arrived;
      live.push(performance.now() - t);
    }
    const m = median(live), b = median(base);
    log(`append -> usageChanged: median ${m.toFixed(0)} ms over ${ROUNDS} appends (max ${Math.max(...live).toFixed(0)} ms); usage round trip ${b.toFixed(1)} ms (ratio ${(m / b).toFixed(0)}x)`);
    log(`target: <= ${BUDGET_MS} ms ${m <= BUDGET_MS ? 'OK' : 'MISSED'}`);
    if (m > BUDGET_MS) throw new Error(`live usage update took ${m.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
  } finally {
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
