// The engine process: a language server (stdio or IPC) that does every heavy job: tokenizing,
// prompt analysis, scanning agent logs. The extension host only renders what it answers.
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, CodeActionKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Engine } from './engine';
import { Methods } from './protocol';
import { registerTokenMeter } from './tokenMeter';
import { getCounter } from '../core/tokenizer';
import { registerPromptFeatures } from './prompts';
import { registerUsage } from './usage';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const engine = new Engine(connection);

connection.onInitialize(params => {
  engine.applySettings((params.initializationOptions as { settings?: unknown } | undefined)?.settings ?? {});
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

connection.onNotification(Methods.settings, (raw: unknown) => engine.applySettings(raw));

const prompts = registerPromptFeatures(connection, documents, engine);
registerTokenMeter(connection, documents, engine, prompts);
registerUsage(connection, documents, engine);

documents.listen(connection);
connection.listen();
