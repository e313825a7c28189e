// The weekly summary in VS Code: a webview panel (previous / next week, transcript links), the export
// command, and the once-a-week nudge. The engine computes every number; this renders and routes.
import * as vscode from 'vscode';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { WeekParams, WeekRequest } from '../server/protocol';
import type { WeekSummary } from '../core/week/types';
import { exportWeek, ExportFormat } from '../core/week/export';
import { nudgeText } from '../core/week/format';
import type { FromWebview, ToWebview } from '../webview/messages';
import type { EngineHolder } from './engine';

export { nudgeText };

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

export async function requestWeek(engine: EngineHolder, params: Omit<WeekParams, 'projectNames'>): Promise<WeekSummary> {
  const client = await engine.client();
  return client.sendRequest(WeekRequest, { ...params, projectNames: projectNames() });
}

export interface WeekRender { week: string; msSinceOpen: number }

export class WeekView implements vscode.Disposable {
  private current: vscode.WebviewPanel | undefined;
  private shown: WeekSummary | undefined;
  private openedAt = 0;
  private loadSeq = 0;
  private readonly rendered = new vscode.EventEmitter<WeekRender>();
  /** Fires when the webview reports a full render of a week (tests and the benchmark subscribe). */
  readonly onDidRender = this.rendered.event;

  constructor(private readonly context: vscode.ExtensionContext, private readonly engine: EngineHolder, private readonly log: (line: string) => void) {}

  /** The open panel, if any. */
  panel(): vscode.WebviewPanel | undefined { return this.current; }
  /** The summary the panel shows. */
  summary(): WeekSummary | undefined { return this.shown; }

  private post(message: ToWebview): void {
    void this.current?.webview.postMessage(message);
  }

  private postSummary(s: WeekSummary): void {
    if (!this.current) return;
    this.current.title = `Tokenomics: Week of ${s.range.weekStart}`;
    this.post({ type: 'summary', summary: s });
  }

