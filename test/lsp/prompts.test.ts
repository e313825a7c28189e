// The prompt features end to end: dist/server.js over stdio, spoken to with a real LSP client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { CodeAction, CodeLens, Diagnostic, Hover, Position, TextDocumentEdit, CreateFile, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol/node';

const REPO = path.resolve(__dirname, '../../..');

interface Published { uri: string; version?: number; diagnostics: Diagnostic[] }

let child: ChildProcess;
let conn: ProtocolConnection;
let dir: string;
const published: Published[] = [];
const waiters: (() => void)[] = [];

function offsetAt(text: string, p: Position): number {
  let line = 0, i = 0;
  while (line < p.line) { const nl = text.indexOf('\n', i); if (nl < 0) return text.length; i = nl + 1; line++; }
  return Math.min(i + p.character, text.length);
}
function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** Applies LSP text edits (all against the same original text) to a string. */
function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const spans = edits.map(e => ({ s: offsetAt(text, e.range.start), e: offsetAt(text, e.range.end), t: e.newText })).sort((a, b) => b.s - a.s);
  let out = text;
  for (const x of spans) out = out.slice(0, x.s) + x.t + out.slice(x.e);
  return out;
}

function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  const changes = (edit.documentChanges ?? []) as (TextDocumentEdit | CreateFile)[];
  return changes.filter((c): c is TextDocumentEdit => 'textDocument' in c && c.textDocument.uri === uri).flatMap(c => c.edits as TextEdit[]);
}

async function diagnosticsFor(uri: string, version: number, ms = 15000): Promise<Diagnostic[]> {
  const end = Date.now() + ms;
  for (;;) {
    const hit = [...published].reverse().find(p => p.uri === uri && p.version === version);
    if (hit) return hit.diagnostics;
    if (Date.now() > end) throw new Error(`no diagnostics for ${uri} v${version}`);
    await new Promise<void>(r => { waiters.push(r); setTimeout(r, 100); });
  }
}

before(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-prompts-')));
  child = spawn(process.execPath, [path.join(REPO, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.onNotification('textDocument/publishDiagnostics', (p: Published) => { published.push(p); for (const w of waiters.splice(0)) w(); });
  conn.onRequest('workspace/workspaceFolders', () => [{ uri: pathToFileURL(dir).toString(), name: 'tmp' }]);
  conn.onRequest('client/registerCapability', () => null);
  conn.onRequest('workspace/configuration', () => [null]);
  conn.onUnhandledNotification(() => undefined);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: pathToFileURL(dir).toString(),
    capabilities: { workspace: { workspaceFolders: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } } },
    workspaceFolders: [{ uri: pathToFileURL(dir).toString(), name: 'tmp' }],
    initializationOptions: { settings: {} },
  });
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('tokenomics/settings', { model: 'gpt-4o' });
});

after(async () => {
  try { await conn.sendRequest('shutdown'); await conn.sendNotification('exit'); } catch { /* gone */ }
  conn.dispose();
  child.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

const LOG = Array.from({ length: 40 }, (_, i) => `2025-03-02T10:15:${String(i).padStart(2, '0')}.120Z ERROR worker-${i % 4} job ${1000 + i} failed: connection reset by peer`).join('\n');
const BLOB = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 7919 + 13) % 251)).toString('base64');
const TRAILING = Array.from({ length: 24 }, (_, i) => `Step ${i + 1} of the release checklist is done by the on-call engineer.${' '.repeat(12)}`).join('\n');

const CLAUDE = `# Acme API

This repository holds the Acme billing API, written in TypeScript on Node 20.

## Rules

- Run \`pnpm test\` before every commit and fix failures before pushing.
- Keep handlers thin: business logic lives in src/domain, never in src/http.
- Run \`pnpm test\` before every commit and fix failures before pushing.
- I want you to write small commits with clear messages.

## Recent failure

\`\`\`
${LOG}
\`\`\`

## Logo

data:image/png;base64,${BLOB}

## Release checklist

${TRAILING}
`;

