// What each service does when the client shuts the engine down (save the usage index, the activity and
// leak caches, stop timers and watchers, release the export lock). vscode-languageserver keeps a single
// shutdown handler, the last one set: with every service setting its own, only the export's ran, so the
// usage index and the week's caches were never saved on the way out. One handler runs them all, in order.
import type { Connection } from 'vscode-languageserver/node';

export class Shutdown {
  private readonly hooks: (() => void)[] = [];
  /** Set once the client has asked the engine to shut down: long work under way ends at its next step. */
  done = false;

  constructor(connection: Connection) {
    connection.onShutdown(() => {
      this.done = true;
      for (const h of this.hooks) {
        // one service failing to save must not keep the others from saving
        try { h(); } catch (e) { process.stderr.write(`tokenomics engine: shutdown step failed: ${(e as Error)?.stack ?? e}\n`); }
      }
    });
  }

  add(hook: () => void): void { this.hooks.push(hook); }
}
