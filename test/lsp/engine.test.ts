// The engine over its real protocol: counts for the token meter, the model list, settings problems,
// and live agent-usage updates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { startServer } from './lspClient';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-lsp-'));
const empty = path.join(tmp, 'no-logs');
fs.mkdirSync(empty);
const noLogs = { CLAUDE_CONFIG_DIR: empty, CODEX_HOME: empty, HOME: empty };

test('counts a document exactly, then a selection, then after an incremental edit', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs });
  try {
    const text = 'Hello world.\nThe quick brown fox jumps over the lazy dog.\n'.repeat(40);
    const uri = s.open(path.join(tmp, 'a.txt'), text, 'plaintext');
    const enc = getEncoding('o200k_base');
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    assert.equal(r.tokens, enc.encode(text).length);
    assert.equal(r.exact, true);
    assert.equal(r.model, 'gpt-4o');
    assert.ok(Math.abs(r.costUSD - r.tokens * 2.5 / 1e6) < 1e-12);
    const sel: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [{ start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }] });
    assert.equal(sel.tokens, enc.encode('The quick brown fox jumps over the lazy dog.\n').length);
    assert.equal(sel.selection, true);
    await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: { line: 0, character: 5 }, end: { line: 0, character: 5 } }, text: ' there, big' }] });
    const after: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 2, ranges: [] });
    const newText = 'Hello there, big world.' + text.slice('Hello world.'.length);
    assert.equal(after.version, 2);
    assert.equal(after.tokens, enc.encode(newText).length);
  } finally { await s.stop(); }
});

test('binary and unknown-model documents get a visible state, not a crash', async () => {
  const s = await startServer({ settings: { model: 'my-local-llama' }, env: noLogs });
  try {
    const bin = s.open(path.join(tmp, 'b.bin'), 'abc\u0000def', 'plaintext');
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri: bin, version: 1, ranges: [] });
    assert.equal(r.notCounted, 'binary content');
    const txt = s.open(path.join(tmp, 'c.txt'), 'some words here', 'plaintext');
    const c: any = await s.conn.sendRequest('tokenomics/count', { uri: txt, version: 2, ranges: [] });
    assert.equal(c.resolvedModel, null);
    assert.equal(c.costUSD, null);
    assert.equal(c.exact, false);
    assert.ok(c.tokens > 0);
  } finally { await s.stop(); }
});

test('an invalid price override is reported with its model and field, and the rest keeps working', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o', prices: { 'gpt-4o': { input: 'free', output: 12 } } }, env: noLogs });
  try {
    const msg: any = await s.waitNotification('window/showMessageRequest', (p: any) => /prices/.test(p.message));
    assert.match(msg.message, /tokenomics\.prices\["gpt-4o"\]\.input/);
    const uri = s.open(path.join(tmp, 'd.txt'), 'one two three', 'plaintext');
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    assert.ok(Math.abs(r.costUSD - r.tokens * 2.5 / 1e6) < 1e-12, 'bundled input price used');
  } finally { await s.stop(); }
});

test('the model list is grouped data with tiers and prices', async () => {
  const s = await startServer({ env: noLogs });
  try {
    const models: any[] = await s.conn.sendRequest('tokenomics/models');
    const haiku = models.find(m => m.id === 'claude-haiku-4-5');
    assert.deepEqual([haiku.provider, haiku.tier, haiku.input, haiku.output, haiku.exact], ['anthropic', 'fast', 1, 5, false]);
    assert.ok(models.some(m => m.provider === 'openai' && m.exact));
  } finally { await s.stop(); }
});

test('agent usage: the summary reflects the logs and an appended request arrives as a notification', async () => {
  const claude = path.join(tmp, 'claude');
  const dir = path.join(claude, 'projects', '-work-shop');
  fs.mkdirSync(dir, { recursive: true });
  const line = (i: number, ts: string, out = 500) => JSON.stringify({ type: 'assistant', cwd: '/work/shop', sessionId: 's1', timestamp: ts, requestId: `req_${i}`,
    message: { id: `msg_${i}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: out } } }) + '\n';
  const now = new Date().toISOString();
  fs.writeFileSync(path.join(dir, 's1.jsonl'), line(1, now) + line(1, now) + '{"type":"assistant","message":{"usage":{"input_tokens":1\n');
  const s = await startServer({ env: { ...noLogs, CLAUDE_CONFIG_DIR: claude }, storagePath: path.join(tmp, 'storage') });
  try {
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.hasLogs, true);
    assert.equal(sum.today.requests, 1, 'the duplicate line counts once');
    assert.ok(Math.abs(sum.today.costUSD - (1000 * 3 + 500 * 15) / 1e6) < 1e-12);
    assert.equal(sum.skipped.malformedLines, 1);
    const logged: any = await s.waitNotification('window/logMessage', (p: any) => /malformed line/.test(p.message));
    assert.match(logged.message, /skipped 1 malformed line in .*s1\.jsonl/);
    fs.appendFileSync(path.join(dir, 's1.jsonl'), line(2, new Date().toISOString(), 1000));
    const t0 = Date.now();
    const next: any = await s.waitNotification('tokenomics/usageChanged', (p: any) => p.today.requests === 2, 5000);
    assert.ok(Date.now() - t0 < 2000, `update took ${Date.now() - t0} ms`);
    assert.ok(Math.abs(next.today.costUSD - (2000 * 3 + 1500 * 15) / 1e6) < 1e-12);
  } finally { await s.stop(); }
});

test('no agent logs: the summary says so and names the folders it looked in', async () => {
  const s = await startServer({ env: noLogs });
  try {
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.hasLogs, false);
    assert.ok(sum.folders.some((f: any) => f.agent === 'claude-code' && f.path === empty));
    assert.ok(sum.folders.some((f: any) => f.agent === 'codex'));
  } finally { await s.stop(); }
});

test('agent usage: a deleted log is kept as history; Forget Usage History drops it; totals say their basis', async () => {
  const claude = path.join(tmp, 'claude-history');
  const dir = path.join(claude, 'projects', '-work-shop');
  fs.mkdirSync(dir, { recursive: true });
  const line = (id: string, ts: string) => JSON.stringify({ type: 'assistant', cwd: '/work/shop', sessionId: id, timestamp: ts, requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: 5 } } }) + '\n';
  fs.writeFileSync(path.join(dir, 'old.jsonl'), line('old', '2026-01-05T10:00:00.000Z'));
  fs.writeFileSync(path.join(dir, 'new.jsonl'), line('new', new Date().toISOString()));
  const s = await startServer({ env: { ...noLogs, CLAUDE_CONFIG_DIR: claude }, storagePath: path.join(tmp, 'storage-history') });
  try {
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.today.basis, 'exact');
    assert.deepEqual(sum.today.byAgent.map((a: any) => [a.agent, a.basis]), [['claude-code', 'exact']]);
    fs.unlinkSync(path.join(dir, 'old.jsonl'));
    await s.conn.sendRequest('tokenomics/usage');
    await assert.rejects(s.conn.sendRequest('tokenomics/forgetHistory', { before: 'soon' }));
    assert.deepEqual(await s.conn.sendRequest('tokenomics/forgetHistory', { before: '2026-01-01' }), { dropped: 0 }, 'nothing that old');
    assert.deepEqual(await s.conn.sendRequest('tokenomics/forgetHistory', { before: '2026-02-01' }), { dropped: 1 }, 'the deleted log was kept until now');
    assert.deepEqual(await s.conn.sendRequest('tokenomics/forgetHistory', { before: '2099-01-01' }), { dropped: 0 }, 'a log still on disk is never forgotten');
  } finally { await s.stop(); }
});