test('a bloated CLAUDE.md: diagnostics, lenses, hover, code actions and a lower count', async () => {
  const file = path.join(dir, 'CLAUDE.md');
  const uri = pathToFileURL(file).toString();
  let text = CLAUDE;
  let version = 1;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version, text } });
  const diags = await diagnosticsFor(uri, version);
  const byCode = (code: string) => diags.filter(d => d.code === `tokenomics.${code}`);

  // every planted problem, at its place
  const dupAt = text.lastIndexOf('- Run `pnpm test`');
  const dup = byCode('duplicate-block');
  assert.equal(dup.length, 1);
  assert.deepEqual(dup[0]!.range, { start: positionAt(text, dupAt), end: positionAt(text, text.indexOf('\n', dupAt)) });
  assert.equal(dup[0]!.relatedInformation?.[0]?.location.range.start.line, positionAt(text, text.indexOf('- Run `pnpm test`')).line);

  const log = byCode('log-dump');
  assert.equal(log.length, 1);
  assert.deepEqual(log[0]!.range, { start: positionAt(text, text.indexOf('2025-03-02T10:15:00')), end: positionAt(text, text.indexOf(LOG) + LOG.length) });

  const blob = byCode('high-entropy-blob');
  assert.equal(blob.length, 1);
  assert.deepEqual(blob[0]!.range, { start: positionAt(text, text.indexOf('data:image')), end: positionAt(text, text.indexOf(BLOB) + BLOB.length) });

  const filler = byCode('filler');
  assert.equal(filler.length, 1);
  assert.deepEqual(filler[0]!.range, { start: positionAt(text, text.indexOf('I want you to')), end: positionAt(text, text.indexOf('I want you to') + 'I want you to'.length) });

  const ws = byCode('whitespace');
  assert.equal(ws.length, 1);
  assert.equal(ws[0]!.range.start.line, positionAt(text, text.indexOf('Step 1 ')).line);
  assert.match(String(ws[0]!.message), /tokens of whitespace \(trailing spaces\)/);

  assert.equal(byCode('over-budget').length, 1, 'a CLAUDE.md this size is over the 2,000-token budget');
  assert.deepEqual(new Set(diags.map(d => d.code)), new Set(['tokenomics.duplicate-block', 'tokenomics.log-dump', 'tokenomics.high-entropy-blob', 'tokenomics.filler', 'tokenomics.whitespace', 'tokenomics.over-budget']));
  for (const d of diags) assert.match(String(d.message), /\d[\d,]* tokens/, `${d.code} says what it costs`);

  const count = async () => (await conn.sendRequest('tokenomics/count', { uri, version, ranges: [] }) as { tokens: number; isPrompt: boolean; findings: number });
  const c0 = await count();
  assert.equal(c0.isPrompt, true);
  assert.equal(c0.findings, diags.length);

  // lenses: the file, its weekly cost (CLAUDE.md is always loaded), one per section
  const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as CodeLens[];
  const titles = lenses.map(l => l.command?.title ?? '');
  assert.match(titles[0]!, new RegExp(`^${c0.tokens.toLocaleString('en-US')} tokens · \\$[\\d.]+ per call on gpt-4o · [\\d.]+% of the 128,000-token context$`));
  assert.ok(titles.some(t => /assumed 300 requests\/week/.test(t)), titles.join('\n'));
  const sectionLenses = lenses.filter(l => l.range.start.line > 0);
  assert.equal(sectionLenses.length, 4);
  assert.match(sectionLenses[0]!.command!.title, /^\d[\d,]* tokens · [\d.<]+% of the file$/);

  // hover on a paragraph: its tokens and each tier of the family
  const h = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 5 } }) as Hover;
  const md = (h.contents as { value: string }).value;
  assert.match(md, /^\*\*Paragraph: \d+ tokens\*\*/);
  assert.match(md, /gpt-4o \(target\) \| frontier/);
  assert.match(md, /gpt-4o-mini/);

  // quick fix: remove the duplicate
  const actionsAt = async (d: Diagnostic, only?: string[]) => await conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: d.range, context: { diagnostics: [d], ...(only ? { only } : {}) },
  }) as CodeAction[];
  const dupActions = await actionsAt(dup[0]!);
  const remove = dupActions.find(a => /^Remove duplicate list item \(−\d+ tokens\)$/.test(a.title));
  assert.ok(remove, dupActions.map(a => a.title).join('\n'));
  assert.ok(dupActions.some(a => /^Fix all safe bloat \(−\d+ tokens\)$/.test(a.title)));
  const change = async (edit: WorkspaceEdit) => {
    const edits = editsFor(edit, uri);
    assert.ok(edits.length > 0);
    text = applyEdits(text, edits);
    version++;
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return diagnosticsFor(uri, version);
  };
  let after = await change(remove!.edit!);
  assert.equal(text.split('- Run `pnpm test` before every commit').length, 2, 'one copy left');
  assert.equal(after.filter(d => d.code === 'tokenomics.duplicate-block').length, 0);
  const c1 = await count();
  assert.ok(c1.tokens < c0.tokens, `${c1.tokens} < ${c0.tokens}`);

  // keep head and tail of the log
  const logDiag = after.find(d => d.code === 'tokenomics.log-dump')!;
  const logFix = (await actionsAt(logDiag)).find(a => /^Keep head and tail of log \(−[\d,]+ tokens\)$/.test(a.title));
  assert.ok(logFix);
  after = await change(logFix!.edit!);
  assert.match(text, /… 20 log lines elided …\n2025-03-02T10:15:30/);
  assert.equal(after.filter(d => d.code === 'tokenomics.log-dump').length, 0);
  const c2 = await count();
  assert.ok(c2.tokens < c1.tokens - 300, `${c2.tokens} < ${c1.tokens} - 300`);

  // move the blob to a file: a CreateFile plus the new file's content plus the reference
  const blobDiag = after.find(d => d.code === 'tokenomics.high-entropy-blob')!;
  const blobActions = await actionsAt(blobDiag);
  const move = blobActions.find(a => /^Move blob to CLAUDE\.blob-1\.b64 next to the prompt \(−[\d,]+ tokens\)$/.test(a.title));
  assert.ok(move, blobActions.map(a => a.title).join('\n'));
  const changes = move!.edit!.documentChanges as (TextDocumentEdit | CreateFile)[];
  const create = changes.find((c): c is CreateFile => 'kind' in c && c.kind === 'create');
  assert.equal(create?.uri, pathToFileURL(path.join(dir, 'CLAUDE.blob-1.b64')).toString());
  const content = editsFor(move!.edit!, create!.uri);
  assert.equal(content[0]!.newText, `data:image/png;base64,${BLOB}`);
  after = await change(move!.edit!);
  assert.match(text, /^\.\/CLAUDE\.blob-1\.b64$/m);
  const c3 = await count();
  assert.ok(c3.tokens < c2.tokens - 300);

  // Fix all as source.fixAll: the trailing spaces
  const fixAllActions = await conn.sendRequest('textDocument/codeAction', {
    textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: ['source.fixAll'] },
  }) as CodeAction[];
  assert.equal(fixAllActions.length, 1);
  assert.equal(fixAllActions[0]!.kind, 'source.fixAll');
  assert.match(fixAllActions[0]!.title, /^Fix all safe bloat \(−\d+ tokens\)$/);
  after = await change(fixAllActions[0]!.edit!);
  assert.doesNotMatch(text, / +\n/);
  assert.equal(after.filter(d => d.code === 'tokenomics.whitespace').length, 0);
  const c4 = await count();
  assert.ok(c4.tokens < c3.tokens);
});

