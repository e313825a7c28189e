// The OTLP export's client side: `Tokenomics: Set OTLP Export Headers` keeps the headers (API keys) in
// VS Code's SecretStorage, never in settings, and the `tokenomics.export.otlp.*` settings plus those
// headers go to the engine, which does the exporting, over the protocol (in memory only).
import * as vscode from 'vscode';
import { ExportConfigNotification, type ExportConfigParams } from '../server/protocol';
import type { EngineHolder } from './engine';

const SECRET = 'tokenomics.export.otlp.headers';

/** Keeps the engine's export config in step with the settings and the stored headers. */
export function registerOtlpExport(context: vscode.ExtensionContext, engine: EngineHolder): vscode.Disposable {
  const send = async () => {
    const client = engine.ifRunning();
    if (!client) return;
    const c = vscode.workspace.getConfiguration('tokenomics.export.otlp');
    const params: ExportConfigParams = {
      endpoint: c.get<string>('endpoint') ?? '',
      intervalSeconds: c.get<number>('intervalSeconds'),
      attributes: c.get<Record<string, unknown>>('attributes'),
      includeProjects: c.get<string>('includeProjects'),
    };
    // The secret is read only when an export is configured: with export off it stays untouched.
    if (params.endpoint) params.headers = (await context.secrets.get(SECRET)) ?? '';
    await client.sendNotification(ExportConfigNotification, params);
  };
  void engine.ready.then(client => client && send());
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('tokenomics.export')) void send(); }),
    context.secrets.onDidChange(e => { if (e.key === SECRET) void send(); }),
  );
}

/** `Tokenomics: Set OTLP Export Headers`: a password input; the value goes to secret storage, never to settings. */
export async function setOtlpExportHeaders(context: vscode.ExtensionContext): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Tokenomics: OTLP export headers',
    prompt: 'Headers for the OTLP receiver as name=value pairs separated by commas (e.g. authorization=Bearer abc). Kept in VS Code\'s secret storage. Empty removes them.',
    password: true, ignoreFocusOut: true,
    validateInput: v => (!v.trim() || v.trim().startsWith('{') || /^\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=[^,]*(,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=[^,]*)*\s*$/.test(v) ? undefined : 'name=value pairs separated by commas'),
  });
  if (value === undefined) return;
  if (value.trim()) await context.secrets.store(SECRET, value.trim()); else await context.secrets.delete(SECRET);
  void vscode.window.showInformationMessage(value.trim() ? 'Tokenomics: OTLP export headers saved in secret storage.' : 'Tokenomics: OTLP export headers removed.');
}
