// A real LSP client for tests: spawns dist/server.js --stdio and speaks the protocol to it.
import { spawn, ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as rpc from 'vscode-languageserver-protocol/node';

export const REPO = path.resolve(__dirname, '../../..');

export interface TestServer {
  conn: rpc.ProtocolConnection;
  child: ChildProcess;
  /** Notifications and server-to-client requests, in arrival order. */
  notifications: { method: string; params: unknown }[];
  waitNotification<T>(method: string, pred?: (p: T) => boolean, ms?: number): Promise<T>;
  open(file: string, text: string, languageId?: string): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  settings?: unknown;
  env?: NodeJS.ProcessEnv;
  /** The first workspace folder (default: the repository). */
  workspace?: string;
  /** All workspace folders, instead of `workspace` alone. */
  folders?: string[];
  storagePath?: string;
  /** Client capabilities in the initialize request (default: none). */
  capabilities?: Record<string, unknown>;
  /** Answers `workspace/configuration` items (default: null, like a client without the feature). */
  configuration?: (item: { scopeUri?: string; section?: string }) => unknown;
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const child = spawn(process.execPath, [path.join(REPO, 'dist/server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout!), new rpc.StreamMessageWriter(child.stdin!));
  const notifications: { method: string; params: unknown }[] = [];
  const listeners: (() => void)[] = [];
  const record = (method: string, params: unknown) => {
    notifications.push({ method, params });
    for (const l of listeners.splice(0)) l();
  };
  // Star handlers: every notification, and every request (answered with null), is recorded.
  (conn as unknown as { onNotification(h: (m: string, p: unknown) => void): void }).onNotification(record);
  (conn as unknown as { onRequest(h: (m: string, p: unknown) => unknown): void }).onRequest((m, p) => {
    record(m, p);
    if (m === 'workspace/configuration' && opts.configuration) return (p as { items: { scopeUri?: string; section?: string }[] }).items.map(opts.configuration);
    return null;
  });
  conn.listen();
  const folders = opts.folders ?? [opts.workspace ?? REPO];
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: pathToFileURL(folders[0]!).href, capabilities: opts.capabilities ?? {},
    workspaceFolders: folders.map((f, i) => ({ uri: pathToFileURL(f).href, name: `ws${i}` })),
    initializationOptions: { settings: opts.settings ?? {}, storagePath: opts.storagePath },
  });
  await conn.sendNotification('initialized', {});
  let version = 0;
  return {
    conn, child, notifications,
    waitNotification<T>(method: string, pred: (p: T) => boolean = () => true, ms = 10_000): Promise<T> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${method} notification within ${ms} ms`)), ms);
        let seen = 0;
        const check = () => {
          for (; seen < notifications.length; seen++) {
            const n = notifications[seen]!;
            if (n.method === method && pred(n.params as T)) { clearTimeout(timer); resolve(n.params as T); return; }
          }
          listeners.push(check);
        };
        check();
      });
    },
    open(file: string, text: string, languageId = 'markdown'): string {
      const uri = pathToFileURL(file).href;
      void conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: ++version, text } });
      return uri;
    },
    async stop() {
      try { await conn.sendRequest('shutdown'); await conn.sendNotification('exit'); } catch { /* gone */ }
      conn.dispose();
      child.kill();
    },
  };
}
