#!/usr/bin/env node
// Runs the built language server (dist/server.js) over its real protocol on every file of the
// real-world prompt corpus (test/corpus/prompts/repos/) and prints what it publishes, one JSON object
// per line (the layout and the fields are described in test/corpus/README.md):
//   {type:"file", file, isPrompt, tokens, findings}
//   {type:"diagnostic", file, rule, line, endLine, character, endCharacter, severity, message, excerpt, related}
//   {type:"fixAll", file, title, edits:[{line, endLine, removed, newText}]}
// Usage: npm run build && node test/corpus/diagnose.mjs [--out file.jsonl] [--only substring] [--server path/to/server.js]
//   [--corpus test/corpus/holdout] [--no-tree]
// Lines are 1-based. Each repository is a workspace folder (a temporary copy: its file list as empty
// files, the collected files on top), so globs, paths and sibling files resolve as in the editor.
// Agent-log folders point at an empty temporary home, so weekly-request numbers are the configured
// assumption and runs are reproducible.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const outFile = opt('--out');
/** --corpus <dir>: another corpus of the same layout (repos/, trees/), e.g. test/corpus/holdout. */
const CORPUS_DIR = path.resolve(opt('--corpus') ?? path.join(HERE, 'prompts'));
const CORPUS = path.join(CORPUS_DIR, 'repos');
const only = opt('--only');
const out = outFile ? fs.createWriteStream(outFile) : process.stdout;
const emit = (o) => out.write(JSON.stringify(o) + '\n');

/** Manifests sit next to the prompt files for stale-reference checks; they are not prompt files. */
const MANIFESTS = new Set(['package.json', 'Makefile']);

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

const corpusDirs = fs.readdirSync(CORPUS, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => path.join(CORPUS, e.name)).sort();
const files = corpusDirs.flatMap(d => walk(d).filter(f => !(path.dirname(f) === d && MANIFESTS.has(path.basename(f)))))
  .map(f => path.relative(CORPUS, f).split(path.sep).join('/'))
  .filter(f => !only || f.includes(only))
  .sort();

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-corpus-'));
// The workspace the server sees: each repository's whole tree at its commit (trees/<repo>.txt) as empty
// files, with the collected prompt files and manifests on top, so checks that look at other files
// (stale references, imports, cross-file duplicates) see what they would in the real checkout.
// --no-tree: the collected files only.
const WS = path.join(home, 'ws');
const repoDirs = corpusDirs.map(d => {
  const name = path.basename(d);
  const root = path.join(WS, name);
  fs.mkdirSync(root, { recursive: true });
  const treeFile = path.join(CORPUS_DIR, 'trees', `${name}.txt`);
  if (!args.includes('--no-tree') && fs.existsSync(treeFile)) {
    for (const rel of fs.readFileSync(treeFile, 'utf8').split('\n').filter(Boolean)) {
      const target = path.join(root, rel);
      if (!target.startsWith(root + path.sep)) continue;
      try { fs.mkdirSync(path.dirname(target), { recursive: true }); fs.writeFileSync(target, ''); } catch { /* a name this file system refuses */ }
    }
  }
  for (const f of walk(d)) {
    const target = path.join(root, path.relative(d, f));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(f, target);
  }
  return root;
});
const server = path.resolve(opt('--server') ?? path.join(REPO, 'dist/server.js'));
if (!fs.existsSync(server)) { console.error(`${server} is missing: run npm run build first`); process.exit(2); }
const child = spawn(process.execPath, [server, '--stdio'], {
  stdio: ['pipe', 'pipe', 'pipe'],
  env: { ...process.env, HOME: home, USERPROFILE: home, CLAUDE_CONFIG_DIR: path.join(home, '.claude'), CODEX_HOME: path.join(home, '.codex'), XDG_CONFIG_HOME: path.join(home, '.config') },
});
child.stderr.on('data', d => process.stderr.write(d));
const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
const published = new Map(); // uri -> [{version, diagnostics}]
const waiters = [];
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  const list = published.get(p.uri) ?? [];
  list.push(p);
  published.set(p.uri, list);
  for (const w of waiters.splice(0)) w();
});
const folders = repoDirs.map(d => ({ uri: pathToFileURL(d).href, name: path.basename(d) }));
conn.onRequest('workspace/workspaceFolders', () => folders);
conn.onRequest('workspace/configuration', (p) => (p.items ?? []).map(() => null));
conn.onRequest('client/registerCapability', () => null);
conn.onRequest('workspace/codeLens/refresh', () => null);
conn.onUnhandledNotification(() => undefined);
conn.listen();

await conn.sendRequest('initialize', {
  processId: process.pid, rootUri: null,
  capabilities: { workspace: { workspaceFolders: true, workspaceEdit: { documentChanges: true, resourceOperations: ['create'] } } },
  workspaceFolders: folders,
  initializationOptions: { settings: {} },
});
await conn.sendNotification('initialized', {});

async function diagnosticsFor(uri, version, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const hit = (published.get(uri) ?? []).filter(p => p.version === version || p.version === undefined).pop();
    if (hit) return hit.diagnostics;
    if (Date.now() > end) return null;
    await new Promise(r => { waiters.push(r); setTimeout(r, 100); });
  }
}

function offsetAt(lineStarts, text, pos) {
  const s = lineStarts[pos.line];
  return s === undefined ? text.length : Math.min(s + pos.character, text.length);
}

let version = 0;
for (const rel of files) {
  const abs = path.join(WS, rel);
  const text = fs.readFileSync(abs, 'utf8');
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const slice = (r) => text.slice(offsetAt(lineStarts, text, r.start), offsetAt(lineStarts, text, r.end));
  const uri = pathToFileURL(abs).href;
  const v = ++version;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: /\.mdc$|\.md$/.test(rel) ? 'markdown' : 'plaintext', version: v, text } });
  let diags = await diagnosticsFor(uri, v, 4000);
  const count = await conn.sendRequest('tokenomics/count', { uri, version: v, ranges: [] });
  if (diags === null && count?.isPrompt) diags = await diagnosticsFor(uri, v, 20000);
  emit({ type: 'file', file: rel, isPrompt: !!count?.isPrompt, tokens: count?.tokens ?? null, findings: count?.findings ?? null });
  for (const d of diags ?? []) {
    emit({
      type: 'diagnostic', file: rel, rule: String(d.code ?? '').replace(/^tokenomics\./, ''),
      line: d.range.start.line + 1, endLine: d.range.end.line + 1, character: d.range.start.character, endCharacter: d.range.end.character,
      severity: d.severity, message: d.message, excerpt: slice(d.range).slice(0, 120),
      related: (d.relatedInformation ?? []).map(r => ({ line: r.location.range.start.line + 1, message: r.message, excerpt: slice(r.location.range).slice(0, 120) })),
    });
  }
  if (count?.isPrompt) {
    const actions = await conn.sendRequest('textDocument/codeAction', {
      textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll'] },
    });
    for (const a of actions ?? []) {
      const edits = (a.edit?.documentChanges ?? []).filter(c => c.textDocument?.uri === uri).flatMap(c => c.edits)
        .concat(a.edit?.changes?.[uri] ?? []);
      emit({
        type: 'fixAll', file: rel, title: a.title,
        edits: edits.map(e => ({ line: e.range.start.line + 1, endLine: e.range.end.line + 1, removed: slice(e.range), newText: e.newText })),
      });
    }
  }
  await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
}

try { await conn.sendRequest('shutdown'); await conn.sendNotification('exit'); } catch { /* gone */ }
conn.dispose();
child.kill();
fs.rmSync(home, { recursive: true, force: true });
if (outFile) out.end();
