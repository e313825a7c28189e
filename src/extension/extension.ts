// Activation stays light: status bar items and commands are registered synchronously; the engine
// (a separate process with the tokenizer) starts right after activate() returns.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { EngineHolder } from './engine';
import { SpendMeter } from './spendMeter';
import { TokenMeter } from './tokenMeter';
import { registerOtlpExport } from './otlpExport';
import { maybeNudge, WeekView } from './weekView';
import { testApi, type TestApi } from './testApi';

let engine: EngineHolder | undefined;

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('Tokenomics', { log: true });
  engine = new EngineHolder(context, output);
  const tokenMeter = new TokenMeter(engine);
  const spend = new SpendMeter(context.globalState, output);
  const week = new WeekView(context, engine, line => output.info(line));
  context.subscriptions.push(output, engine, tokenMeter, spend, week);
  registerCommands({ context, output, engine, spend, week });
  context.subscriptions.push(registerOtlpExport(context, engine));
  const started = engine;
  setImmediate(() => {
    void started.start();
    void started.ready.then(client => {
      if (!client) return;
      context.subscriptions.push(spend.attach(client));
      void maybeNudge(context, started, line => output.info(line));
    });
  });
  const activationMs = performance.now() - t0;
  output.info(`activated in ${activationMs.toFixed(1)} ms`);
  // Hooks for the in-host tests and benchmarks only: a shipping extension exports nothing.
  return context.extensionMode === vscode.ExtensionMode.Test ? testApi({ activationMs, engine, tokenMeter, spend, week }) : undefined;
}

export async function deactivate(): Promise<void> {
  await engine?.stop();
}
