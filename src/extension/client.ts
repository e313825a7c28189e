// Starts the engine (dist/server.js) through vscode-languageclient and keeps its settings in sync: the
// window-level snapshot is sent on every change; resource-scoped keys the engine asks for per document
// (`workspace/configuration` with a scopeUri), which the language client answers from VS Code's settings.
import * as vscode from 'vscode';
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { ENGINE_EXEC_ARGV, SettingsNotification } from '../server/protocol';

export function settingsSnapshot(): unknown {
  // JSON round-trip: WorkspaceConfiguration carries functions that cannot cross the wire.
  return JSON.parse(JSON.stringify(vscode.workspace.getConfiguration('tokenomics')));
}

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: ENGINE_EXEC_ARGV } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...ENGINE_EXEC_ARGV, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // Every text document: the meter counts whatever is being edited; prompt features filter server-side.
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }],
    outputChannel: output,
    initializationOptions: { settings: settingsSnapshot(), storagePath: context.globalStorageUri.fsPath },
    // The engine's own failures go to the output channel; a crash of a counting helper must not pop dialogs.
    revealOutputChannelOn: 4 /* RevealOutputChannelOn.Never */,
  };
  const client = new LanguageClient('tokenomics', 'Tokenomics Engine', serverOptions, clientOptions);
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration(e => {
    if (e.affectsConfiguration('tokenomics') && client.isRunning()) void client.sendNotification(SettingsNotification, settingsSnapshot());
  }));
  return client;
}
