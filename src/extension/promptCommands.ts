// "Tokenomics: Analyze Current File as Prompt": asks the engine to treat the active document as a
// prompt file (lenses, diagnostics, code actions) even though it matches no `tokenomics.promptFiles` pattern.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AnalyzeAsPromptRequest, type AnalyzeAsPromptResult } from '../server/protocol';

export async function analyzeAsPrompt(client: LanguageClient, uri?: vscode.Uri): Promise<AnalyzeAsPromptResult | undefined> {
  const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!doc) {
    void vscode.window.showInformationMessage('Tokenomics: open a file to analyze it as a prompt.');
    return undefined;
  }
  const r = await client.sendRequest(AnalyzeAsPromptRequest, { uri: client.code2ProtocolConverter.asUri(doc.uri) });
  if (!r.isPrompt) {
    void vscode.window.showWarningMessage(`Tokenomics: ${doc.fileName} was not analyzed (${r.reason ?? 'unknown reason'}).`);
  } else {
    const n = r.findings ?? 0;
    vscode.window.setStatusBarMessage(`Tokenomics: ${r.estimate ? '≈' : ''}${(r.tokens ?? 0).toLocaleString('en-US')} tokens, ${n} bloat finding${n === 1 ? '' : 's'}`, 5000);
  }
  return r;
}
