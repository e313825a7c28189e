// Where the agents keep their logs, as each adapter says, and how to walk them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentId } from './records';
import { ADAPTERS, adapterOf } from './index';
import { isCompressedLog } from './logSource';
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

/** A log file found by the walk, with the stat the walk made of it (the index need not stat it again). */
export interface FoundFile { path: string; agent: AgentId; stats?: fs.Stats }
export interface PathProblem { path: string; reason: string }

const inside = (p: string, dir: string): boolean => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
const realOrNull = (p: string): string | null => { try { return fs.realpathSync(p); } catch { return null; } };

/**
 * Every log file under the roots, each once however many links lead to it (files and folders are
 * known by device and inode). A link is followed only when its target stays inside one of the log
 * folders (the roots themselves may be links); others are reported and skipped, so a link to `/` or a
 * loop ends the walk instead of freezing it. Only regular files are listed: a FIFO is never opened.
 * Unreadable folders are reported, not fatal; missing roots are simply empty.
 */
export function findLogFiles(roots: readonly AgentRoot[]): { files: FoundFile[]; problems: PathProblem[] } {
  const files: FoundFile[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  type IsLogFile = (name: string, fullPath: string) => boolean;
  const walks: { dir: string; agent: AgentId; isLogFile: IsLogFile; prune?: IsLogFile }[] = [];
  for (const root of roots) {
    const logs = adapterOf(root.agent).logs;
    for (const d of logs.scanDirs(root.dir)) walks.push({ dir: d, agent: root.agent, isLogFile: logs.isLogFile, prune: logs.prune?.bind(logs) });
  }
  // where links may lead: the real paths of the folders walked and of the roots they are in
  const allowed = [...new Set([...roots.map(r => r.dir), ...walks.map(w => w.dir)].map(realOrNull).filter((x): x is string => x !== null))];
  const walk = (dir: string, agent: AgentId, isLogFile: IsLogFile, prune: IsLogFile | undefined, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push({ path: dir, reason: code ?? String(e) });
      return;
    }
    let names: Set<string> | undefined;
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (!e.isDirectory() && !e.isFile() && !e.isSymbolicLink()) continue; // sockets, FIFOs, devices
      if (e.isFile() && !isLogFile(e.name, p)) continue; // most files are not logs: no stat for them
      let st: fs.Stats;
      try {
        if (e.isSymbolicLink()) {
          const real = realOrNull(p);
          if (real === null) continue; // a dangling link
          if (!allowed.some(a => inside(real, a))) { problems.push({ path: p, reason: 'link leads outside the log folders; skipped' }); continue; }
        }
        st = fs.statSync(p);
      } catch { continue; }
      const id = `${st.dev}:${st.ino}`;
      if (st.isDirectory()) {
        // folders an adapter never needs (OpenCode's storage/part: a file per message part) are not walked
        if (seen.has(id) || depth >= 12 || prune?.(e.name, p)) continue;
        seen.add(id);
        walk(p, agent, isLogFile, prune, depth + 1);
      } else if (st.isFile() && isLogFile(e.name, p) && !seen.has(id)) {
        // Codex's rule (codex-rs/rollout/src/compression.rs): while both exist, the plain log wins over its compressed twin
        if (isCompressedLog(p) && (names ??= new Set(entries.map(x => x.name))).has(e.name.slice(0, -4))) continue;
        seen.add(id);
        files.push({ path: p, agent, stats: st });
      }
    }
  };
  for (const w of walks) {
    let st: fs.Stats;
    try { st = fs.statSync(w.dir); } catch { continue; }
    const id = `${st.dev}:${st.ino}`;
    if (!st.isDirectory() || seen.has(id)) continue;
    seen.add(id);
    walk(w.dir, w.agent, w.isLogFile, w.prune, 0);
  }
  return { files, problems };
}
