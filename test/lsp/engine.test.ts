// The engine over its real protocol: counts for the token meter, the model list, settings problems
// (and settings per folder), params the engine refuses, live agent-usage updates, and workspace folders
// that change. Speed budgets are in test/bench/engine.mjs, not here.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { pathToFileURL } from 'node:url';
import { startServer, REPO } from './lspClient';
import { RESOURCE_SETTINGS } from '../../src/server/engine';

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

test('a document with a piece too long to merge exactly is counted as an estimate (≈), also as a selection', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs });
  try {
    // one run of letters over 1 << 20 characters: core/bpe.ts estimates such a piece from samples
    const text = `intro words\n${'a'.repeat((1 << 20) + 10)}\n`;
    const uri = s.open(path.join(tmp, 'huge-piece.txt'), text, 'plaintext');
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    assert.equal(r.exact, false, 'o200k_base is exact, this count is not');
    assert.ok(r.tokens > 0);
    assert.match(r.countingLabel, /estimated from samples/);
    const sel: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [{ start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }] });
    assert.equal(sel.exact, false);
    const small: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [{ start: { line: 0, character: 0 }, end: { line: 0, character: 5 } }] });
    assert.equal(small.exact, true, 'a selection without the long piece is exact');
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
    const next: any = await s.waitNotification('tokenomics/usageChanged', (p: any) => p.today.requests === 2, 10_000);
    assert.ok(Math.abs(next.today.costUSD - (2000 * 3 + 1500 * 15) / 1e6) < 1e-12);
  } finally { await s.stop(); }
});

test('no agent logs: the summary says so and names the folders it looked in', async () => {
  const s = await startServer({ env: noLogs });
  try {
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.hasLogs, false);
    assert.ok(sum.folders.some((f: any) => f.agent === 'claude-code' && f.path === empty && f.setting === 'tokenomics.claudeDirs'));
    assert.ok(sum.folders.some((f: any) => f.agent === 'codex'));
  } finally { await s.stop(); }
});

test('malformed params get InvalidParams naming the method and the field; the engine keeps answering', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs });
  try {
    const bad = (method: string, params: unknown) => s.conn.sendRequest(method, params).then(
      () => assert.fail(`${method} accepted ${JSON.stringify(params)}`),
      (e: { code: number; message: string }) => e);
    const count = await bad('tokenomics/count', { uri: 42, version: 'one', ranges: 'all' });
    assert.equal(count.code, -32602);
    assert.match(count.message, /^tokenomics\/count: invalid params: uri: .*; version: .*; ranges: /);
    const range = await bad('tokenomics/count', { uri: 'file:///x.txt', version: 1, ranges: [{ start: { line: -1, character: 0 }, end: { line: 0, character: 0 } }] });
    assert.match(range.message, /ranges\.0\.start\.line/);
    const week = await bad('tokenomics/week', { offset: 'last' });
    assert.equal(week.code, -32602);
    assert.match(week.message, /^tokenomics\/week: invalid params: offset: /);
    const analyze = await bad('tokenomics/analyzeAsPrompt', {});
    assert.match(analyze.message, /^tokenomics\/analyzeAsPrompt: invalid params: uri: /);
    const uri = s.open(path.join(tmp, 'after-bad.txt'), 'still counting', 'plaintext');
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    assert.equal(r.tokens, getEncoding('o200k_base').encode('still counting').length);
  } finally { await s.stop(); }
});

