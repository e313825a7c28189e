// The workspace folders the engine serves, kept in one place: the initialize params give the first
// list, `workspace/didChangeWorkspaceFolders` the changes. Every service that asks "is this inside
// the workspace?" reads `folders` here and listens to `onDidChange`, so none keeps a copy that can go
// stale when the user adds or removes a folder.
import { fileURLToPath } from 'node:url';

export interface WorkspaceFolderRef { uri: string; name?: string }

export function uriToPath(uri: string): string {
  try {
    if (uri.startsWith('file:')) return fileURLToPath(uri);
    return decodeURIComponent(new URL(uri).pathname);
  } catch { return uri; }
}

/** Forward slashes and no trailing slash, so that `inside` checks compare like with like on Windows too. */
function normalize(p: string): string {
  return p.replace(/\\/g, '/').replace(/\/+$/, '');
}

export class Workspace {
  private list: string[] = [];
  private readonly listeners: (() => void)[] = [];

  constructor(folders: readonly WorkspaceFolderRef[] | null | undefined = []) {
    this.list = toPaths(folders);
  }

  /** Absolute folder paths, forward slashes, no trailing slash. */
  get folders(): readonly string[] { return this.list; }

  onDidChange(listener: () => void): void { this.listeners.push(listener); }

  /** Replaces the whole list (an answer to `workspace/workspaceFolders`). */
  set(folders: readonly WorkspaceFolderRef[] | null | undefined): void {
    this.update(toPaths(folders));
  }

  /** Applies a `workspace/didChangeWorkspaceFolders` event. */
  change(event: { added: readonly WorkspaceFolderRef[]; removed: readonly WorkspaceFolderRef[] }): void {
    const removed = new Set(toPaths(event.removed));
    const next = this.list.filter(f => !removed.has(f));
    for (const f of toPaths(event.added)) if (!next.includes(f)) next.push(f);
    this.update(next);
  }

  /** The workspace folder holding `absPath` (the innermost one), if any. */
  folderOf(absPath: string): string | undefined {
    const p = normalize(absPath);
    let best: string | undefined;
    for (const f of this.list) if ((p === f || p.startsWith(`${f}/`)) && (!best || f.length > best.length)) best = f;
    return best;
  }

  private update(next: string[]): void {
    if (next.length === this.list.length && next.every((f, i) => f === this.list[i])) return;
    this.list = next;
    for (const l of this.listeners) l();
  }
}

function toPaths(folders: readonly WorkspaceFolderRef[] | null | undefined): string[] {
  return (folders ?? []).map(f => normalize(uriToPath(f.uri))).filter(Boolean);
}
