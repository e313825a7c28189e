// Where the agents keep their logs, as each adapter says, and how to walk them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentId } from './records';
import { ADAPTERS, adapterOf } from './index';
import { isCompressedLog } from './logSource';
import { decodeName, fsPath, mayBeLossy } from './fileNames';
import { defaultVscodeUserDirs, HostInfo } from './vscodeUserDirs';

/** The setting (and, through its adapter, the CLI flag) that names VS Code's user-data folders for every agent living there. */
const VSCODE_USER_DIRS = 'vscodeUserDirs';

/** A folder to scan for one agent's logs. `explicit` folders were named by the user. */
export interface AgentRoot { agent: AgentId; dir: string; explicit: boolean }

/** Folder lists by an adapter's `logs.setting` (`claudeDirs`), from the settings or the CLI's flags. */
export type RootOverrides = Readonly<Record<string, readonly string[] | undefined>>;

/** A folder or file from a setting, `~` expanded, made absolute. */
export function expand(dir: string, home: string): string {
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
    // log files named one by one (Copilot's OTel file exporter): added to the folders, never replacing them
    if (a.logs.files) {
      add(a.id, overrides[a.logs.files.setting] ?? [], true);
      const fromEnv = a.logs.files.envVar ? env[a.logs.files.envVar] : undefined;
      if (fromEnv && path.isAbsolute(fromEnv.trim())) add(a.id, [fromEnv], false);
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
// as bytes: a real path through a folder whose name is not UTF-8 must still name that folder (fileNames.ts)
const realOrNull = (p: string): string | null => { try { return decodeName(fs.realpathSync(fsPath(p), { encoding: 'buffer' })); } catch { return null; } };
const statOf = (p: string): fs.Stats => fs.statSync(fsPath(p));

/**
 * What a walk learned of each folder, for the next walk: a folder whose modification time (and inode
 * and change time) is the same has the same entries, so it is not listed again and its log files are
 * not stat-ed (whether they grew is the watchers' and the full sweep's business, see server/usage.ts).
 */
export class WalkCache {
  readonly dirs = new Map<string, DirListing>();
  /** The folders the last walk started from, and which of them existed. */
  starts = '';

  /**
   * True when a walk now would list nothing new: the same start folders, each folder listed last time
   * as it was (a stat each). Costs one stat per folder, none per file.
   */
  unchanged(roots: readonly AgentRoot[]): boolean {
    if (startsOf(roots) !== this.starts) return false;
    for (const [dir, d] of this.dirs) {
      let st: fs.Stats;
      try { st = statOf(dir); } catch { return false; }
      if (st.dev !== d.dev || st.ino !== d.ino || st.mtimeMs !== d.mtimeMs || st.ctimeMs !== d.ctimeMs) return false;
    }
    return true;
  }
}
const startsOf = (roots: readonly AgentRoot[]): string =>
  roots.flatMap(r => adapterOf(r.agent).logs.scanDirs(r.dir).map(d => `${r.agent}\0${d}\0${presence(d)}`)).join('\0');
/** 0 when missing, 1 for a folder (its listing is checked apart), a file's size and time (a file root has no listing). */
function presence(p: string): string {
  let st: fs.Stats;
  try { st = statOf(p); } catch { return '0'; }
  return st.isFile() ? `${st.ino}:${st.size}:${st.mtimeMs}` : '1';
}
interface DirListing {
  dev: number; ino: number; mtimeMs: number; ctimeMs: number;
  /** Log files (with their device:inode) and sub-folders, in the order the listing met them. */
  entries: ({ file: string; id: string } | { dir: string })[];
  problems: PathProblem[];
}
/**
 * Folder times come from a coarse clock: an entry added within the same tick as the listing leaves
 * the time as it was. A listing is trusted again only when the folder had not changed for this long
 * before it (any later entry then moves the time past the one kept).
 */
const RACY_MS = 2000;

/** What a walk found: the log files, and the paths it could not read or would not follow. */
export interface Walked { files: FoundFile[]; problems: PathProblem[] }

/** How many entries a walk lists or stats before it lets its caller give the event loop back. */
const ENTRIES_PER_STEP = 256;

/**
 * Every log file under the roots, each once however many links lead to it (files and folders are
 * known by device and inode). A link is followed only when its target stays inside one of the log
 * folders (the roots themselves may be links); others are reported and skipped, so a link to `/` or a
 * loop ends the walk instead of freezing it. Only regular files are listed: a FIFO is never opened.
 * Unreadable folders and files are reported, not fatal; missing roots are simply empty. A name that is
 * not UTF-8 is read as bytes (fileNames.ts) and walked like any other. With a `cache`, folders
 * unchanged since the last walk are not listed again (their files come without `stats`); `relist`
 * lists every folder anyway and refills the cache.
 */
export function findLogFiles(roots: readonly AgentRoot[], cache?: WalkCache, relist = false): Walked {
  const steps = walkLogFiles(roots, cache, relist);
  for (;;) { const r = steps.next(); if (r.done) return r.value; }
}

/** `findLogFiles` in steps: it yields every ENTRIES_PER_STEP entries, so an engine can answer requests mid-walk. */
export function* walkLogFiles(roots: readonly AgentRoot[], cache?: WalkCache, relist = false): Generator<void, Walked, void> {
  const files: FoundFile[] = [];
  const problems: PathProblem[] = [];
  const seen = new Set<string>();
  type IsLogFile = (name: string, fullPath: string) => boolean;
  const walks: { dir: string; agent: AgentId; isLogFile: IsLogFile; prune?: IsLogFile }[] = [];
  for (const root of roots) {
    const logs = adapterOf(root.agent).logs;
    for (const d of logs.scanDirs(root.dir)) walks.push({ dir: d, agent: root.agent, isLogFile: logs.isLogFile, prune: logs.prune?.bind(logs) });
  }
  const listed = new Set<string>();
  const now = Date.now();
  if (cache) cache.starts = startsOf(roots);
  // where links may lead: the real paths of the folders walked and of the roots they are in
  let allowedList: string[] | undefined;
  const allowed = () => (allowedList ??= [...new Set([...roots.map(r => r.dir), ...walks.map(w => w.dir)].map(realOrNull).filter((x): x is string => x !== null))]);
  let budget = ENTRIES_PER_STEP;
  // a stat that fails for another reason than the file having just gone is said, never a silent loss
  const statFailed = (p: string, e: unknown, say: (p: PathProblem) => void) => {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') say({ path: p, reason: code ?? String(e) });
  };
  const walk = function* (dir: string, dst: fs.Stats, agent: AgentId, isLogFile: IsLogFile, prune: IsLogFile | undefined, depth: number): Generator<void, void, void> {
    listed.add(dir);
    const known = relist ? undefined : cache?.dirs.get(dir);
    if (known && known.dev === dst.dev && known.ino === dst.ino && known.mtimeMs === dst.mtimeMs && known.ctimeMs === dst.ctimeMs) {
      problems.push(...known.problems);
      for (const x of known.entries) {
        if ('file' in x) {
          if (!seen.has(x.id)) { seen.add(x.id); files.push({ path: x.file, agent }); }
          continue;
        }
        const d = x.dir;
        let st: fs.Stats;
        try { st = statOf(d); } catch { continue; }
        const id = `${st.dev}:${st.ino}`;
        if (!st.isDirectory() || seen.has(id) || depth >= 12) continue;
        seen.add(id);
        yield* walk(d, st, agent, isLogFile, prune, depth + 1);
      }
      return;
    }
    const listing: DirListing = { dev: dst.dev, ino: dst.ino, mtimeMs: dst.mtimeMs, ctimeMs: dst.ctimeMs, entries: [], problems: [] };
    const problem = (p: PathProblem) => { problems.push(p); listing.problems.push(p); };
    let entries: { name: string; dirent: fs.Dirent }[];
    try { entries = listDir(dir); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push({ path: dir, reason: code ?? String(e) });
      cache?.dirs.delete(dir);
      return;
    }
    let names: Set<string> | undefined;
    // `dir` is already normal (joined from a resolved root): a name is appended, not re-normalised per file
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    for (const { name, dirent: e } of entries) {
      if (--budget <= 0) { budget = ENTRIES_PER_STEP; yield; }
      const p = prefix + name;
      if (!e.isDirectory() && !e.isFile() && !e.isSymbolicLink()) continue; // sockets, FIFOs, devices
      if (e.isFile() && !isLogFile(name, p)) continue; // most files are not logs: no stat for them
      let st: fs.Stats;
      try {
        if (e.isSymbolicLink()) {
          const real = realOrNull(p);
          if (real === null) continue; // a dangling link
          if (!allowed().some(a => inside(real, a))) { problem({ path: p, reason: 'link leads outside the log folders; skipped' }); continue; }
        }
        st = statOf(p);
      } catch (err) { statFailed(p, err, problem); continue; }
      const id = `${st.dev}:${st.ino}`;
      if (st.isDirectory()) {
        // folders an adapter never needs (OpenCode's storage/part: a file per message part) are not walked
        if (prune?.(name, p)) continue;
        listing.entries.push({ dir: p });
        if (seen.has(id) || depth >= 12) continue;
        seen.add(id);
        yield* walk(p, st, agent, isLogFile, prune, depth + 1);
      } else if (st.isFile() && isLogFile(name, p)) {
        // Codex's rule (codex-rs/rollout/src/compression.rs): while both exist, the plain log wins over its compressed twin
        if (isCompressedLog(p) && (names ??= new Set(entries.map(x => x.name))).has(name.slice(0, -4))) continue;
        listing.entries.push({ file: p, id });
        if (seen.has(id)) continue;
        seen.add(id);
        files.push({ path: p, agent, stats: st });
      }
    }
    // a listing made while the folder was changing may miss what the same clock tick added: not kept
    if (cache) { if (now - dst.mtimeMs > RACY_MS) cache.dirs.set(dir, listing); else cache.dirs.delete(dir); }
  };
  for (const w of walks) {
    let st: fs.Stats;
    try { st = statOf(w.dir); } catch { continue; }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) continue;
    // a log file named by itself (LogLocation.files): only a regular file, whatever its name
    if (st.isFile()) { seen.add(id); files.push({ path: w.dir, agent: w.agent, stats: st }); continue; }
    if (!st.isDirectory()) continue;
    seen.add(id);
    yield* walk(w.dir, st, w.agent, w.isLogFile, w.prune, 0);
  }
  // folders gone or no longer reached: forgotten, so the cache never outgrows the tree
  if (cache) for (const d of cache.dirs.keys()) if (!listed.has(d)) cache.dirs.delete(d);
  return { files, problems };
}

/**
 * A folder's entries with their names. Listed as text (the fast path); a name readdir had to decode
 * lossily (U+FFFD) is taken again from a listing as bytes, so the name still opens the file.
 */
function listDir(dir: string): { name: string; dirent: fs.Dirent }[] {
  const entries = fs.readdirSync(fsPath(dir), { withFileTypes: true });
  if (!entries.some(e => mayBeLossy(e.name))) return entries.map(dirent => ({ name: dirent.name, dirent }));
  return fs.readdirSync(fsPath(dir), { withFileTypes: true, encoding: 'buffer' })
    .map(dirent => ({ name: decodeName(dirent.name as unknown as Buffer), dirent: dirent as unknown as fs.Dirent }));
}
