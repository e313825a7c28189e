// The engine under bursts and hostile input (issue 14), over its real protocol. Speed budgets are in
// test/bench/engine-stress.mjs; these check what the engine answers and how much work it does.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './lspClient';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-lsp-stress-'));
const empty = path.join(tmp, 'no-logs');
fs.mkdirSync(empty);
const noLogs = { CLAUDE_CONFIG_DIR: empty, CODEX_HOME: empty, HOME: empty };
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('2,000 settings notifications in a row: a count answers with the last, and an open prompt is re-analysed a few times, not 2,000', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs, workspace: tmp });
  try {
    const prompt = s.open(path.join(tmp, 'CLAUDE.md'), '# Rules\n\nAlways run the tests. Please make sure to keep answers short.\n');
    const txt = s.open(path.join(tmp, 'notes.txt'), 'one two three four', 'plaintext');
    await s.waitNotification('textDocument/publishDiagnostics', (p: any) => p.uri === prompt);
    const before = s.notifications.filter(n => n.method === 'textDocument/publishDiagnostics' && (n.params as any).uri === prompt).length;
    const models = ['gpt-4o', 'claude-sonnet-4-6', 'gpt-4.1', 'claude-haiku-4-5'];
    for (let i = 0; i < 2000; i++) void s.conn.sendNotification('tokenomics/settings', { model: models[i % models.length], 'budget.dailyUSD': i + 1 });
    void s.conn.sendNotification('tokenomics/settings', { model: 'claude-opus-4-1', 'budget.dailyUSD': 7 });
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri: txt, version: 2, ranges: [] });
    assert.equal(r.model, 'claude-opus-4-1', 'the count uses the last settings sent');
    const sum: any = await s.conn.sendRequest('tokenomics/usage');
    assert.equal(sum.budgets.dailyUSD, 7);
    // the re-analysis the last settings started has published; then nothing more comes
    await s.waitNotification('textDocument/publishDiagnostics', (p: any) => p.uri === prompt && s.notifications.filter(n => n.method === 'textDocument/publishDiagnostics').length > before);
    await new Promise(res => setTimeout(res, 1000));
    await s.conn.sendRequest('tokenomics/usage');
    const analyses = s.notifications.filter(n => n.method === 'textDocument/publishDiagnostics' && (n.params as any).uri === prompt).length - before;
    assert.ok(analyses >= 1 && analyses <= 5, `the prompt was re-analysed ${analyses} times for one burst`);
  } finally { await s.stop(); }
});

test('a prompt too large to analyse gets one diagnostic saying so, and the token meter still counts it', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs, workspace: tmp });
  try {
    const para = '## Section\n\nAlways run the tests before you commit. Please make sure to keep the answer short.\n\n';
    const text = para.repeat(Math.ceil(4_100_000 / para.length));
    const uri = s.open(path.join(tmp, 'big', 'CLAUDE.md'), text);
    const d: any = await s.waitNotification('textDocument/publishDiagnostics', (p: any) => p.uri === uri && p.diagnostics.length > 0, 60_000);
    assert.deepEqual(d.diagnostics.map((x: any) => x.code), ['tokenomics.too-large-to-analyse']);
    assert.match(d.diagnostics[0].message, /Too large to analyse/);
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    assert.ok(r.tokens > 500_000, `counted ${r.tokens}`);
    assert.deepEqual(await s.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }), []);
  } finally { await s.stop(); }
});

test('a large document kept in pieces and counted in steps: after edits across its pieces, the count is the tokenizer\'s count of the text', async () => {
  const s = await startServer({ settings: { model: 'gpt-4o' }, env: noLogs, workspace: tmp });
  try {
    const para = 'Always run the tests before you commit.\r\nKeep the answer short: 42 words, not 420.\n\n';
    let text = para.repeat(Math.ceil(3_500_000 / para.length));
    const uri = s.open(path.join(tmp, 'big.txt'), text, 'plaintext');
    const first: any = await s.conn.sendRequest('tokenomics/count', { uri, version: 1, ranges: [] });
    const { getCounter } = await import('../../src/core/tokenizer');
    const counter = await getCounter('o200k_base');
    assert.equal(first.tokens, counter.count(text));
    // edits at the start, inside, across the ~64 K-character pieces, and a \r\n split then joined again
    const lines = text.split(/\r\n|\n/);
    const edits = [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' },
      { range: { start: { line: 10_000, character: 3 }, end: { line: 12_500, character: 5 } }, text: 'joined ' },
      { range: { start: { line: 30_000, character: lines[30_000]!.length }, end: { line: 30_000, character: lines[30_000]!.length } }, text: '\r' },
    ];
    const { TextDocument } = await import('vscode-languageserver-textdocument');
    let doc = TextDocument.create(uri, 'plaintext', 1, text);
    let v = 1;
    for (const e of edits) {
      v++;
      void s.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [e] });
      doc = TextDocument.update(doc, [e], v);
    }
    text = doc.getText();
    const r: any = await s.conn.sendRequest('tokenomics/count', { uri, version: v, ranges: [] });
    assert.equal(r.version, v);
    assert.equal(r.tokens, counter.count(text));
  } finally { await s.stop(); }
});
