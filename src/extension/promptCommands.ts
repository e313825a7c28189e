// "Tokenomics: Analyze Current File as Prompt": asks the engine to treat the active document as a
// prompt file (lenses, diagnostics, code actions) even though it matches no `tokenomics.promptFiles` glob.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods } from '../server/protocol';

interface AnalyzeResult { uri: string; isPrompt: boolean; tokens?: number; estimate?: boolean; findings?: number; reason?: string }

export function registerPromptCommands(context: vscode.ExtensionContext, getClient: () => LanguageClient | undefined): void {
  context.subscriptions.push(vscode.commands.registerCommand('tokenomics.analyzeAsPrompt', async (uri?: vscode.Uri) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc) {
      void vscode.window.showInformationMessage('Tokenomics: open a file to analyze it as a prompt.');
      return undefined;
    }
    const client = getClient();
    if (!client?.isRunning()) {
      void vscode.window.showWarningMessage('Tokenomics: the engine is still starting; try again in a moment.');
      return undefined;
    }
    const uriText = client.code2ProtocolConverter.asUri(doc.uri);
    const r = await client.sendRequest<AnalyzeResult>(Methods.analyzeAsPrompt, { uri: uriText });
    if (!r.isPrompt) {
      void vscode.window.showWarningMessage(`Tokenomics: ${doc.fileName} was not analyzed (${r.reason ?? 'unknown reason'}).`);
    } else {
      const n = r.findings ?? 0;
      vscode.window.setStatusBarMessage(`Tokenomics: ${r.estimate ? '≈' : ''}${(r.tokens ?? 0).toLocaleString('en-US')} tokens, ${n} bloat finding${n === 1 ? '' : 's'}`, 5000);
    }
    return r;
  }));
}
