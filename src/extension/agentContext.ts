// The live leak views: the context item's cache-warm countdown, the spend tooltip's burn-rate ranking,
// and `Tokenomics: Show Agent Context`. The engine computes every number (`core/leaks/live.ts`); this
// only renders them, ticking the countdown each second from the engine's deadline.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { AgentContextRequest, UsageSummary } from '../server/protocol';
import { formatTokens, formatUSD } from '../core/format';
import { escapeMd } from './tokenMeter';

/** "3:40" for the time left until `until`, or null once it passed. */
export function warmLeft(until: number | undefined, now: number): string | null {
  if (!until || until <= now) return null;
  const s = Math.ceil((until - now) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Adds "cache warm m:ss" to the context item while the active session's cache is warm. */
export class CacheWarmCountdown implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private base: string | null = null;
  private until: number | undefined;

  constructor(private readonly item: vscode.StatusBarItem) {}

  /** `shownText`: the item's text when the context warning shows it, else null (hidden). */
  update(s: UsageSummary, shownText: string | null): void {
    this.base = shownText;
    this.until = s.context?.cacheWarmUntil;
    this.tick();
    if (!this.timer && warmLeft(this.until, Date.now())) this.timer = setInterval(() => this.tick(), 1000);
  }

  private tick(): void {
    const left = warmLeft(this.until, Date.now());
    if (!left) {
      if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
      if (this.base === null) this.item.hide(); else this.item.text = this.base;
      return;
    }
    this.item.text = this.base === null ? `$(clock) cache warm ${left}` : `${this.base} · cache warm ${left}`;
    this.item.show();
  }

  dispose(): void { if (this.timer) clearInterval(this.timer); }
}

/** The sessions running now by burn rate, for the spend tooltip. */
export function appendBurn(md: vscode.MarkdownString, s: UsageSummary, names: (agent: string) => string): void {
  if (!s.burn?.length) return;
  md.appendMarkdown('---\n\n**Running now, by burn rate**\n\n');
  for (const b of s.burn) md.appendMarkdown(`- ${escapeMd(names(b.agent))} · ${escapeMd(b.project.split(/[\\/]/).pop() ?? b.project)} · ${b.sessionId.slice(0, 8).replace(/[^\w-]/g, '')}: **${formatUSD(b.usdPerHour)}/h** (${formatUSD(b.lastHourUSD)} in the last hour)\n`);
  md.appendMarkdown('\n');
}

/** Tokenomics: Show Agent Context — what fills the active session's context and what to do about it. */
export async function showAgentContext(client: LanguageClient): Promise<void> {
  const v = await client.sendRequest(AgentContextRequest);
  if (!v) { void vscode.window.showInformationMessage('Tokenomics: no agent session is active.'); return; }
  const items: vscode.QuickPickItem[] = [
    { label: 'What fills the context', kind: vscode.QuickPickItemKind.Separator },
    ...v.parts.map(p => ({ label: p.label, description: `≈${formatTokens(p.tokens)} tokens`, detail: v.contextTokens ? `${Math.round((p.tokens / v.contextTokens) * 100)}% of ${formatTokens(v.contextTokens)}` : undefined })),
    { label: 'Worth doing', kind: vscode.QuickPickItemKind.Separator },
    ...v.actions.map(a => ({ label: `$(lightbulb) ${a.title}`, description: `saves ≈${formatUSD(a.savingPerTurnUSD)} per turn` })),
  ];
  const warm = warmLeft(v.cacheWarmUntil ?? undefined, Date.now());
  await vscode.window.showQuickPick(items, {
    title: `Agent context: ${v.model}, ${formatTokens(v.contextTokens)} tokens${v.contextWindow ? ` of ${formatTokens(v.contextWindow)}` : ''}${warm ? ` · cache warm ${warm}` : ' · cache cold'}`,
    placeHolder: `${v.project} · session ${v.sessionId.slice(0, 8)} (parts are estimates)`,
  });
}
