// What `report` and `week` share: the agent-log folder flags, the cached usage index, and the messages
// about folders that are missing or hold no logs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ADAPTERS } from '../core/agents/index';
import { AgentRoot, agentRoots, scanDirs } from '../core/agents/locations';
import { shownPath } from '../core/agents/fileNames';
import { defaultTimeZone, isValidTimeZone } from '../core/time';
import { RefreshResult, SKIP_TEXT, UsageIndex, atLines } from '../core/usage/usageIndex';
import { prestartWorker } from '../core/usage/scanPool';
import { cacheDir } from '../core/cacheDir';
import { CliIO, FlagKind, UsageError } from './io';

/** One repeatable folder flag per agent (`--claude-dir`), from its adapter, and `--no-cache`. */
export const FOLDER_FLAGS: Readonly<Record<string, FlagKind>> = {
  ...Object.fromEntries(ADAPTERS.map(a => [a.logs.cliFlag, 'multi' as const])),
  ...Object.fromEntries(ADAPTERS.flatMap(a => a.logs.files ? [[a.logs.files.cliFlag, 'multi' as const]] : [])),
  'no-cache': 'bool',
};

/** The folder flags as the help shows them: `[--claude-dir DIR]... [--codex-dir DIR]... [--no-cache]`. */
export const FOLDER_USAGE = `${ADAPTERS.map(a => `[--${a.logs.cliFlag} DIR]...${a.logs.files ? ` [--${a.logs.files.cliFlag} FILE]...` : ''}`).join(' ')} [--no-cache]`;

/** The folder options for the help: each agent's flag and where its logs are looked for without it. */
export function folderOptions(): [string, string][] {
  return [...ADAPTERS.map((a): [string, string] => {
    const env = a.logs.envVars?.length ? `$${a.logs.envVars.join(', $')}, else ` : '';
    return [`--${a.logs.cliFlag} DIR`, `${a.displayName} logs, repeatable (default: ${env}${a.logs.defaultRoots({}, '~').join(', ')})`];
  }), ...ADAPTERS.flatMap((a): [string, string][] => a.logs.files ? [[`--${a.logs.files.cliFlag} FILE`,
    `${a.displayName} log file, repeatable, besides its folders${a.logs.files.envVar ? ` (and $${a.logs.files.envVar})` : ''}`]] : []),
  ['--no-cache', 'neither read nor write the cached usage index']];
}

/** One index per set of folders, so reports over different folders never evict each other. */
export function indexFile(env: NodeJS.ProcessEnv, roots: readonly AgentRoot[]): string {
  const id = crypto.createHash('sha256').update(JSON.stringify(roots.map(r => [r.agent, r.dir]))).digest('hex').slice(0, 16);
  return path.join(cacheDir(env), `usage-index-${id}.bin`);
}

/** --timezone, else $TZ or the system's; an unknown zone is a usage error. */
export function timezoneFlag(flags: Record<string, string | string[] | boolean>, io: CliIO): string {
  const timezone = (flags.timezone as string | undefined) ?? defaultTimeZone(io.env);
  if (!isValidTimeZone(timezone)) throw new UsageError(`unknown time zone '${timezone}' (use an IANA name such as Europe/Berlin)`);
  return timezone;
}

export interface OpenedIndex { roots: AgentRoot[]; index: UsageIndex; refreshed: RefreshResult; cacheFile: string | null }

/**
 * Folders from the flags (else the agents' own defaults), checked, indexed and refreshed. A folder
 * named on the command line that does not exist is a usage error; unreadable logs are reported and
 * skipped.
 */
export async function openUsageIndex(command: string, flags: Record<string, string | string[] | boolean>, io: CliIO): Promise<OpenedIndex> {
  const dirs = (name: string) => ((flags[name] as string[] | undefined) ?? []).map(d => path.resolve(io.cwd, d));
  const files = Object.fromEntries(ADAPTERS.flatMap(a => a.logs.files ? [[a.logs.files.setting, dirs(a.logs.files.cliFlag)]] : []));
  const named = new Set(Object.values(files).flat());
  const roots = agentRoots(io.env, { ...Object.fromEntries(ADAPTERS.map(a => [a.logs.setting, dirs(a.logs.cliFlag)])), ...files });
  for (const r of roots) {
    if (!r.explicit) continue;
    const file = named.has(r.dir);
    let ok = false;
    try { const st = fs.statSync(r.dir); ok = file ? st.isFile() : st.isDirectory(); } catch { /* reported below */ }
    if (!ok) throw new UsageError(`no such ${file ? 'file' : 'folder'}: ${r.dir}`);
  }
  const cacheFile = flags['no-cache'] ? null : indexFile(io.env, roots);
  if (cacheFile && !fs.existsSync(cacheFile)) prestartWorker(); // no index yet: a cold scan comes after the walk
  const index = new UsageIndex({ roots, cacheFile, workers: true });
  const refreshed = await index.refresh();
  if (refreshed.cache === 'corrupt' || refreshed.cache === 'other-version') {
    io.stderr(`tokenomics ${command}: the usage index ${cacheFile} was ${refreshed.cache === 'corrupt' ? 'corrupt' : 'written by another version'}; rebuilt from the logs on disk (the history of logs the agents deleted is lost)\n`);
  }
  for (const p of index.problems) io.stderr(`tokenomics ${command}: skipped ${shownPath(p.path)}: ${p.reason}\n`);
  for (const m of index.malformedFiles()) io.stderr(`tokenomics ${command}: skipped ${m.lines} malformed line${m.lines === 1 ? '' : 's'} in ${shownPath(m.path)}\n${m.at.length ? `  at${atLines(m.at, m.lines)}\n` : ''}`);
  for (const s of index.skippedFiles()) io.stderr(`tokenomics ${command}: skipped ${s.count} ${SKIP_TEXT[s.reason]![s.count === 1 ? 0 : 1]} in ${shownPath(s.path)}${atLines(s.at, s.count)}\n`);
  if (refreshed.stats.files === 0) {
    const looked = roots.flatMap(r => scanDirs(r).map(d => `  ${r.agent}: ${d}`));
    io.stderr(`tokenomics ${command}: no agent logs found; looked in:\n${looked.join('\n')}\n`);
  }
  return { roots, index, refreshed, cacheFile };
}

/** The transcript leak facts beside the usage index (`leaks-<id>.json`), or null without a cache. */
export function leakFactsFile(indexFile: string | null): string | null {
  return indexFile ? indexFile.replace(/usage-index-([0-9a-f]+)\.bin$/, 'leaks-$1.json') : null;
}
