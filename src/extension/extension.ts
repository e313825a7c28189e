// Activation stays light: status bar items and commands are registered synchronously; the engine
// (a separate process with the tokenizer) starts right after activate() returns.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TokenMeter } from './tokenMeter';
import { registerPromptCommands } from './promptCommands';
import { maybeNudge, registerWeekView, WeekViewApi } from './weekView';
import { SpendMeter, showContextAdvice } from './spendMeter';
import type { UsageSummary } from '../server/protocol';

export interface TokenomicsApi {
  activationMs: number;
  ranksLoadedOnHost(): boolean;
  meterText(): string;
  waitForCount(uri: string, model?: string): Promise<unknown>;
  client(): LanguageClient | undefined;
  spendText(): string;
  contextText(): string | undefined;
  waitForUsage(pred: (s: UsageSummary) => boolean): Promise<UsageSummary>;
  week: WeekViewApi;
}

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): TokenomicsApi {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('Tokenomics', { log: true });
  const meter = new TokenMeter();
  const spend = new SpendMeter(context.globalState, output);
  context.subscriptions.push(output, meter, spend,
    vscode.commands.registerCommand('tokenomics.showContextAdvice', () => showContextAdvice(spend)),
    vscode.commands.registerCommand('tokenomics.selectModel', async () => (await import('./selectModel')).selectModel(client)),
    vscode.commands.registerCommand('tokenomics.showOutput', () => output.show()),
    vscode.commands.registerCommand('tokenomics.enableExactCopilotTracking', async () => (await import('./exactCopilotTracking')).enableExactCopilotTracking(line => output.info(line))),
  );
  registerPromptCommands(context, () => client);
  const week = registerWeekView(context, () => client, line => output.info(line));
  setImmediate(() => void startEngine(context, output, meter, spend));
  const activationMs = performance.now() - t0;
  output.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    // The host bundle contains no tokenizer ranks; the check guards against a future import slipping in.
    ranksLoadedOnHost: () => Object.keys(require.cache).some(k => /js-tiktoken|ranks[\\/]/.test(k)) || (globalThis as Record<symbol, unknown>)[Symbol.for('tokenomics.ranksLoaded')] === true,
    meterText: () => meter.text,
    waitForCount: (uri, model) => meter.waitForCount(uri, model),
    client: () => client,
    spendText: () => spend.spend.text,
    contextText: () => (spend.summary?.context ? spend.context.text : undefined),
    waitForUsage: pred => spend.waitFor(pred),
    week,
  };
}

async function startEngine(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, meter: TokenMeter, spend: SpendMeter): Promise<void> {
  try {
    const { createClient } = await import('./client');
    client = createClient(context, output);
    await client.start();
    meter.attach(client);
    context.subscriptions.push(spend.attach(client));
    void maybeNudge(context, () => client);
  } catch (e) {
    output.error(`the Tokenomics engine failed to start: ${(e as Error)?.stack ?? e}`);
    void vscode.window.showErrorMessage('Tokenomics: the engine failed to start. See Output → Tokenomics.', 'Show Output')
      .then(a => a && output.show());
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
