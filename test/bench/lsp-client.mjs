// A minimal LSP client over stdio for benchmarks: spawns dist/server.js and speaks JSON-RPC to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const rpc = require('vscode-languageserver-protocol/node');

// The same flags the extension starts the engine with (ENGINE_EXEC_ARGV in src/server/protocol.ts).
const ENGINE_EXEC_ARGV = ['--optimize-for-size'];

export async function startServer({ settings = {}, rootDir = ROOT, execArgv = ENGINE_EXEC_ARGV, env = {} } = {}) {
  const child = spawn(process.execPath, [...execArgv, path.join(ROOT, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  const diagnostics = new Map();
  const waiters = [];
  conn.onNotification('textDocument/publishDiagnostics', p => {
    diagnostics.set(p.uri, p.diagnostics);
    for (const w of waiters.splice(0)) w();
  });
  const listeners = [];
  conn.onNotification((method, params) => { for (const l of listeners) l(method, params); });
  conn.onRequest(() => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: `file://${rootDir}`, capabilities: {},
    workspaceFolders: [{ uri: `file://${rootDir}`, name: 'bench' }], initializationOptions: { settings },
  });
  conn.sendNotification('initialized', {});
  return {
    conn, child, diagnostics,
    /** Resolves with the params of the next notification `method` that satisfies `pred`. */
    nextNotification(method, pred = () => true) {
      return new Promise(resolve => {
        const l = (m, p) => { if (m === method && pred(p)) { listeners.splice(listeners.indexOf(l), 1); resolve(p); } };
        listeners.push(l);
      });
    },
    open(uri, text, languageId = 'markdown', version = 1) {
      conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
    },
    change(uri, version, changes) {
      conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    },
    count(uri, version) { return conn.sendRequest('tokenomics/count', { uri, version, ranges: [] }); },
    async waitDiagnostics(uri, ms = 30000) {
      const end = Date.now() + ms;
      while (!diagnostics.has(uri)) {
        if (Date.now() > end) throw new Error(`no diagnostics for ${uri}`);
        await new Promise(r => { waiters.push(r); setTimeout(r, 200); });
      }
      return diagnostics.get(uri);
    },
    rssMB() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = n => Number(new RegExp(`${n}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    async stop() {
      try { await conn.sendRequest('shutdown'); conn.sendNotification('exit'); } catch { /* already gone */ }
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      conn.dispose();
    },
  };
}
