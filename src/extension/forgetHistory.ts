// `Tokenomics: Forget Usage History…`: drops, on purpose, the usage the engine keeps of agent logs
// that were deleted or compressed away. Logs still on disk stay counted.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ForgetHistoryRequest } from '../server/protocol';

export async function forgetHistory(client: LanguageClient, output: vscode.LogOutputChannel): Promise<void> {
  const before = (await vscode.window.showInputBox({
    title: 'Tokenomics: Forget Usage History',
    prompt: 'Drop the kept usage of deleted agent logs from days before this date (logs still on disk stay counted)',
    placeHolder: 'YYYY-MM-DD',
    validateInput: v => (/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && Number.isFinite(Date.parse(v.trim())) ? undefined : 'a date such as 2026-05-01'),
  }))?.trim();
  if (!before) return;
  const { dropped } = await client.sendRequest(ForgetHistoryRequest.method, { before }) as { dropped: number };
  output.info(`forgot ${dropped} request(s) before ${before} from logs no longer on disk`);
  void vscode.window.showInformationMessage(`Tokenomics: forgot ${dropped} request(s) before ${before} from deleted logs.`);
}
