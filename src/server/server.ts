// The engine process: a language server (stdio or IPC) that does every heavy job: tokenizing,
// prompt analysis, scanning agent logs. The extension host only renders what it answers.
//
// Composed in one place, in dependency order, once the initialize params are known: the workspace
// folders, then the engine state (settings, catalog, counters), then each service with what it needs
// passed in. No service is wired to another after construction.
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, CodeActionKind } from 'vscode-languageserver/node';
import type { InitializeParams, WorkspaceFoldersChangeEvent } from 'vscode-languageserver/node';
import { ENGINE_DOCUMENTS } from './bigDocument';
import { Engine } from './engine';
import { MemoryRequest, SettingsNotification } from './protocol';
import { onNotification, onRequest0, schemas } from './requests';
import { registerTokenMeter } from './tokenMeter';
import { getCounter } from '../core/tokenizer';
import { registerPromptFeatures } from './prompts';
import { registerUsage } from './usage';
import { registerWeek } from './week';
import { registerExport } from './exportService';
import { Shutdown } from './shutdown';
import { Workspace } from './workspace';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(ENGINE_DOCUMENTS);
let composed = false;

function compose(params: InitializeParams): void {
  const init = (params.initializationOptions ?? {}) as { settings?: unknown; storagePath?: unknown };
  const storagePath = typeof init.storagePath === 'string' ? init.storagePath : undefined;
  const caps = params.capabilities;

  const workspace = new Workspace(params.workspaceFolders);
  const shutdown = new Shutdown(connection);
  const engine = new Engine(connection, { configurationSupported: !!caps.workspace?.configuration });
  onNotification(connection, SettingsNotification, schemas.settings, raw => engine.queueSettings(raw));
  // A document event after a settings notification sees those settings (listeners run in this order).
  documents.onDidOpen(() => engine.flushSettings());
  documents.onDidChangeContent(() => engine.flushSettings());

  const usage = registerUsage(connection, engine, { storagePath, workspace, shutdown });
  registerWeek(connection, engine, () => usage.records(), { storagePath, shutdown });
  registerExport(connection, engine, () => usage.records(), shutdown);
  const prompts = registerPromptFeatures(connection, documents, engine, {
    workspace, weeklyRequests: project => usage.weeklyRequests(project),
    weeklyUsage: project => usage.weeklyUsage(project)?.byAgent,
    lensRefreshSupported: !!caps.workspace?.codeLens?.refreshSupport,
  });
  registerTokenMeter(connection, documents, engine, prompts);

  // The first settings reach every service the way later changes do (the usage index starts here).
  engine.applySettings(init.settings ?? {});
  connection.onInitialized(() => {
    engine.markInitialized();
    // the client sends folder changes because initialize declared workspaceFolders.changeNotifications
    if (caps.workspace?.workspaceFolders) connection.workspace.onDidChangeWorkspaceFolders((e: WorkspaceFoldersChangeEvent) => workspace.change(e));
  });
}

connection.onInitialize(params => {
  if (!composed) { composed = true; compose(params); }
  // Warm the default encoding in the background: the first count then answers without the ~0.1 s load.
  setImmediate(() => { void getCounter('o200k_base'); });
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeLensProvider: { resolveProvider: false },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.SourceFixAll, CodeActionKind.RefactorRewrite] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'tokenomics-engine' },
  };
});

// For benchmarks and diagnostics: how the engine's memory splits between V8 heap and the rest.
onRequest0(connection, MemoryRequest, () => { (globalThis as { gc?: () => void }).gc?.(); return process.memoryUsage(); });

documents.listen(connection);
connection.listen();
