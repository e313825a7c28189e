// The workspace folders the prompt features resolve paths against: from initialize, then asked of the
// client once (clients without workspace folders answer null or an error), kept current on changes.
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { uriToPath } from './convert';

export class WorkspaceFolders {
  private folders: string[] = [];
  private asked: Promise<void> | undefined;

  constructor(private readonly connection: Connection, private readonly onChange: () => void) {}

  set(list: readonly { uri: string }[] | null | undefined): void {
    this.folders = (list ?? []).map(f => uriToPath(f.uri).replace(/\\/g, '/').replace(/\/+$/, '')).filter(Boolean);
  }

  list(): readonly string[] { return this.folders; }

  ask(): Promise<void> {
    return (this.asked ??= (async () => {
      try {
        const ws = this.connection.workspace;
        try { ws.onDidChangeWorkspaceFolders(() => { void ws.getWorkspaceFolders().then(f => { this.set(f); this.onChange(); }, () => undefined); }); } catch { /* not supported */ }
        const got = await Promise.race([ws.getWorkspaceFolders(), new Promise<null>(r => setTimeout(() => r(null), 1000).unref())]);
        if (got) this.set(got);
      } catch { /* keep what initialize gave us */ }
    })());
  }

  /** The path relative to its workspace folder, or undefined outside every folder. */
  relative(abs: string): string | undefined {
    const p = abs.replace(/\\/g, '/');
    for (const f of this.folders) if (p.startsWith(`${f}/`)) return p.slice(f.length + 1);
    return undefined;
  }

  /** The workspace folder holding a file, else the file's own folder. */
  projectOf(abs: string): string {
    const p = abs.replace(/\\/g, '/');
    return this.folders.find(f => p.startsWith(`${f}/`)) ?? path.dirname(abs).replace(/\\/g, '/');
  }

  /** The workspace folder holding a file, or undefined. */
  rootOf(abs: string): string | undefined {
    const p = abs.replace(/\\/g, '/');
    return this.folders.find(f => p.startsWith(`${f}/`));
  }
}
