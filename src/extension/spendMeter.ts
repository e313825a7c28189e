// The status bar spend meter (today / this week across coding agents, budgets) and the context-bloat
// item for the most recently active agent session. The engine computes; this renders and notifies.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PeriodSpend, UsageChangedNotification, UsageRequest, UsageSummary } from '../server/protocol';
import { formatPercent, formatTokens, formatTokensShort, formatUSD } from '../core/format';
import { escapeMd } from './tokenMeter';
import { basisMark } from '../core/usage/totals';
import { CacheWarmCountdown, appendBurn } from './agentContext';

/** Agent id -> the name the engine gives it (in the summary: the client keeps no table of its own). */
type Names = (agent: string) => string;
const namesOf = (s: UsageSummary): Names => id => s.agentNames.find(a => a.id === id)?.displayName ?? id;

export class SpendMeter implements vscode.Disposable {
  readonly spend: vscode.StatusBarItem;
  readonly context: vscode.StatusBarItem;
  private last: UsageSummary | undefined;
  private readonly changed = new vscode.EventEmitter<UsageSummary>();
  /** Fires after each summary from the engine is rendered (tests subscribe to it). */
  readonly onDidChange = this.changed.event;
  private names: Names = id => id;

  constructor(private readonly state: vscode.Memento, private readonly output: vscode.LogOutputChannel) {
    this.spend = vscode.window.createStatusBarItem('spend', vscode.StatusBarAlignment.Right, 101);
    this.spend.name = 'Tokenomics: Agent Spend';
    this.spend.command = 'tokenomics.showWeeklySummary';
    this.context = vscode.window.createStatusBarItem('context', vscode.StatusBarAlignment.Right, 100.5);
    this.context.name = 'Tokenomics: Agent Context';
    this.context.command = 'tokenomics.showAgentContext';
    this.warm = new CacheWarmCountdown(this.context);
  }
  private readonly warm: CacheWarmCountdown;
  private contextText: string | null = null;

  get summary(): UsageSummary | undefined { return this.last; }

  attach(client: LanguageClient): vscode.Disposable {
    const sub = client.onNotification(UsageChangedNotification, s => this.update(s));
    void client.sendRequest(UsageRequest).then(s => this.update(s), e => this.output.error(`usage: ${e?.message ?? e}`));
    return sub;
  }

  update(s: UsageSummary): void {
    this.last = s;
    this.names = namesOf(s);
    this.renderSpend(s);
    this.renderContext(s);
    this.warm.update(s, this.contextText);
    void this.notifyThresholds(s);
    this.changed.fire(s);
  }

