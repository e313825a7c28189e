// Where each agent keeps its logs, as the agents themselves decide it, and how to walk them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCompressedLog } from './logSource';
import type { Agent } from './records';

/** A folder to scan for one agent's logs. `explicit` folders were named by the user. */
export interface AgentRoot { agent: Agent; dir: string; explicit: boolean }

export interface RootOverrides {
  claudeDirs?: readonly string[];
  codexDirs?: readonly string[];
  geminiDirs?: readonly string[];
}

function expand(dir: string, home: string): string {
  const d = dir.trim();
  return path.resolve(d === '~' ? home : d.startsWith('~/') ? path.join(home, d.slice(2)) : d);
}

/**
 * The folders to scan. An override list for an agent replaces that agent's defaults (settings
 * `tokenomics.claudeDirs` etc., CLI `--claude-dir`); otherwise the agents' own rules apply:
 * CLAUDE_CONFIG_DIR (comma-separated) else ~/.config/claude and ~/.claude; CODEX_HOME else ~/.codex;
 * ~/.gemini, where GEMINI_CLI_HOME replaces the home folder (google-gemini/gemini-cli
 * packages/core/src/utils/paths.ts `homedir()`).
 */
export function agentRoots(env: NodeJS.ProcessEnv = process.env, overrides: RootOverrides = {}): AgentRoot[] {
  const home = env.HOME || env.USERPROFILE || os.homedir();
  const roots: AgentRoot[] = [];
  const add = (agent: Agent, dirs: readonly string[], explicit: boolean) => {
    for (const d of dirs) {
      if (!d.trim()) continue;
      const dir = expand(d, home);
      if (!roots.some(r => r.agent === agent && r.dir === dir)) roots.push({ agent, dir, explicit });
    }
  };
  if (overrides.claudeDirs?.length) add('claude-code', overrides.claudeDirs, true);
  else if (env.CLAUDE_CONFIG_DIR?.trim()) add('claude-code', env.CLAUDE_CONFIG_DIR.split(','), false);
  else add('claude-code', [path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'claude'), path.join(home, '.claude')], false);
  if (overrides.codexDirs?.length) add('codex', overrides.codexDirs, true);
  else add('codex', [env.CODEX_HOME?.trim() || path.join(home, '.codex')], false);
  if (overrides.geminiDirs?.length) add('gemini', overrides.geminiDirs, true);
  else add('gemini', [path.join(env.GEMINI_CLI_HOME?.trim() || home, '.gemini')], false);
  return roots;
}

const isDir = (p: string): boolean => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };

/**
 * The folders actually walked for a root. A root may name the agent's home (~/.claude, ~/.codex,
 * ~/.gemini) or the log folder itself (projects/, sessions/, tmp/).
 */
export function scanDirs(root: AgentRoot): string[] {
  const d = root.dir;
  switch (root.agent) {
    case 'claude-code': return [isDir(path.join(d, 'projects')) ? path.join(d, 'projects') : d];
    case 'codex': {
      const subs = ['sessions', 'archived_sessions'].map(s => path.join(d, s)).filter(isDir);
      return subs.length ? subs : [d];
    }
    case 'gemini': return [isDir(path.join(d, 'tmp')) ? path.join(d, 'tmp') : d];
  }
}

export function isLogFile(agent: Agent, name: string, fullPath = name): boolean {
  if (agent === 'gemini') {
    // main sessions: chats/session-*.json(l); sub-agents: chats/<parentSessionId>/<id>.jsonl
    // (gemini-cli packages/core/src/services/chatRecordingService.ts); logs/session-*.jsonl holds no usage
    const parent = path.basename(path.dirname(fullPath));
    if (name.startsWith('session-') && (name.endsWith('.json') || name.endsWith('.jsonl'))) return parent !== 'logs';
    return name.endsWith('.jsonl') && path.basename(path.dirname(path.dirname(fullPath))) === 'chats';
  }
  if (agent === 'codex') return name.endsWith('.jsonl') || name.endsWith('.jsonl.zst');
  return name.endsWith('.jsonl');
}

export interface FoundFile { path: string; agent: Agent }
export interface PathProblem { path: string; reason: string }

/** Every log file under the roots; unreadable folders are reported, not fatal. Missing roots are simply empty. */
export function findLogFiles(roots: readonly AgentRoot[]): { files: FoundFile[]; problems: PathProblem[] } {
  const files: FoundFile[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, agent: Agent, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push({ path: dir, reason: code ?? String(e) });
      return;
    }
    let names: Set<string> | undefined;
    for (const e of entries) {
      const p = path.join(dir, e.name);
      let kind: 'dir' | 'file' | null = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : null;
      if (e.isSymbolicLink()) { try { const s = fs.statSync(p); kind = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null; } catch { kind = null; } }
      if (kind === 'dir' && depth < 12) walk(p, agent, depth + 1);
      else if (kind === 'file' && isLogFile(agent, e.name, p) && !seen.has(p)) {
        // Codex's rule: while both exist, the plain rollout wins over its compressed twin
        if (isCompressedLog(p) && (names ??= new Set(entries.map(x => x.name))).has(e.name.slice(0, -4))) continue;
        seen.add(p); files.push({ path: p, agent });
      }
    }
  };
  for (const root of roots) for (const d of scanDirs(root)) walk(d, root.agent, 0);
  return { files, problems };
}