test('Claude models show ≈ counts; other files are not prompts until asked', async () => {
  const file = path.join(dir, 'notes', 'summarize.prompt.md');
  const uri = pathToFileURL(file).toString();
  const text = '---\nmodel: claude-opus-4-6\ndescription: Summarize a changelog\n---\nSummarize the changelog below in three bullet points for the release notes.\n';
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version: 1, text } });
  const diags = await diagnosticsFor(uri, 1);
  assert.deepEqual(diags.map(d => d.code), ['tokenomics.cheaper-tier']);
  assert.deepEqual(diags[0]!.range, { start: { line: 1, character: 7 }, end: { line: 1, character: 22 } });
  const actions = await conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diags[0]!.range, context: { diagnostics: diags } }) as CodeAction[];
  assert.equal(actions[0]!.title, 'Switch to claude-haiku-4-5 (−80% per call)');
  const lenses = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as CodeLens[];
  assert.match(lenses[0]!.command!.title, /^≈\d+ tokens · ≈\$[\d.]+ per call on claude-opus-4-6/);

  const other = pathToFileURL(path.join(dir, 'notes.txt')).toString();
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: other, languageId: 'plaintext', version: 1, text: 'I want you to be brief.\n' } });
  const none = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: other } }) as CodeLens[];
  assert.deepEqual(none, []);
  const r = await conn.sendRequest('tokenomics/analyzeAsPrompt', { uri: other }) as { isPrompt: boolean; findings: number };
  assert.equal(r.isPrompt, true);
  assert.equal(r.findings, 1);
  const d = await diagnosticsFor(other, 1);
  assert.deepEqual(d.map(x => x.code), ['tokenomics.filler']);
  await conn.sendNotification('textDocument/didClose', { textDocument: { uri: other } });
  const cleared = await new Promise<Published>(res => {
    const check = () => { const p = [...published].reverse().find(x => x.uri === other); if (p && p.diagnostics.length === 0) res(p); else { waiters.push(check); } };
    check();
  });
  assert.deepEqual(cleared.diagnostics, []);
});

