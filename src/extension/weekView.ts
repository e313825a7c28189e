// The weekly summary in VS Code: a webview panel (previous / next week, transcript links), the export
// command, and the once-a-week nudge. The engine computes every number; this renders and routes.
import * as vscode from 'vscode';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods } from '../server/protocol';
import type { WeekSummary } from '../core/week/types';
import { exportWeek, ExportFormat } from '../core/week/export';
import { nudgeText } from '../core/week/format';

export { nudgeText };

type GetClient = () => LanguageClient | undefined;

export interface WeekViewApi {
  /** The open panel, if any (tests). */
  panel(): vscode.WebviewPanel | undefined;
  /** The summary the panel shows. */
  summary(): WeekSummary | undefined;
  /** Resolves when the webview reports a render of `week` (any week when absent): ms from open to first full render. */
  waitForRender(week?: string): Promise<{ week: string; msSinceOpen: number }>;
  /** Sends a message to the webview as if the user had clicked (tests: `navigate`). */
  post(message: unknown): void;
}

const NUDGE_KEY = 'tokenomics.weeklySummary.nudgedWeek';

/** A CSP nonce must not be guessable: from the OS's random source, not Math.random. */
function nonce(): string {
  return randomBytes(18).toString('base64');
}

function projectNames(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of vscode.workspace.workspaceFolders ?? []) if (f.uri.scheme === 'file') out[f.uri.fsPath] = f.name;
  return out;
}

async function waitForClient(getClient: GetClient, timeoutMs = 30_000): Promise<LanguageClient> {
  const t0 = Date.now();
  for (;;) {
    const c = getClient();
    if (c?.isRunning()) return c;
    if (Date.now() - t0 > timeoutMs) throw new Error('the Tokenomics engine is not running');
    await new Promise(r => setTimeout(r, 200));
  }
}

export async function requestWeek(getClient: GetClient, params: { week?: string; offset?: number }): Promise<WeekSummary> {
  const client = await waitForClient(getClient);
  return client.sendRequest<WeekSummary>(Methods.week, { ...params, projectNames: projectNames() });
}

