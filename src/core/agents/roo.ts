// Roo Code (`rooveterinaryinc.roo-cline`, shut down 2026-05-15) and its fork Zoo Code
// (`zoocodeorganization.zoo-code`), both reported as agent `roo`: Cline-style task folders
// (clineTasks.ts) under globalStorage, or under the folder their `customStoragePath` setting names.
// Whether a row's `tokensIn` includes the cache changed with Roo 3.29.5 (PR #8954, 2025-11-01): from
// then on it does; before, Anthropic-protocol rows (and rows older than the `apiProtocol` field)
// excluded it while OpenAI-protocol rows already included it. The model is only in
// `api_conversation_history.json` (`<model>…</model>`).
import fs from 'node:fs';
import path from 'node:path';
import { MAX_SIDE_FILE_BYTES, readSmallFile } from './shared';
import type { AgentAdapter } from './adapter';
import { isTaskUiFile, parseUiMessages, taskActivity, TaskRules } from './clineTasks';
import type { Agent, AgentReader, UsageRecord } from './records';
import { childIgnoringCase, extensionStorageDirs, isVscodeUserDir, profileDirs } from './vscodeUserDirs';

export const ROO: Agent = 'roo' as unknown as Agent; // a plain string id once AgentId lands
export const ROO_EXTENSION_IDS = ['rooveterinaryinc.roo-cline', 'zoocodeorganization.zoo-code'] as const;
/** The settings sections whose `customStoragePath` moves the task folders. */
const STORAGE_SETTINGS = ['roo-cline.customStoragePath', 'zoo-code.customStoragePath'];

/** Roo 3.29.5's release day: rows from then on count the cache inside `tokensIn`. */
export const ROO_CACHE_INCLUSIVE_SINCE = Date.UTC(2025, 10, 1);

export const ROO_RULES: TaskRules = {
  agent: ROO,
  prefix: 'roo',
  tokensInIncludesCache: (info, ts) => ts >= ROO_CACHE_INCLUSIVE_SINCE || info.apiProtocol === 'openai',
};

/**
 * VS Code's settings.json is JSON with comments and trailing commas: both are removed (outside
 * strings) before parsing. Returns {} for a missing or unreadable file, or one that is not a regular file.
 */
export function readJsonc(file: string): Record<string, unknown> {
  const text = readSmallFile(file, MAX_SIDE_FILE_BYTES);
  if (text === null) return {};
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; out += '\n'; }
    else if (c === '/' && text[i + 1] === '*') { i = text.indexOf('*/', i + 2); if (i < 0) break; i++; }
    else out += c;
  }
  try {
    const v = JSON.parse(out.replace(/,(\s*[}\]])/g, '$1')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {};
  } catch { return {}; }
}

const settingsCache = new Map<string, { ino: number; size: number; mtimeMs: number; value: Record<string, unknown> }>();

/**
 * `readJsonc`, parsed again only when the file changes (one stat a call): the engine lists its log
 * folders on every poll, and the folders of Roo, Zoo, Kilo and Copilot's exporter depend on settings
 * files, one per VS Code profile. The object is shared: callers only read it. A file over `maxBytes`
 * gives {}.
 */
export function readJsoncCached(file: string, maxBytes = Infinity): Record<string, unknown> {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { settingsCache.delete(file); return {}; }
  if (st.size > maxBytes) return {}; // a caller's own bound: not read at all
  const known = settingsCache.get(file);
  if (known && known.ino === st.ino && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.value;
  const value = readJsonc(file);
  settingsCache.set(file, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, value });
  return value;
}

/** The folders `customStoragePath` names in a `<User>/settings.json` (and each profile's), for the given setting keys. */
export function customStoragePaths(userDir: string, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of profileDirs(userDir)) {
    const settings = readJsoncCached(path.join(dir, 'settings.json'));
    for (const k of keys) {
      const v = settings[k];
      const p = typeof v === 'string' && v.trim() && path.isAbsolute(v.trim()) ? path.resolve(v.trim()) : null;
      if (p && !out.includes(p)) out.push(p);
    }
  }
  return out;
}

/** Task folders under a `<User>` root (both extensions, default and custom storage), or under a root named directly. */
export function taskDirs(root: string, extensionIds: readonly string[], storageKeys: readonly string[]): string[] {
  if (!isVscodeUserDir(root)) {
    const t = childIgnoringCase(root, 'tasks');
    return [t ?? root];
  }
  const bases = [...extensionStorageDirs(root, extensionIds), ...customStoragePaths(root, storageKeys)];
  return [...new Set(bases.map(b => childIgnoringCase(b, 'tasks')).filter((d): d is string => d !== undefined))];
}

/**
 * Whether the requests a task's rewrite dropped were still billed: yes, unless the rewrite added a
 * deletion row that sums them. Roo deletes or edits a message without a checkpoint by rewinding the
 * task and saving it (src/core/webview/webviewMessageHandler.ts: `rewindToTimestamp`, then
 * `saveTaskMessages`), the dropped `api_req_started` rows gone with no trace; a checkpoint restore
 * rewinds too, and says `api_req_deleted` with the dropped rows' totals (src/core/checkpoints/index.ts).
 */
export function keepRewoundRequests(old: readonly UsageRecord[], now: readonly UsageRecord[]): boolean {
  const had = new Set(old.filter(r => r.aggregate).map(r => r.key));
  return !now.some(r => r.aggregate && !had.has(r.key) && DELETION_KEY.test(r.key));
}
const DELETION_KEY = /:(?:api_req_deleted|deleted_api_reqs):/;

export const rooReader: AgentReader = {
  agent: ROO,
  needles: [],
  lastWinsInFile: true,
  initState: () => null,
  line: () => 'ignored',
  isWholeFile: () => true,
  wholeFile: (text, file, emit) => parseUiMessages(text, file, emit, ROO_RULES),
  retainOnReread: keepRewoundRequests,
};

export const rooAdapter: AgentAdapter = {
  id: 'roo',
  displayName: 'Roo Code',
  logs: {
    // Roo and Zoo live in VS Code's folders (tokenomics.vscodeUserDirs, and their customStoragePath there)
    setting: 'rooDirs',
    cliFlag: 'roo-dir',
    settingDescription: "Roo Code and Zoo Code task storage folders (a `customStoragePath`, holding `tasks/`), searched besides the VS Code user-data folders of `tokenomics.vscodeUserDirs`, whose globalStorage and `customStoragePath` settings are always read. Empty by default.",
    defaultRoots: () => [],
    scanDirs: root => taskDirs(root, ROO_EXTENSION_IDS, STORAGE_SETTINGS),
    isLogFile: isTaskUiFile,
    vscodeUserDirs: true,
  },
  usage: rooReader,
  activity: taskActivity,
  instructionFiles: ['.roorules'],
  basis: 'exact',
};
