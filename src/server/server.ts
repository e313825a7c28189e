// The engine process: a language server (stdio or IPC) that does every heavy job: tokenizing,
// prompt analysis, scanning agent logs. The extension host only renders what it answers.
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, CodeActionKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Engine } from './engine';
import { Methods } from './protocol';
import { registerTokenMeter } from './tokenMeter';
import { getCounter } from '../core/tokenizer';
import { registerPromptFeatures, uriToPath } from './prompts';
import { registerUsage } from './usage';
import { registerWeek } from './week';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const engine = new Engine(connection);
let storagePath: string | undefined;
let workspaceFolders: string[] = [];

connection.onInitialize(params => {
  const init = (params.initializationOptions ?? {}) as { settings?: unknown; storagePath?: string };
  storagePath = typeof init.storagePath === 'string' ? init.storagePath : undefined;
  workspaceFolders = ((params.workspaceFolders ?? []) as { uri: string }[]).map(f => uriToPath(f.uri));
  engine.applySettings(init.settings ?? {});
  prompts.setWorkspaceFolders(params.workspaceFolders as { uri: string }[] | null | undefined);
  prompts.setClientCapabilities(params.capabilities);
  // Warm the default encoding in the background: the first count then answers without the ~0.1 s load.
  setImmediate(() => { void getCounter('o200k_base'); });
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, CodeActionKind.RefactorRewrite] },
    },
    serverInfo: { name: 'tokenomics-engine' },
  };
});

connection.onInitialized(() => engine.markInitialized());
// For benchmarks and diagnostics: how the engine's memory splits between V8 heap and the rest.
connection.onRequest('tokenomics/memory', () => { (globalThis as { gc?: () => void }).gc?.(); return process.memoryUsage(); });
connection.onNotification(Methods.settings, (raw: unknown) => engine.applySettings(raw));

const prompts = registerPromptFeatures(connection, documents, engine);
registerTokenMeter(connection, documents, engine, prompts);
const usage = registerUsage(connection, engine, { storagePath: () => storagePath, workspaceFolders: () => workspaceFolders });
prompts.setWeeklyRequests(project => usage.weeklyRequests(project));
registerWeek(connection, engine, () => usage.records(), { storagePath: () => storagePath });

documents.listen(connection);
connection.listen();