export function registerWeekView(context: vscode.ExtensionContext, getClient: GetClient, log?: (line: string) => void): WeekViewApi {
  let panel: vscode.WebviewPanel | undefined;
  let shown: WeekSummary | undefined;
  let openedAt = 0;
  let renderWaiters: { week?: string; resolve: (r: { week: string; msSinceOpen: number }) => void }[] = [];

  const html = (webview: vscode.Webview): string => {
    const n = nonce();
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', f));
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${n}'; img-src ${webview.cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${media('week.css')}">
<title>Tokenomics: Weekly Summary</title>
</head>
<body>
<div id="root" aria-busy="true"><p>Loading the weekly summary…</p></div>
<script nonce="${n}" src="${media('week.js')}"></script>
</body>
</html>`;
  };

  let loadSeq = 0;
  const load = async (week: string | undefined) => {
    if (!panel) return;
    // Quick clicks on Previous / Next: only the newest request may paint the panel.
    const mine = ++loadSeq;
    try {
      const s = await requestWeek(getClient, { week });
      if (mine !== loadSeq || !panel) return;
      shown = s;
      panel.title = `Tokenomics: Week of ${s.range.weekStart}`;
      void panel.webview.postMessage({ type: 'summary', summary: s });
    } catch (e) {
      void panel?.webview.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) });
    }
  };

  const show = async (week?: string) => {
    if (panel) { panel.reveal(); if (week) await load(week); return; }
    openedAt = Date.now();
    panel = vscode.window.createWebviewPanel('tokenomics.weeklySummary', 'Tokenomics: Weekly Summary', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.png');
    // start the request before the webview has loaded: both take time, in parallel
    let summaryMs = -1, readyMs = -1;
    const first = requestWeek(getClient, { week }).then(s => { shown = s; summaryMs = Date.now() - openedAt; return s; }, e => { throw e; });
    first.catch(() => undefined);
    panel.webview.onDidReceiveMessage(async (m: { type?: string; week?: unknown; file?: unknown; at?: number; first?: boolean }) => {
      if (!panel || !m || typeof m !== 'object') return;
      switch (m.type) {
        case 'ready': {
          readyMs = Date.now() - openedAt;
          const wanted = typeof m.week === 'string' ? m.week : undefined;
          if (wanted && wanted !== week) { await load(wanted); return; }
          try {
            const s = await first;
            panel.title = `Tokenomics: Week of ${s.range.weekStart}`;
            void panel.webview.postMessage({ type: 'summary', summary: s });
          } catch (e) { void panel.webview.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) }); }
          return;
        }
        case 'navigate':
          if (typeof m.week === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(m.week)) await load(m.week);
          return;
        case 'openTranscript': {
          // only files this summary named: the webview must not become a way to open arbitrary paths
          const file = typeof m.file === 'string' ? m.file : '';
          const known = shown && [...shown.value.sessions, ...shown.topSessions].some(s => s.file === file);
          if (!known) return;
          try { await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside }); }
          catch (e) { void vscode.window.showErrorMessage(`Tokenomics: cannot open ${file}: ${(e as Error)?.message ?? e}`); }
          return;
        }
        case 'export':
          await exportSummary(typeof m.week === 'string' ? m.week : undefined);
          return;
        case 'rendered': {
          const week = typeof m.week === 'string' ? m.week : '';
          const r = { week, msSinceOpen: Date.now() - openedAt };
          log?.(`weekly summary of ${week} rendered${m.first ? `, first render ${r.msSinceOpen} ms after opening (engine answered at ${summaryMs} ms, webview ready at ${readyMs} ms)` : ''}`);
          const waiting = renderWaiters;
          renderWaiters = [];
          for (const w of waiting) (w.week === undefined || w.week === week ? w.resolve(r) : renderWaiters.push(w));
          return;
        }
      }
    }, undefined, context.subscriptions);
    panel.onDidDispose(() => { panel = undefined; shown = undefined; }, undefined, context.subscriptions);
    panel.webview.html = html(panel.webview);
  };

  const exportSummary = async (week?: string) => {
    const pick = await vscode.window.showQuickPick([
      { label: 'Markdown', description: '.md', format: 'md' as ExportFormat, ext: 'md' },
      { label: 'CSV', description: 'one row per day × agent × model', format: 'csv' as ExportFormat, ext: 'csv' },
      { label: 'JSON', description: 'the full summary', format: 'json' as ExportFormat, ext: 'json' },
    ], { title: 'Export Weekly Summary', placeHolder: 'Format' });
    if (!pick) return;
    let s: WeekSummary;
    try { s = week === undefined && shown ? shown : await requestWeek(getClient, { week }); }
    catch (e) { void vscode.window.showErrorMessage(`Tokenomics: ${(e as Error)?.message ?? e}`); return; }
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(base, `tokenomics-week-${s.range.weekStart}.${pick.ext}`),
      filters: { [pick.label]: [pick.ext] }, title: 'Save Weekly Summary',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(exportWeek(s, pick.format), 'utf8'));
    void vscode.window.showInformationMessage(`Tokenomics: weekly summary saved to ${target.fsPath}`, 'Open').then(a => a && vscode.window.showTextDocument(target));
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('tokenomics.showWeeklySummary', (week?: unknown) => show(typeof week === 'string' ? week : undefined)),
    vscode.commands.registerCommand('tokenomics.exportWeeklySummary', (week?: unknown) => exportSummary(typeof week === 'string' ? week : undefined)),
  );

  return {
    panel: () => panel,
    summary: () => shown,
    waitForRender: week => new Promise(resolve => renderWaiters.push({ week, resolve })),
    post: m => { void panel?.webview.postMessage(m); },
  };
}

/**
 * On the first activation in a new week, one notification across all windows: the week key goes into
 * globalState (shared by every window) before the notification shows, so racing windows rarely both show.
 */
export async function maybeNudge(context: vscode.ExtensionContext, getClient: GetClient): Promise<void> {
  if (!vscode.workspace.getConfiguration('tokenomics').get<boolean>('weeklySummary.notify', true)) return;
  let last: WeekSummary;
  try { last = await requestWeek(getClient, { offset: -1 }); } catch { return; }
  const thisWeek = last.range.nextWeek;
  if (context.globalState.get<string>(NUDGE_KEY) === thisWeek) return;
  await context.globalState.update(NUDGE_KEY, thisWeek);
  if (last.headline.requests === 0) return;
  const choice = await vscode.window.showInformationMessage(nudgeText(last), 'Open Summary', "Don't show again");
  if (choice === 'Open Summary') await vscode.commands.executeCommand('tokenomics.showWeeklySummary', last.range.weekStart);
  else if (choice === "Don't show again") await vscode.workspace.getConfiguration('tokenomics').update('weeklySummary.notify', false, vscode.ConfigurationTarget.Global);
}
