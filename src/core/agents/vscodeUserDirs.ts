// VS Code's user-data folders (`<User>`), where the agents that live inside the editor keep their
// logs: Copilot Chat's sessions (written by VS Code itself), and the globalStorage folders of Cline,
// Roo Code, Zoo Code and Kilo Code.
import fs from 'node:fs';
import path from 'node:path';
import { MAX_SIDE_FILE_BYTES, readSmallFile } from './shared';

/** The editor builds that share VS Code's layout, by their application folder name. */
export const VSCODE_VARIANTS = ['Code', 'Code - Insiders', 'VSCodium', 'VSCodium - Insiders', 'Code - OSS', 'Cursor', 'Windsurf'] as const;

/** Server installs (Remote-SSH, WSL, dev containers, tunnels) keep `<User>` in `~/<folder>/data/User`. */
const SERVER_FOLDERS = ['.vscode-server', '.vscode-server-insiders', '.vscodium-server', '.cursor-server', '.windsurf-server', '.vscode-remote'] as const;

/** What the engine knows about the editor it runs in. */
export interface HostInfo {
  /** The `<User>` folder of the VS Code running this extension (from its globalStorage path). */
  vscodeUserDir?: string;
}

/**
 * The `<User>` folder of the editor whose extension storage is `storagePath`
 * (`context.globalStorageUri`: `<User>/globalStorage/<publisher.name>`), or undefined when the path
 * does not have that shape (a test harness, a custom storage location).
 */
export function userDirFromGlobalStorage(storagePath: string | undefined): string | undefined {
  if (!storagePath) return undefined;
  const parent = path.dirname(path.resolve(storagePath));
  return path.basename(parent).toLowerCase() === 'globalstorage' ? path.dirname(parent) : undefined;
}

/**
 * The folders searched when the user names none: the running editor's own folder first, then every
 * variant's desktop folder for this platform, portable mode, server installs and code-server.
 */
export function defaultVscodeUserDirs(env: NodeJS.ProcessEnv, home: string, host: HostInfo = {}, platform: NodeJS.Platform = process.platform): string[] {
  const out: string[] = [];
  const add = (d: string | undefined) => { if (d && !out.includes(path.resolve(d))) out.push(path.resolve(d)); };
  add(host.vscodeUserDir);
  if (env.VSCODE_PORTABLE?.trim()) add(path.join(env.VSCODE_PORTABLE.trim(), 'user-data', 'User'));
  let appData: string;
  if (platform === 'darwin') appData = path.join(home, 'Library', 'Application Support');
  else if (platform === 'win32') appData = env.APPDATA?.trim() || path.join(home, 'AppData', 'Roaming');
  else appData = env.XDG_CONFIG_HOME?.trim() || path.join(home, '.config');
  for (const v of VSCODE_VARIANTS) add(path.join(appData, v, 'User'));
  for (const s of SERVER_FOLDERS) add(path.join(home, s, 'data', 'User'));
  add(path.join(env.XDG_DATA_HOME?.trim() || path.join(home, '.local', 'share'), 'code-server', 'User'));
  return out;
}

/**
 * The child of `dir` named `name`, compared case-insensitively: globalStorage folders use the
 * lower-cased extension id, workspaceStorage folders keep the publisher's casing
 * (`GitHub.copilot-chat`), and a case-sensitive file system holds whichever was written.
 */
export function childIgnoringCase(dir: string, name: string): string | undefined {
  const exact = path.join(dir, name);
  try { if (fs.statSync(exact).isDirectory()) return exact; } catch { /* try the listing */ }
  const want = name.toLowerCase();
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.toLowerCase() === want && (e.isDirectory() || e.isSymbolicLink())) return path.join(dir, e.name);
    }
  } catch { /* a missing folder holds nothing */ }
  return undefined;
}

/** True when `dir` looks like a `<User>` folder (it has globalStorage or workspaceStorage). */
export function isVscodeUserDir(dir: string): boolean {
  return childIgnoringCase(dir, 'globalStorage') !== undefined || childIgnoringCase(dir, 'workspaceStorage') !== undefined;
}

/** More profiles than this in one `<User>` folder are not looked into. */
const MAX_PROFILES = 64;

/**
 * The folders of `<User>` that hold a profile's own data: `<User>` itself (the default profile), then
 * each profile's `<User>/profiles/<id>` (VS Code userDataProfile.ts: a profile's location is under
 * `profilesHome`, `<User>/profiles`; its `globalStorageHome` is `joinPath(location, 'globalStorage')`
 * and its `settingsResource` `joinPath(location, 'settings.json')`). An extension used in a
 * non-default profile keeps its storage, and that profile its settings, there.
 */
export function profileDirs(userDir: string): string[] {
  const out = [userDir];
  const profiles = path.join(userDir, 'profiles'); // VS Code's own name for it, in this case everywhere
  try {
    const names = fs.readdirSync(profiles, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort();
    for (const n of names.slice(0, MAX_PROFILES)) out.push(path.join(profiles, n));
  } catch { /* an unreadable profiles folder holds nothing we can read */ }
  return out;
}

/** Each profile's `globalStorage` (profileDirs), the default profile's first. */
export function globalStorageDirs(userDir: string): string[] {
  return profileDirs(userDir).map(d => childIgnoringCase(d, 'globalStorage')).filter((d): d is string => d !== undefined);
}

/** `<User>/globalStorage/<extension id>` (and each profile's) for each id that exists under `userDir`, matched case-insensitively. */
export function extensionStorageDirs(userDir: string, extensionIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const global of globalStorageDirs(userDir)) {
    for (const id of extensionIds) {
      const d = childIgnoringCase(global, id);
      if (d && !out.includes(d)) out.push(d);
    }
  }
  return out;
}

/**
 * The folder a VS Code workspace storage (`workspaceStorage/<hash>`) belongs to, from its `workspace.json`
 * (`folder`, or a multi-root `workspace` file): a local path for a `file://` URI, the URI itself for a
 * remote one (still a name). Null for an empty window, or without a readable `workspace.json`.
 */
export function workspaceFolderOf(storageDir: string): string | null {
  try {
    const w = JSON.parse(readSmallFile(path.join(storageDir, 'workspace.json'), MAX_SIDE_FILE_BYTES) ?? '') as { folder?: unknown; workspace?: unknown };
    const uri = typeof w.folder === 'string' ? w.folder : typeof w.workspace === 'string' ? w.workspace : '';
    if (uri.startsWith('file://')) return decodeURIComponent(new URL(uri).pathname).replace(/^\/([A-Za-z]:)/, '$1');
    return uri || null;
  } catch { return null; }
}
