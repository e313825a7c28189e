// The one way the client reaches the engine: `ready` (the running client, or undefined when it could
// not start), `ifRunning()` for work that is skipped while the engine starts (a status bar refresh),
// and `client()` for work that waits for it and fails with one clear error when it is not running.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

export class EngineNotRunning extends Error {
  constructor(why: string) { super(`the Tokenomics engine is not running (${why})`); }
}

export class EngineHolder implements vscode.Disposable {
  /** Resolves once the engine answers, with its client; with undefined if it failed to start. */
  readonly ready: Promise<LanguageClient | undefined>;
  private running: LanguageClient | undefined;
  private failure = 'still starting';
  private settle!: (c: LanguageClient | undefined) => void;

  constructor(private readonly context: vscode.ExtensionContext, private readonly output: vscode.LogOutputChannel) {
    this.ready = new Promise(resolve => { this.settle = resolve; });
  }

  /** Starts the engine process (after activate() has returned: it loads the language client). */
  async start(): Promise<void> {
    try {
      const { createClient } = await import('./client');
      const client = createClient(this.context, this.output);
      await client.start();
      this.running = client;
      this.settle(client);
    } catch (e) {
      this.failure = 'it failed to start; see Output → Tokenomics';
      this.settle(undefined);
      this.output.error(`the Tokenomics engine failed to start: ${(e as Error)?.stack ?? e}`);
      void vscode.window.showErrorMessage('Tokenomics: the engine failed to start. See Output → Tokenomics.', 'Show Output')
        .then(a => a && this.output.show());
    }
  }

  /** The client if the engine runs now; undefined while it starts, after a failure or a crash. */
  ifRunning(): LanguageClient | undefined {
    return this.running?.isRunning() ? this.running : undefined;
  }

  /** The running client, waiting for the start (up to `timeoutMs`); throws EngineNotRunning when there is none. */
  async client(timeoutMs = 30_000): Promise<LanguageClient> {
    let timer: NodeJS.Timeout | undefined;
    const c = await Promise.race([this.ready, new Promise<undefined>(r => { timer = setTimeout(() => r(undefined), timeoutMs); })])
      .finally(() => clearTimeout(timer));
    if (!c) throw new EngineNotRunning(this.failure);
    if (!c.isRunning()) throw new EngineNotRunning('it stopped; reload the window to restart it');
    return c;
  }

  async stop(): Promise<void> {
    await this.running?.stop();
  }

  dispose(): void { void this.stop(); }
}
