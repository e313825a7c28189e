// Every command of the extension, in one table. A command that needs the engine gets its client as
// an argument; when the engine is not running, the table answers once, the same way for all of them.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { EngineNotRunning, type EngineHolder } from './engine';
import type { SpendMeter } from './spendMeter';
import type { WeekView } from './weekView';

export interface Ctx {
  context: vscode.ExtensionContext;
  output: vscode.LogOutputChannel;
  engine: EngineHolder;
  spend: SpendMeter;
  week: WeekView;
}

type Command =
  | { engine: true; run(ctx: Ctx, client: LanguageClient, ...args: unknown[]): unknown }
  | { engine?: false; run(ctx: Ctx, ...args: unknown[]): unknown };

const weekArg = (week: unknown) => (typeof week === 'string' ? week : undefined);

export const COMMANDS: Record<string, Command> = {
  'tokenomics.selectModel': { engine: true, run: async (_ctx, client) => (await import('./selectModel')).selectModel(client) },
  'tokenomics.showWeeklySummary': { engine: true, run: (ctx, _client, week) => ctx.week.show(weekArg(week)) },
  'tokenomics.exportWeeklySummary': { engine: true, run: (ctx, _client, week) => ctx.week.exportSummary(weekArg(week)) },
  'tokenomics.analyzeAsPrompt': { engine: true, run: async (_ctx, client, uri) => (await import('./promptCommands')).analyzeAsPrompt(client, uri instanceof vscode.Uri ? uri : undefined) },
  'tokenomics.showAgentContext': { engine: true, run: async (_ctx, client) => (await import('./agentContext')).showAgentContext(client) },
  'tokenomics.showOutput': { run: ctx => ctx.output.show() },
  'tokenomics.setOtlpExportHeaders': { run: async ctx => (await import('./otlpExport')).setOtlpExportHeaders(ctx.context) },
  'tokenomics.forgetHistory': { engine: true, run: async (ctx, client) => (await import('./forgetHistory')).forgetHistory(client, ctx.output) },
  'tokenomics.enableExactCopilotTracking': { run: async ctx => (await import('./exactCopilotTracking')).enableExactCopilotTracking(line => ctx.output.info(line)) },
};

export function registerCommands(ctx: Ctx): void {
  for (const [id, cmd] of Object.entries(COMMANDS)) {
    ctx.context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return cmd.engine ? await cmd.run(ctx, await ctx.engine.client(), ...args) : await cmd.run(ctx, ...args);
      } catch (e) {
        if (!(e instanceof EngineNotRunning)) throw e;
        ctx.output.warn(`${id}: ${e.message}`);
        void vscode.window.showWarningMessage(`Tokenomics: ${e.message}.`, 'Show Log').then(a => a && ctx.output.show());
        return undefined;
      }
    }));
  }
}