  private html(webview: vscode.Webview): string {
    const n = nonce();
    const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, ...p));
    return `<!DOCTYPE html>
<html lang="${vscode.env.language}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; script-src 'nonce-${n}'; img-src ${webview.cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${uri('media', 'week.css')}">
<title>Tokenomics: Weekly Summary</title>
</head>
<body>
<div id="root" aria-busy="true"><p>Loading the weekly summary…</p></div>
<script nonce="${n}" src="${uri('dist', 'webview', 'week.js')}"></script>
</body>
</html>`;
  }

  private async load(week: string | undefined): Promise<void> {
    if (!this.current) return;
    // Quick clicks on Previous / Next: only the newest request may paint the panel.
    const mine = ++this.loadSeq;
    try {
      const s = await requestWeek(this.engine, { week });
      if (mine !== this.loadSeq || !this.current) return;
      this.shown = s;
      this.postSummary(s);
    } catch (e) {
      this.post({ type: 'error', message: (e as Error)?.message ?? String(e) });
    }
  }

  /** Tokenomics: Show Weekly Summary. */
  async show(week?: string): Promise<void> {
    if (this.current) { this.current.reveal(); if (week) await this.load(week); return; }
    this.openedAt = Date.now();
    const ext = this.context.extensionUri;
    const panel = this.current = vscode.window.createWebviewPanel('tokenomics.weeklySummary', 'Tokenomics: Weekly Summary', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(ext, 'media'), vscode.Uri.joinPath(ext, 'dist', 'webview')],
    });
    panel.iconPath = vscode.Uri.joinPath(ext, 'media', 'icon.png');
    // start the request before the webview has loaded: both take time, in parallel
    let summaryMs = -1, readyMs = -1;
    const first = requestWeek(this.engine, { week }).then(s => { this.shown = s; summaryMs = Date.now() - this.openedAt; return s; });
    first.catch(() => undefined);
    panel.webview.onDidReceiveMessage(async (m: Partial<FromWebview> | null) => {
      if (!this.current || !m || typeof m !== 'object') return;
      switch (m.type) {
        case 'ready': {
          readyMs = Date.now() - this.openedAt;
          const wanted = typeof m.week === 'string' ? m.week : undefined;
          if (wanted && wanted !== week) { await this.load(wanted); return; }
          try { this.postSummary(await first); } catch (e) { this.post({ type: 'error', message: (e as Error)?.message ?? String(e) }); }
          return;
        }
        case 'navigate':
          if (typeof m.week === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(m.week)) await this.load(m.week);
          return;
        case 'openTranscript': {
          // only files this summary named: the webview must not become a way to open arbitrary paths
          const file = typeof m.file === 'string' ? m.file : '';
          const known = this.shown && [...this.shown.value.sessions, ...this.shown.topSessions].some(s => s.file === file);
          if (!known) return;
          try { await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.Beside }); }
          catch (e) { void vscode.window.showErrorMessage(`Tokenomics: cannot open ${file}: ${(e as Error)?.message ?? e}`); }
          return;
        }
        case 'export':
          await this.exportSummary(typeof m.week === 'string' ? m.week : undefined);
          return;
        case 'rendered': {
          const r = { week: typeof m.week === 'string' ? m.week : '', msSinceOpen: Date.now() - this.openedAt };
          this.log(`weekly summary of ${r.week} rendered${m.first ? `, first render ${r.msSinceOpen} ms after opening (engine answered at ${summaryMs} ms, webview ready at ${readyMs} ms)` : ''}`);
          this.rendered.fire(r);
          return;
        }
      }
    }, undefined, this.context.subscriptions);
    panel.onDidDispose(() => { this.current = undefined; this.shown = undefined; }, undefined, this.context.subscriptions);
    panel.webview.html = this.html(panel.webview);
  }

  /** Tokenomics: Export Weekly Summary. */
  async exportSummary(week?: string): Promise<void> {
    const pick = await vscode.window.showQuickPick([
      { label: 'Markdown', description: '.md', format: 'md' as ExportFormat, ext: 'md' },
      { label: 'CSV', description: 'one row per day × agent × model', format: 'csv' as ExportFormat, ext: 'csv' },
      { label: 'JSON', description: 'the full summary', format: 'json' as ExportFormat, ext: 'json' },
    ], { title: 'Export Weekly Summary', placeHolder: 'Format' });
    if (!pick) return;
    let s: WeekSummary;
    try { s = week === undefined && this.shown ? this.shown : await requestWeek(this.engine, { week }); }
    catch (e) { void vscode.window.showErrorMessage(`Tokenomics: ${(e as Error)?.message ?? e}`); return; }
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(base, `tokenomics-week-${s.range.weekStart}.${pick.ext}`),
      filters: { [pick.label]: [pick.ext] }, title: 'Save Weekly Summary',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(exportWeek(s, pick.format), 'utf8'));
    void vscode.window.showInformationMessage(`Tokenomics: weekly summary saved to ${target.fsPath}`, 'Open').then(a => a && vscode.window.showTextDocument(target));
  }

  dispose(): void { this.current?.dispose(); this.rendered.dispose(); }
}

/**
 * On the first activation in a new week, one notification across all windows: the week key goes into
 * globalState (shared by every window) before the notification shows, so racing windows rarely both show.
 * Logs its decision either way: tests wait for that line instead of waiting for a notification not to come.
 */
export async function maybeNudge(context: vscode.ExtensionContext, engine: EngineHolder, log: (line: string) => void): Promise<void> {
  if (!vscode.workspace.getConfiguration('tokenomics').get<boolean>('weeklySummary.notify', true)) { log('weekly nudge: off (tokenomics.weeklySummary.notify)'); return; }
  let last: WeekSummary;
  try { last = await requestWeek(engine, { offset: -1 }); } catch (e) { log(`weekly nudge: no summary of last week (${(e as Error)?.message ?? e})`); return; }
  const thisWeek = last.range.nextWeek;
  if (context.globalState.get<string>(NUDGE_KEY) === thisWeek) { log(`weekly nudge: already shown in the week of ${thisWeek}`); return; }
  await context.globalState.update(NUDGE_KEY, thisWeek);
  if (last.headline.requests === 0) { log(`weekly nudge: nothing spent in the week of ${last.range.weekStart}`); return; }
  log(`weekly nudge: shown for the week of ${last.range.weekStart}`);
  const choice = await vscode.window.showInformationMessage(nudgeText(last), 'Open Summary', "Don't show again");
  if (choice === 'Open Summary') await vscode.commands.executeCommand('tokenomics.showWeeklySummary', last.range.weekStart);
  else if (choice === "Don't show again") await vscode.workspace.getConfiguration('tokenomics').update('weeklySummary.notify', false, vscode.ConfigurationTarget.Global);
}
