// Live leaks over the engine's real protocol: the active session's cache-warm deadline and the burn
// rates in the usage summary, and `tokenomics/agentContext` (what fills the context) following an
// appended request. Claude Code line shapes as in test/unit/leaks-ledgers.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lspClient';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-lsp-leaks-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('usage carries cacheWarmUntil and burn; agentContext shows the context and follows an append', async () => {
  const claude = path.join(tmp, 'claude');
  const dir = path.join(claude, 'projects', '-work-shop');
  fs.mkdirSync(dir, { recursive: true });
  const t0 = Date.now() - 120_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const req = (i: number, ms: number, w: number, r: number, content: unknown[] = [{ type: 'text', text: 'ok' }]) => JSON.stringify({ type: 'assistant', cwd: '/work/shop', sessionId: 'live', timestamp: iso(ms), requestId: `req_${i}`,
    message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', content, usage: { input_tokens: 10, cache_creation_input_tokens: w, cache_read_input_tokens: r, output_tokens: 200 } } }) + '\n';
  const result = (ms: number, id: string, chars: number) => JSON.stringify({ type: 'user', sessionId: 'live', cwd: '/work/shop', timestamp: iso(ms), message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'x'.repeat(chars) }] } }) + '\n';
  const file = path.join(dir, 'live.jsonl');
  fs.writeFileSync(file, req(1, t0, 30000, 0) + req(2, t0 + 30_000, 1000, 30000, [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }]) + result(t0 + 35_000, 't1', 40000));
  const s = await startServer({ env: { CLAUDE_CONFIG_DIR: claude, CODEX_HOME: tmp, HOME: tmp }, storagePath: path.join(tmp, 'storage') });
  try {
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.context.sessionId, 'live');
    assert.equal(sum.context.cacheWarmUntil, Date.parse(iso(t0 + 30_000)) + 5 * 60_000);
    assert.equal(sum.burn[0].sessionId, 'live');
    const v: any = await s.conn.sendRequest('tokenomics/agentContext');
    assert.equal(v.contextTokens, 31010);
    assert.deepEqual(v.parts.map((p: any) => p.label), ['system prompt and tools', 'conversation']);
    fs.appendFileSync(file, req(3, t0 + 60_000, 11000, 31000));
    await s.waitNotification('tokenomics/usageChanged', (p: any) => p.today.requests === 3, 10_000);
    const w: any = await s.conn.sendRequest('tokenomics/agentContext');
    assert.equal(w.contextTokens, 42010);
    assert.deepEqual(w.parts.map((p: any) => [p.label, p.tokens]), [['system prompt and tools', 30010], ['tool output: Bash', 10000], ['conversation', 2000]]);
    assert.match(w.actions[0].title, /^Compact now/);
  } finally { await s.stop(); }
});