  private renderSpend(s: UsageSummary): void {
    const item = this.spend;
    if (!s.hasLogs) {
      item.text = '$(flame) no agent logs';
      const md = new vscode.MarkdownString('**Tokenomics**: no coding-agent logs found. Looked in:\n\n');
      // one line per folder, naming every agent that looks there (VS Code's user-data folders serve four)
      const byPath = new Map<string, { agents: string[]; exists: boolean }>();
      for (const f of s.folders) {
        const e = byPath.get(f.path) ?? { agents: [], exists: f.exists };
        e.agents.push(this.names(f.agent));
        byPath.set(f.path, e);
      }
      for (const [p, e] of byPath) md.appendMarkdown(`- ${e.agents.map(escapeMd).join(', ')}: \`${p.replace(/`/g, "'")}\`${e.exists ? '' : ' (missing)'}\n`);
      const settings = [...new Set(s.folders.map(f => `\`${f.setting}\``))];
      md.appendMarkdown(`\nSet ${settings.length > 1 ? `${settings.slice(0, -1).join(', ')} or ${settings[settings.length - 1]}` : settings[0] ?? 'the agents\' folder settings'} if your agents log elsewhere.`);
      item.tooltip = md;
      item.backgroundColor = undefined;
      item.show();
      return;
    }
    // the engine's period basis: a total with a lower-bound part (Copilot's journal) is itself a lower bound; one with an estimate, an estimate
    item.text = `$(flame) ${amount(s.today.costUSD, s.today.basis)} today · ${amount(s.week.costUSD, s.week.basis)} wk`;
    const level = budgetLevel(s);
    item.backgroundColor = level === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.tooltip = spendTooltip(s, this.names);
    item.show();
  }

  private renderContext(s: UsageSummary): void {
    const c = s.context;
    this.contextText = null;
    if (!c || c.share === null || c.share * 100 < s.contextWarning.percent) { this.context.hide(); return; }
    const pct = Math.round(c.share * 100);
    this.context.text = `$(warning) ctx ${pct}%`;
    this.context.backgroundColor = pct >= s.contextWarning.notifyPercent ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.context.tooltip = contextTooltip(s, this.names);
    this.contextText = this.context.text;
    this.context.show();
  }

  /** Once per threshold per period, across windows: the memento is shared by every window. */
  private async notifyThresholds(s: UsageSummary): Promise<void> {
    const checks: { key: string; message: string }[] = [];
    const warn = s.budgets.warnAtPercent;
    const day = s.today.startDate, week = s.week.startDate;
    const budget = (name: string, spent: number, limit: number | null, period: string) => {
      if (!limit) return;
      const share = spent / limit;
      if (share >= 1) checks.push({ key: `budget:${name}:${period}:100`, message: `Tokenomics: ${name} agent spend ${formatUSD(spent)} has reached the ${formatUSD(limit)} budget.` });
      else if (share * 100 >= warn) checks.push({ key: `budget:${name}:${period}:${warn}`, message: `Tokenomics: ${name} agent spend ${formatUSD(spent)} is at ${formatPercent(share)} of the ${formatUSD(limit)} budget.` });
    };
    budget('daily', s.today.costUSD, s.budgets.dailyUSD, day);
    budget('weekly', s.week.costUSD, s.budgets.weeklyUSD, week);
    for (const q of s.quotas) {
      if (q.share >= 1) checks.push({ key: `quota:${q.name}:${week}:100`, message: `Tokenomics: quota "${q.name}" reached: ${formatUSD(q.spentUSD)} of ${formatUSD(q.weeklyUSD)} this week.` });
      else if (q.share * 100 >= warn) checks.push({ key: `quota:${q.name}:${week}:${warn}`, message: `Tokenomics: quota "${q.name}" at ${formatPercent(q.share)}: ${formatUSD(q.spentUSD)} of ${formatUSD(q.weeklyUSD)} this week.` });
    }
    const c = s.context;
    if (c?.share != null && c.share * 100 >= s.contextWarning.notifyPercent) {
      checks.push({ key: `context:${c.sessionId}:${s.contextWarning.notifyPercent}`,
        message: `Tokenomics: the ${this.names(c.agent)} session in ${c.project} is at ${formatPercent(c.share)} of its context window: each turn re-reads ${formatTokens(c.contextTokens)} tokens. Compact or clear it, or start a fresh session for a new task.` });
    }
    const seen = this.state.get<Record<string, number>>('tokenomics.notified', {});
    for (const { key, message } of checks) {
      if (seen[key]) continue;
      seen[key] = Date.now();
      await this.state.update('tokenomics.notified', pruneOld(seen));
      this.output.info(message);
      void vscode.window.showWarningMessage(message, 'Show Summary').then(a => a && vscode.commands.executeCommand('tokenomics.showWeeklySummary'));
    }
  }

  dispose(): void { this.warm.dispose(); this.spend.dispose(); this.context.dispose(); this.changed.dispose(); }
}

function pruneOld(seen: Record<string, number>): Record<string, number> {
  const cutoff = Date.now() - 35 * 86_400_000;
  return Object.fromEntries(Object.entries(seen).filter(([, t]) => t > cutoff));
}

export function budgetLevel(s: UsageSummary): 'ok' | 'warning' | 'error' {
  const shares = [
    s.budgets.dailyUSD ? s.today.costUSD / s.budgets.dailyUSD : 0,
    s.budgets.weeklyUSD ? s.week.costUSD / s.budgets.weeklyUSD : 0,
    ...s.quotas.map(q => q.share),
  ];
  const max = Math.max(0, ...shares);
  return max >= 1 ? 'error' : max * 100 >= s.budgets.warnAtPercent ? 'warning' : 'ok';
}

/** An amount as its basis allows: a lower bound is "at least", an estimate is never shown as exact. */
function amount(usd: number, basis: PeriodSpend['basis']): string {
  return basisMark(basis) + formatUSD(usd);
}

