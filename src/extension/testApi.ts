// What the in-host tests (test/e2e/inhost) and the in-host benchmark (test/bench/inhost-week) see of
// the running extension. Exported by activate() only in ExtensionMode.Test: the shipping classes carry
// no test code, only the events they fire anyway.
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CountResult, UsageSummary } from '../server/protocol';
import type { WeekSummary } from '../core/week/types';
import type { EngineHolder } from './engine';
import type { SpendMeter } from './spendMeter';
import type { TokenMeter } from './tokenMeter';
import type { WeekRender, WeekView } from './weekView';

export interface TestApi {
  activationMs: number;
  /** The host bundle contains no tokenizer ranks; the check guards against a future import slipping in. */
  ranksLoadedOnHost(): boolean;
  engine: { ready: Promise<LanguageClient | undefined>; ifRunning(): LanguageClient | undefined };
  tokenMeter: { text(): string; lastResult(): CountResult | undefined; onDidRender: vscode.Event<CountResult> };
  spendMeter: { text(): string; contextText(): string | undefined; summary(): UsageSummary | undefined; onDidChange: vscode.Event<UsageSummary> };
  week: { panel(): vscode.WebviewPanel | undefined; summary(): WeekSummary | undefined; onDidRender: vscode.Event<WeekRender>; post(message: unknown): void };
}

export function testApi(p: { activationMs: number; engine: EngineHolder; tokenMeter: TokenMeter; spend: SpendMeter; week: WeekView }): TestApi {
  return {
    activationMs: p.activationMs,
    ranksLoadedOnHost: () => Object.keys(require.cache).some(k => /js-tiktoken|ranks[\\/]/.test(k))
      || (globalThis as Record<symbol, unknown>)[Symbol.for('tokenomics.ranksLoaded')] === true,
    engine: { ready: p.engine.ready, ifRunning: () => p.engine.ifRunning() },
    tokenMeter: { text: () => p.tokenMeter.text, lastResult: () => p.tokenMeter.lastResult, onDidRender: p.tokenMeter.onDidRender },
    spendMeter: {
      text: () => p.spend.spend.text,
      contextText: () => (p.spend.summary?.context ? p.spend.context.text : undefined),
      summary: () => p.spend.summary,
      onDidChange: p.spend.onDidChange,
    },
    week: {
      panel: () => p.week.panel(), summary: () => p.week.summary(), onDidRender: p.week.onDidRender,
      post: m => { void p.week.panel()?.webview.postMessage(m); },
    },
  };
}