test('the spend meter prefers the session of a workspace folder, and follows workspace/didChangeWorkspaceFolders', async () => {
  const root = path.join(tmp, 'folders');
  const claude = path.join(root, 'claude');
  const shop = path.join(root, 'shop'), blog = path.join(root, 'blog');
  const session = (project: string, id: string, minutesAgo: number) => {
    const dir = path.join(claude, 'projects', project.replace(/[/.]/g, '-'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${id}.jsonl`), JSON.stringify({ type: 'assistant', cwd: project, sessionId: id,
      timestamp: new Date(Date.now() - minutesAgo * 60_000).toISOString(), requestId: `req_${id}`,
      message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 100_000, output_tokens: 10 } } }) + '\n');
  };
  session(shop, 'shop-session', 30);
  session(blog, 'blog-session', 5);   // the newest session
  const s = await startServer({ env: { ...noLogs, CLAUDE_CONFIG_DIR: claude }, folders: [shop], capabilities: { workspace: { workspaceFolders: true } } });
  try {
    const first: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(first.context?.sessionId, 'shop-session', 'the workspace folder\'s session wins over a newer one elsewhere');
    assert.equal(first.context?.inWorkspace, true);
    await s.conn.sendNotification('workspace/didChangeWorkspaceFolders', { event: {
      added: [{ uri: pathToFileURL(blog).href, name: 'blog' }], removed: [{ uri: pathToFileURL(shop).href, name: 'shop' }] } });
    const next: any = await s.waitNotification('tokenomics/usageChanged', (p: any) => p.context?.sessionId === 'blog-session', 10_000);
    assert.equal(next.context.inWorkspace, true);
    const asked: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(asked.context?.sessionId, 'blog-session');
  } finally { await s.stop(); }
});

test('resource-scoped settings are read per document: a folder\'s tokenomics.model counts that folder\'s files', async () => {
  const a = path.join(tmp, 'multi', 'a'), b = path.join(tmp, 'multi', 'b');
  let bModel = 'gpt-4o';
  const asked: string[] = [];
  const s = await startServer({
    settings: { model: 'claude-sonnet-4-5', maxFileSizeMB: 20 }, env: noLogs, folders: [a, b],
    capabilities: { workspace: { configuration: true } },
    // as VS Code answers: the folder's value for a document of that folder, else the workspace's
    configuration: item => {
      asked.push(item.scopeUri ?? '');
      return { model: item.scopeUri?.startsWith(pathToFileURL(b).href) ? bModel : 'claude-sonnet-4-5', maxFileSizeMB: 0.000001 };
    },
  });
  try {
    const ua = s.open(path.join(a, 'x.txt'), 'one two three', 'plaintext');
    const ub = s.open(path.join(b, 'y.txt'), 'one two three', 'plaintext');
    const ra: any = await s.conn.sendRequest('tokenomics/count', { uri: ua, version: 1, ranges: [] });
    const rb: any = await s.conn.sendRequest('tokenomics/count', { uri: ub, version: 2, ranges: [] });
    assert.equal(ra.model, 'claude-sonnet-4-5');
    assert.equal(rb.model, 'gpt-4o');
    assert.equal(rb.exact, true);
    assert.equal(rb.notCounted, undefined, 'maxFileSizeMB is window-level: the snapshot\'s 20 MB stands, not a scoped answer');
    await s.conn.sendRequest('tokenomics/count', { uri: ub, version: 2, ranges: [] });
    assert.equal(asked.filter(u => u === ub).length, 1, 'the scoped settings of a document are cached');
    bModel = 'gpt-4o-mini';
    await s.conn.sendNotification('tokenomics/settings', { model: 'claude-sonnet-4-5', maxFileSizeMB: 20 });
    const again: any = await s.conn.sendRequest('tokenomics/count', { uri: ub, version: 2, ranges: [] });
    assert.equal(again.model, 'gpt-4o-mini', 'a settings change drops the cache');
  } finally { await s.stop(); }
});

test('the engine\'s list of resource-scoped settings is the manifest\'s', () => {
  const props = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).contributes.configuration.properties as Record<string, { scope?: string }>;
  const manifest = Object.entries(props).filter(([, v]) => v.scope === 'resource').map(([k]) => k.replace(/^tokenomics\./, '')).sort();
  assert.deepEqual([...RESOURCE_SETTINGS].sort(), manifest);
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

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

// vscode-languageserver keeps one shutdown handler, the last one set: the usage, week and export services
// each set theirs, so only the export's ran and a usage index changed less than 2 s before the client
// shut the engine down was never saved (src/server/shutdown.ts runs them all).
test('shutdown saves the usage index every service changed, and the engine exits cleanly', async () => {
  const claude = path.join(tmp, 'claude-shutdown');
  const dir = path.join(claude, 'projects', '-work-shop');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 's1.jsonl'), JSON.stringify({ type: 'assistant', cwd: '/work/shop', sessionId: 's1', timestamp: new Date().toISOString(), requestId: 'req_1',
    message: { id: 'msg_1', model: 'claude-sonnet-4-5', usage: { input_tokens: 1000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 500 } } }) + '\n');
  const storage = path.join(tmp, 'storage-shutdown');
  const s = await startServer({ env: { ...noLogs, CLAUDE_CONFIG_DIR: claude }, storagePath: storage });
  let stderr = '';
  s.child.stderr!.on('data', d => { stderr += d; });
  const exited = new Promise<number | null>(resolve => s.child.once('exit', code => resolve(code)));
  const sum: any = await s.conn.sendRequest('tokenomics/usage');
  assert.equal(sum.today.requests, 1);
  // the index saves itself 2 s after a change; the client shuts down before that
  assert.equal(fs.existsSync(path.join(storage, 'usage-index.json')), false, 'test bug: the index was saved before the shutdown');
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  assert.equal(await exited, 0, stderr);
  assert.ok(fs.existsSync(path.join(storage, 'usage-index.json')), 'the usage index was saved on shutdown');
  s.conn.dispose();
});

test('a log folder or a log file named in the settings that does not exist is reported as a folder or a file', async () => {
  const s = await startServer({ env: noLogs, settings: { claudeDirs: [path.join(tmp, 'no-such-claude')], copilotOtelFiles: [path.join(tmp, 'no-such-otel.jsonl')] } });
  try {
    const folder: any = await s.waitNotification('window/logMessage', (p: any) => /no-such-claude/.test(p.message));
    assert.match(folder.message, /^Agent log folder .*no-such-claude \(claude-code, from settings\) does not exist\.$/);
    const file: any = await s.waitNotification('window/logMessage', (p: any) => /no-such-otel/.test(p.message));
    assert.match(file.message, /^Agent log file .*no-such-otel\.jsonl \(copilot, from settings\) does not exist\.$/);
  } finally { await s.stop(); }
});
