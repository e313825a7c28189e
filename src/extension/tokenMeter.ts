// The status bar token meter: tokens of the selection or document on the chosen model, with cost per
// call and context share in the tooltip. Counting happens in the engine; until it answers, a ≈ estimate.
import * as vscode from 'vscode';
import { CountRequest, CountResult, NOT_SYNCED } from '../server/protocol';
import type { EngineHolder } from './engine';
import { formatPercent, formatTokens, formatUSD } from '../core/format';
import { quickEstimate } from '../core/encodings';

const DEBOUNCE_MS = 150;

export class TokenMeter implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  private timer: NodeJS.Timeout | undefined;
  private last: CountResult | undefined;
  private disposables: vscode.Disposable[] = [];
  private seq = 0;
  private readonly rendered = new vscode.EventEmitter<CountResult>();
  /** Fires after the meter shows a count the engine answered (tests subscribe to it). */
  readonly onDidRender = this.rendered.event;

  constructor(private readonly engine: EngineHolder) {
    this.item = vscode.window.createStatusBarItem('meter', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Tokenomics: Token Meter';
    this.item.command = 'tokenomics.selectModel';
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule(0)),
      vscode.window.onDidChangeTextEditorSelection(e => { if (e.textEditor === vscode.window.activeTextEditor) this.schedule(); }),
      vscode.workspace.onDidChangeTextDocument(e => { if (e.document === vscode.window.activeTextEditor?.document) this.schedule(); }),
      vscode.window.tabGroups.onDidChangeTabs(() => this.schedule(0)),
      // New diagnostics on a prompt file mean a finished analysis: its findings count changed.
      vscode.languages.onDidChangeDiagnostics(e => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (active && e.uris.some(u => u.toString() === active)) this.schedule(0);
      }),
      // A new model or price changes every number shown; the engine gets the settings first (client.ts).
      vscode.workspace.onDidChangeConfiguration(e => { if (e.affectsConfiguration('tokenomics')) { this.last = undefined; this.schedule(50); } }),
      this.rendered,
    );
    void engine.ready.then(c => { if (c) this.schedule(0); });
  }

  get text(): string { return this.item.text; }
  get lastResult(): CountResult | undefined { return this.last; }

  schedule(delay = DEBOUNCE_MS): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return this.renderNoEditor();
    const doc = editor.document;
    const ranges = editor.selections.filter(s => !s.isEmpty).map(s => ({ start: s.start, end: s.end }));
    const mine = ++this.seq;
    const chars = ranges.length ? ranges.reduce((n, r) => n + doc.offsetAt(r.end) - doc.offsetAt(r.start), 0)
      : doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end); // no copy of the whole text
    // Instant and cheap: the engine may still be loading its tokenizer.
    const client = this.engine.ifRunning();
    if (!client || this.last?.uri !== doc.uri.toString()) this.renderEstimate(chars, ranges.length > 0);
    if (!client) return;
    try {
      const result = await client.sendRequest(CountRequest, { uri: doc.uri.toString(), version: doc.version, ranges });
      if (mine !== this.seq) return; // a newer request is on its way
      this.last = result;
      if (result.notCounted === NOT_SYNCED) {
        // Documents of other schemes (settings, diffs, output) never reach the engine: keep the estimate.
        this.renderEstimate(chars, ranges.length > 0, 'this document is not shared with the engine, so it gets a quick estimate (4 characters a token)');
        return;
      }
      this.render(result);
      if (result.version < doc.version) this.schedule(); // the engine answered for an older text
      this.rendered.fire(result);
    } catch (e) {
      if (mine === this.seq) this.renderError(e);
    }
  }

  private renderNoEditor(): void {
    // A tab whose text the editor would not hand to extensions (VS Code does not sync files over 50 MB).
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    if (tab?.input instanceof vscode.TabInputText) {
      this.item.text = '$(symbol-numeric) not counted';
      this.item.tooltip = new vscode.MarkdownString(`**Tokenomics**: not counted. VS Code does not share files this large with extensions; use \`tokenomics count ${tab.label}\` in a terminal.`);
      this.item.show();
      return;
    }
    this.item.hide();
  }

  private renderEstimate(chars: number, selection: boolean, why = 'quick estimate (4 characters a token) while the engine counts'): void {
    this.item.text = `$(symbol-numeric) ≈${formatTokens(quickEstimate(chars))}${selection ? ' sel' : ''}`;
    this.item.tooltip = new vscode.MarkdownString(`**Tokenomics**: ≈ ${why}.`);
    this.item.show();
  }

  private renderError(e: unknown): void {
    this.item.text = '$(symbol-numeric) $(error)';
    this.item.tooltip = `Tokenomics could not count this file: ${(e as Error)?.message ?? e}. See Output → Tokenomics.`;
    this.item.show();
  }

  render(r: CountResult): void {
    if (r.notCounted || r.tokens === undefined) {
      this.item.text = '$(symbol-numeric) not counted';
      this.item.tooltip = new vscode.MarkdownString(`**Tokenomics**: not counted: ${escapeMd(r.notCounted ?? 'unknown reason')}.`);
      this.item.backgroundColor = undefined;
      this.item.show();
      return;
    }
    const approx = r.exact ? '' : '≈';
    const model = r.model ?? '';
    const findings = r.isPrompt && r.findings ? ` $(warning) ${r.findings}` : '';
    this.item.text = `$(symbol-numeric) ${approx}${formatTokens(r.tokens)}${r.selection ? ' sel' : ''} · ${model}${r.resolvedModel ? '' : ' (unpriced)'}${findings}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['tokenomics.selectModel', 'tokenomics.showOutput'] };
    md.appendMarkdown(`**Tokenomics** · ${r.selection ? 'selection' : 'whole file'}\n\n`);
    md.appendMarkdown(`| | |\n|---|---|\n`);
    md.appendMarkdown(`| Tokens | ${approx}${formatTokens(r.tokens)} |\n`);
    md.appendMarkdown(`| Model | ${escapeMd(model)}${r.resolvedModel && r.resolvedModel !== model ? ` (${escapeMd(r.resolvedModel)})` : ''} |\n`);
    md.appendMarkdown(`| Counting | ${escapeMd(r.countingLabel ?? '')} |\n`);
    md.appendMarkdown(`| Cost per call (as input) | ${r.resolvedModel ? `${approx}${formatUSD(r.costUSD ?? null)}` : 'unpriced: model not in the catalog'} |\n`);
    md.appendMarkdown(`| Context window | ${r.contextShare != null && r.contextWindow ? `${formatPercent(r.contextShare)} of ${formatTokens(r.contextWindow)}` : 'unknown'} |\n`);
    if (r.isPrompt) md.appendMarkdown(`| Bloat findings | ${r.findings ?? 0} |\n`);
    md.appendMarkdown(`\n[$(list-selection) Select model](command:tokenomics.selectModel)`);
    this.item.tooltip = md;
    this.item.backgroundColor = undefined;
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}

export function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