test('the project around a prompt, from disk: imports, stale references, a sibling copy, a nested file', async () => {
  const pkg = path.join(dir, 'svc');
  fs.mkdirSync(path.join(pkg, 'src'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ scripts: { test: 'jest', build: 'tsc' } }));
  fs.writeFileSync(path.join(pkg, 'src', 'server.ts'), 'export {};\n');
  const rules = Array.from({ length: 12 }, (_, i) => `- Rule ${i}: keep module ${i} free of imports from module ${i + 1}, and test it.`).join('\n');
  fs.writeFileSync(path.join(pkg, 'AGENTS.md'), `# Agents\n\n${rules}\n`);
  const file = path.join(pkg, 'CLAUDE.md');
  const uri = pathToFileURL(file).toString();
  const text = `# Service\n\nSee @AGENTS.md.\n\n${rules}\n\n- The entry point is \`src/server.ts\`; helpers are in \`src/helpers/db.ts\`.\n- Run \`npm run test\`, then \`npm run deploy\`.\n`;
  fs.writeFileSync(file, text);
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version: 1, text } });
  const diags = await diagnosticsFor(uri, 1);
  const stale = diags.filter(d => d.code === 'tokenomics.stale-reference').map(d => text.slice(offsetAt(text, d.range.start), offsetAt(text, d.range.end)));
  assert.deepEqual(stale, ['src/helpers/db.ts', 'deploy']);
  // svc/CLAUDE.md is nested in the workspace folder: loaded only while Claude Code works below svc/
  assert.match(String(diags.find(d => d.code === 'tokenomics.stale-reference')!.message), /while working below svc\//);
  const copy = diags.find(d => d.code === 'tokenomics.cross-file-duplicate')!;
  assert.match(String(copy.message), /is also in svc\/AGENTS\.md/);
  assert.equal(copy.relatedInformation![0]!.location.uri, pathToFileURL(path.join(pkg, 'AGENTS.md')).toString());
  const lenses = (await conn.sendRequest('textDocument/codeLens', { textDocument: { uri } }) as CodeLens[]).map(l => l.command!.title);
  assert.ok(lenses.some(t => /^Imports AGENTS\.md \([\d,]+\): [\d,]+ tokens loaded with this file$/.test(t)), lenses.join('\n'));
  assert.ok(lenses.includes('Loaded by Claude Code on every request while it works below svc/'), lenses.join('\n'));
  await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
});