function period(md: vscode.MarkdownString, p: PeriodSpend, limit: number | null, names: Names): void {
  md.appendMarkdown(`**${escapeMd(p.label)}: ${amount(p.costUSD, p.basis)}**${limit ? ` of ${formatUSD(limit)} budget (${formatPercent(p.costUSD / limit)})` : ''} · ${formatTokens(p.requests)} requests`);
  if (p.unpricedRequests) md.appendMarkdown(` · ${p.unpricedRequests} unpriced`);
  if (p.basis !== 'exact') md.appendMarkdown(p.basis === 'lower-bound' ? ' · a lower bound: some logs hold only part of the usage' : ' · partly estimated from text');
  md.appendMarkdown('\n\n');
  // Copilot bills in AI credits (1 credit = $0.01): its cost is shown in both
  const credits = (a: { agent: string; costUSD: number }) => (a.agent === 'copilot' ? ` (${Math.round(a.costUSD * 100).toLocaleString('en-US')} credits)` : '');
  if (p.byAgent.length) md.appendMarkdown(p.byAgent.map(a => `${escapeMd(names(a.agent))} ${amount(a.costUSD, a.basis)}${credits(a)}`).join(' · ') + '\n\n');
  const notes = [
    p.byAgent.some(a => a.basis === 'lower-bound') ? '≥ lower bound (Copilot\'s chat history keeps only the last model call of each request; run *Tokenomics: Enable Exact Copilot Tracking*)' : '',
    p.byAgent.some(a => a.basis === 'estimate') ? '≈ estimate (counted by the agent\'s own tokenizer)' : '',
  ].filter(Boolean);
  if (notes.length) md.appendMarkdown(notes.join(' · ') + '\n\n');
  if (p.byModel.length) {
    md.appendMarkdown('| Model | Cost | Requests |\n|---|---:|---:|\n');
    for (const m of p.byModel.slice(0, 6)) md.appendMarkdown(`| ${escapeMd(m.model)} | ${amount(m.costUSD, m.basis)} | ${formatTokens(m.requests)} |\n`);
    md.appendMarkdown('\n');
  }
  const t = p.tokens;
  md.appendMarkdown(`Tokens: ${formatTokensShort(t.input)} input · ${formatTokensShort(t.output)} output · ${formatTokensShort(t.cacheRead)} cache read · ${formatTokensShort(t.cacheWrite)} cache write`);
  if (p.cacheHitRatio !== null) md.appendMarkdown(` · cache hit ${formatPercent(p.cacheHitRatio)}`);
  md.appendMarkdown('\n\n');
}

export function spendTooltip(s: UsageSummary, names: Names): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['tokenomics.showWeeklySummary', 'tokenomics.showOutput'] };
  md.appendMarkdown('**Tokenomics · coding-agent spend**\n\n');
  period(md, s.today, s.budgets.dailyUSD, names);
  md.appendMarkdown('---\n\n');
  period(md, s.week, s.budgets.weeklyUSD, names);
  if (s.quotas.length) {
    md.appendMarkdown('---\n\n**Quotas this week**\n\n');
    for (const q of s.quotas) md.appendMarkdown(`- ${escapeMd(q.name)}: ${formatUSD(q.spentUSD)} of ${formatUSD(q.weeklyUSD)} (${formatPercent(q.share)})\n`);
    md.appendMarkdown('\n');
  }
  const rl = s.rateLimits;
  if (rl && (rl.primary || rl.secondary)) {
    md.appendMarkdown('---\n\n**Codex plan usage**' + (rl.plan ? ` (${escapeMd(rl.plan)})` : '') + '\n\n');
    for (const [name, w] of [['5-hour window', rl.primary], ['weekly window', rl.secondary]] as const) {
      if (!w) continue;
      md.appendMarkdown(`- ${name}: ${w.usedPercent.toFixed(0)}% used${w.resetsAt ? `, resets ${new Date(w.resetsAt * 1000).toLocaleString()}` : ''}\n`);
    }
    md.appendMarkdown('\n');
  }
  if (s.skipped.malformedLines || s.skipped.unreadable.length) {
    md.appendMarkdown(`$(info) skipped ${s.skipped.malformedLines} malformed log lines${s.skipped.unreadable.length ? `, ${s.skipped.unreadable.length} unreadable files` : ''} ([details](command:tokenomics.showOutput))\n\n`);
  }
  appendBurn(md, s, names);
  md.appendMarkdown('[$(graph) Weekly summary](command:tokenomics.showWeeklySummary)');
  return md;
}

export function contextTooltip(s: UsageSummary, names: Names): vscode.MarkdownString {
  const c = s.context!;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**Tokenomics · agent context ${formatPercent(c.share ?? 0)} full**\n\n`);
  md.appendMarkdown(`${escapeMd(names(c.agent))} session in \`${c.project.replace(/`/g, "'")}\` on ${escapeMd(c.model)}: ${formatTokens(c.contextTokens)} of ${c.contextWindow ? formatTokens(c.contextWindow) : '?'} tokens.\n\n`);
  md.appendMarkdown(`Each further turn re-reads this context: about ${formatUSD(c.nextTurnCachedUSD)} at cache-read price, ${formatUSD(c.nextTurnUncachedUSD)} if the cache has expired.\n\n`);
  md.appendMarkdown('**What to do**: compact the session (`/compact` in Claude Code), or clear it (`/clear`) and start a fresh session for a new task. Long contexts cost more per turn and models attend less well to their middle.');
  return md;
}
