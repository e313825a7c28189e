// Where the agents keep their logs, as each adapter says, and how to walk them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentId } from './records';
import { ADAPTERS, adapterOf } from './index';
import { defaultVscodeUserDirs, HostInfo } from './vscodeUserDirs';

/** The setting (and, through its adapter, the CLI flag) that names VS Code's user-data folders for every agent living there. */
const VSCODE_USER_DIRS = 'vscodeUserDirs';

/** A folder to scan for one agent's logs. `explicit` folders were named by the user. */
export interface AgentRoot { agent: AgentId; dir: string; explicit: boolean }

/** Folder lists by an adapter's `logs.setting` (`claudeDirs`), from the settings or the CLI's flags. */
export type RootOverrides = Readonly<Record<string, readonly string[] | undefined>>;

function expand(dir: string, home: string): string {
  const d = dir.trim();
  return path.resolve(d === '~' ? home : d.startsWith('~/') ? path.join(home, d.slice(2)) : d);
}

/**
 * The folders to scan, agent by agent in the adapters' order. An override list for an agent replaces
 * that agent's defaults (setting `tokenomics.<logs.setting>`, CLI `--<logs.cliFlag>`); otherwise the
 * adapter's own rules apply (its env vars, else its default folders).
 */
export function agentRoots(env: NodeJS.ProcessEnv = process.env, overrides: RootOverrides = {}, host: HostInfo = {}): AgentRoot[] {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const roots: AgentRoot[] = [];
  const add = (agent: AgentId, dirs: readonly string[], explicit: boolean) => {
    for (const d of dirs) {
      if (!d.trim()) continue;
      const dir = expand(d, home);
      if (!roots.some(r => r.agent === agent && r.dir === dir)) roots.push({ agent, dir, explicit });
    }
  };
  const userDirs = overrides[VSCODE_USER_DIRS];
  for (const a of ADAPTERS) {
    const named = overrides[a.logs.setting];
    if (named?.length) add(a.id, named, true);
    else add(a.id, a.logs.defaultRoots(env, home, host), false);
    // the agents living in VS Code also read its user-data folders (the agent that owns the setting already has them)
    if (a.logs.vscodeUserDirs && a.logs.setting !== VSCODE_USER_DIRS) {
      if (userDirs?.length) add(a.id, userDirs, true);
      else add(a.id, defaultVscodeUserDirs(env, home, host), false);
    }
  }
  return roots;
}

/** The folders actually walked for a root: a root may name the agent's home or its log folder itself. */
export function scanDirs(root: AgentRoot): string[] {
  return adapterOf(root.agent).logs.scanDirs(root.dir);
}

export interface FoundFile { path: string; agent: AgentId }
export interface PathProblem { path: string; reason: string }

/** Every log file under the roots; unreadable folders are reported, not fatal. Missing roots are simply empty. */
export function findLogFiles(roots: readonly AgentRoot[]): { files: FoundFile[]; problems: PathProblem[] } {
  const files: FoundFile[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, agent: AgentId, logs: { isLogFile(name: string, fullPath: string): boolean; prune?(name: string, fullPath: string): boolean }, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push({ path: dir, reason: code ?? String(e) });
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      let kind: 'dir' | 'file' | null = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : null;
      if (e.isSymbolicLink()) { try { const s = fs.statSync(p); kind = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null; } catch { kind = null; } }
      if (kind === 'dir' && depth < 12) { if (!logs.prune?.(e.name, p)) walk(p, agent, logs, depth + 1); }
      else if (kind === 'file' && logs.isLogFile(e.name, p) && !seen.has(p)) { seen.add(p); files.push({ path: p, agent }); }
    }
  };
  for (const root of roots) {
    const logs = adapterOf(root.agent).logs;
    for (const d of logs.scanDirs(root.dir)) walk(d, root.agent, logs, 0);
  }
  return { files, problems };
}
