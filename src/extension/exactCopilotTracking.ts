// Tokenomics: Enable Exact Copilot Tracking. Copilot Chat's session journal keeps only the last model
// round of each request (a lower bound); with its own setting on, Copilot Chat records every model
// call in a local trace store (agent-traces.db in its globalStorage), which the engine reads exactly.
// This command explains that and, only with the user's consent, turns Copilot's setting on.
import * as vscode from 'vscode';
import { COPILOT_TRACE_SETTING } from '../core/agents/copilotTraceSetting';

export async function enableExactCopilotTracking(log: (line: string) => void): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  if (config.get<boolean>(COPILOT_TRACE_SETTING) === true) {
    void vscode.window.showInformationMessage('Tokenomics: exact Copilot tracking is already on (Copilot Chat writes its local trace store).');
    return;
  }
  // in a remote window Copilot Chat may run on the other side: say so, but let the user decide
  const installed = !!vscode.extensions.getExtension('GitHub.copilot-chat');
  const detail = [
    ...(installed ? [] : ['GitHub Copilot Chat is not visible to this window\'s extension host (not installed, or running on the other side of a remote connection); the setting takes effect wherever it runs.']),
    `This sets Copilot Chat's own setting "${COPILOT_TRACE_SETTING}" to true in your user settings.`,
    'Copilot Chat then records every model call (model, token counts, timing; not your prompts) in a SQLite file on this machine, agent-traces.db in its extension storage, and keeps it for 7 days.',
    'Tokenomics reads that file and shows exact Copilot usage instead of the lower bound the chat history gives, and keeps what it read after Copilot prunes it. Nothing leaves your machine.',
    'Copilot turns the store off while VS Code telemetry is off ("telemetry.telemetryLevel": "off"). Undo any time by removing the setting.',
  ].join('\n\n');
  const turnOn = 'Turn On';
  const pick = await vscode.window.showInformationMessage('Enable exact Copilot tracking?', { modal: true, detail }, turnOn);
  if (pick !== turnOn) return;
  try {
    await config.update(COPILOT_TRACE_SETTING, true, vscode.ConfigurationTarget.Global);
  } catch (e) {
    log(`could not set ${COPILOT_TRACE_SETTING}: ${e instanceof Error ? e.message : String(e)}`);
    void vscode.window.showErrorMessage(`Tokenomics: could not set ${COPILOT_TRACE_SETTING} (${e instanceof Error ? e.message : String(e)}). Your Copilot Chat version may not have the trace store yet.`);
    return;
  }
  log(`set ${COPILOT_TRACE_SETTING} = true (user settings) with the user's consent`);
  const telemetryOff = config.get<string>('telemetry.telemetryLevel') === 'off';
  const reload = 'Reload Window';
  const msg = `Tokenomics: exact Copilot tracking is on. Copilot Chat starts writing its trace store after a reload.${telemetryOff ? ' Note: VS Code telemetry is off, and Copilot keeps the store off while it is.' : ''}`;
  if (await vscode.window.showInformationMessage(msg, reload) === reload) await vscode.commands.executeCommand('workbench.action.reloadWindow');
}
