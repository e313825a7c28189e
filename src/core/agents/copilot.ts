// GitHub Copilot Chat in VS Code. Five sources, in the order they are trusted:
//  - the OTel trace store `<User>/globalStorage/github.copilot-chat/agent-traces.db` (opt-in,
//    setting `github.copilot.chat.otel.dbSpanExporter.enabled`): one `spans` row per model call,
//    exact (vscode-copilot-chat src/platform/otel/node/sqlite/otelSqliteStore.ts);
//  - the OTel file exporter's file, wherever `github.copilot.chat.otel.outfile` points (copilotOtelFile.ts):
//    the same spans as the trace store, when the SDK manages to write them;
//  - the debug log `workspaceStorage/<hash>/GitHub.copilot-chat/debug-logs/<id>/*.jsonl`: the same
//    calls under the same span ids, exact, without cache writes (copilotDebugLog.ts);
//  - VS Code's session journal `workspaceStorage/<hash>/chatSessions/<id>.jsonl` (see
//    copilotJournal.ts), and the empty-window copies in globalStorage: a request's
//    `result.metadata.promptTokens` / `outputTokens` describe its last model round only, so the
//    journal is a lower bound;
//  - legacy whole-file `<id>.json` sessions (VS Code < 1.109), never deleted: a `.jsonl` beside one wins.
// The exact sources win for every session they cover: the index drops a session's lower-bound records
// when exact records of the same session exist (see the `basis` rule in records.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { AgentAdapter } from './adapter';
import { JournalState, ProjectedRequest, applyEntry, initialState, projectRequest, skippable } from './copilotJournal';
import type { Agent, AgentReader, LineOutcome, UsageRecord } from './records';
import { pagedRows, SqliteDb } from './sqlite';
import { copilotModelInfo } from './copilotPrices';
import { childIgnoringCase, defaultVscodeUserDirs, globalStorageDirs, workspaceFolderOf } from './vscodeUserDirs';
import { copilotActivity } from './copilotActivity';
import { DEBUG_LOGS_DIR, DebugLogState, debugLogLine, debugLogState, isDebugLogFile } from './copilotDebugLog';
import { OTEL_OUTFILE_ENV, OTEL_OUTFILE_SETTING, OtelFileState, otelFileLine, otelOutfiles } from './copilotOtelFile';

export const COPILOT: Agent = 'copilot' as unknown as Agent; // a plain string id once AgentId lands
const EXTENSION_ID = 'github.copilot-chat';
export const TRACES_DB = 'agent-traces.db';
export { COPILOT_TRACE_SETTING } from './copilotTraceSetting';

const SESSION_DIRS = new Set(['chatsessions', 'emptywindowchatsessions', 'transferredchatsessions']);
const NO_FOLDER = '(no folder)';

export interface CopilotState extends JournalState {
  project: string;
}

/** The workspace folder of `workspaceStorage/<hash>/chatSessions/x.jsonl`, from `<hash>/workspace.json`. */
export function projectOf(file: string): string {
  const dir = path.dirname(path.dirname(file));
  return workspaceFolderOf(dir) ?? NO_FOLDER;
}

/**
 * One request, once: a fork copies requests with new ids but the same result, and so the same
 * `modelMessageId`; copies of a session (empty window into a workspace, transfers) keep both ids.
 */
export function requestKey(session: string, p: ProjectedRequest): string {
  return p[5] ? `p:m:${p[5]}` : `p:${session}:${p[0]}`;
}

function recordOf(state: { session: string; created: number; project: string }, p: ProjectedRequest | null | undefined, file: string, rank: number): UsageRecord | null {
  if (!p || p[3] + p[4] === 0 || !p[0] && !p[5]) return null;
  return {
    agent: COPILOT, sessionId: state.session, project: state.project, model: p[2] || 'unknown',
    timestamp: p[1] || state.created,
    // the whole prompt of the last round, with no cache split: never invent one
    usage: { input: p[3], output: p[4], cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
    contextTokens: p[3], file, key: requestKey(state.session, p), rank, basis: 'lower-bound',
  };
}

const isSessionFile = (full: string): boolean => SESSION_DIRS.has(path.basename(path.dirname(full)).toLowerCase());

/** Legacy `<id>.json`: superseded by `<id>.jsonl` in the same folder, which VS Code writes from 1.109 on. */
function legacySuperseded(full: string): boolean {
  try { return fs.statSync(`${full}l`).isFile(); } catch { return false; }
}

export function isCopilotLogFile(name: string, full: string): boolean {
  if (name === TRACES_DB) return path.basename(path.dirname(full)).toLowerCase() === EXTENSION_ID;
  if (isDebugLogFile(name, full)) return true;
  if (!isSessionFile(full)) return false;
  if (name.endsWith('.jsonl')) return true;
  return name.endsWith('.json') && !legacySuperseded(full);
}

/** Copies rank after the workspace's own file: empty-window originals and transfers lose a tie. */
function rankOf(file: string): number {
  return path.basename(path.dirname(file)).toLowerCase() === 'chatsessions' ? 0 : 1;
}

/** Parses one journal line into the state; emits every request whose usage it changed. */
export function copilotJournalLine(state: CopilotState, text: string, _offset: number, file: string, emit: (r: UsageRecord) => void): LineOutcome {
  if (skippable(text)) return 'ignored';
  let entry: unknown;
  try { entry = JSON.parse(text); } catch { return 'malformed'; }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'malformed';
  const changed = applyEntry(state, entry as Record<string, unknown>);
  let n = 0;
  for (const i of changed) {
    const r = recordOf(state, state.requests[i], file, rankOf(file));
    if (r) { emit(r); n++; }
  }
  return n ? 'record' : 'ignored';
}

/** A legacy whole-file session: `{version, sessionId, creationDate, requests: [...]}`. */
export function copilotLegacyFile(text: string, file: string, emit: (r: UsageRecord) => void): { malformed: number } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { malformed: 1 }; }
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { requests?: unknown }).requests)) return { malformed: 1 };
  const o = raw as { sessionId?: unknown; creationDate?: unknown; requests: unknown[] };
  const state = {
    session: typeof o.sessionId === 'string' && o.sessionId ? o.sessionId : path.basename(file, '.json'),
    created: typeof o.creationDate === 'number' ? o.creationDate : 0,
    project: projectOf(file),
  };
  for (const req of o.requests) {
    const r = recordOf(state, projectRequest(req), file, rankOf(file) + 1);
    if (r) emit(r);
  }
  return { malformed: 0 };
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : typeof v === 'bigint' && v > 0n ? Number(v) : 0);

/**
 * The trace store: `chat` spans only (an `invoke_agent` span carries the sum of its rounds).
 * `input_tokens` includes cache, `cached_tokens` is cache reads, cache writes are only in the
 * `gen_ai.usage.cache_creation.input_tokens` attribute of newer builds; `output_tokens` includes
 * reasoning. A title call names its session in `copilot_chat.parent_chat_session_id`.
 */
export function copilotTraces(db: SqliteDb, file: string, emit: (r: UsageRecord) => void): { malformed: number } {
  if (!db.tables().has('spans')) return { malformed: 0 };
  const hasAttrs = db.tables().has('span_attributes');
  const sql = `SELECT s.rowid AS _rowid, s.span_id, s.start_time_ms, s.request_model, s.response_model, s.input_tokens, s.output_tokens,
      s.cached_tokens, s.chat_session_id, s.conversation_id
      ${hasAttrs ? `, (SELECT value FROM span_attributes a WHERE a.span_id = s.span_id AND a.key = 'gen_ai.usage.cache_creation.input_tokens') AS cache_write,
        (SELECT value FROM span_attributes a WHERE a.span_id = s.span_id AND a.key = 'copilot_chat.parent_chat_session_id') AS parent_session` : ''}
    FROM spans s WHERE s.operation_name = 'chat'`;
  let malformed = 0;
  for (const row of pagedRows(db, sql, 's.rowid')) {
    const id = typeof row.span_id === 'string' ? row.span_id : '';
    if (!id) { malformed++; continue; }
    const input = n(row.input_tokens), cached = Math.min(n(row.cached_tokens), input);
    const write = Math.min(n(typeof row.cache_write === 'string' ? Number(row.cache_write) : row.cache_write), input - cached);
    const output = n(row.output_tokens);
    if (input + output === 0) continue;
    const session = [row.chat_session_id, row.parent_session, row.conversation_id].find(s => typeof s === 'string' && s) as string | undefined;
    const model = [row.response_model, row.request_model].find(s => typeof s === 'string' && s) as string | undefined;
    emit({
      agent: COPILOT, sessionId: session ?? id, project: NO_FOLDER, model: model ?? 'unknown', timestamp: n(row.start_time_ms),
      usage: { input: input - cached - write, output, cacheRead: cached, cacheWrite5m: write, cacheWrite1h: 0 },
      contextTokens: input, file, key: `p:span:${id}`, rank: 0, basis: 'exact',
    });
  }
  return { malformed };
}

type ReaderState = CopilotState | DebugLogState | OtelFileState;
const isDebugState = (s: ReaderState): s is DebugLogState => (s as DebugLogState).debugLog === true;
const isOtelState = (s: ReaderState): s is OtelFileState => (s as OtelFileState).otelFile === true;

/**
 * A log that is neither a session journal, a debug log nor the trace store: one the user named by
 * itself (LogLocation.files, or Copilot's own `outfile` setting), so the OTel exporter's file.
 */
function isOtelFile(file: string): boolean {
  const name = path.basename(file);
  return name !== TRACES_DB && !isSessionFile(file) && !isDebugLogFile(name, file);
}

/** An OTel exporter line: only spans can hold a call (copilotOtelFile.ts), and a call's span names its operation. */
function otelLine(text: string, file: string, emit: (r: UsageRecord) => void): LineOutcome {
  if (!text.includes('"gen_ai.operation.name"')) return 'ignored';
  let entry: unknown;
  try { entry = JSON.parse(text); } catch { return 'malformed'; }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'malformed';
  const r = otelFileLine(entry as Record<string, unknown>, file, COPILOT);
  if (!r) return 'ignored';
  emit(r);
  return 'record';
}

/** A debug-log line (copilotDebugLog.ts): exact, one record per `llm_request` entry. */
function debugLine(state: DebugLogState, text: string, file: string, emit: (r: UsageRecord) => void): LineOutcome {
  if (!text.includes('"llm_request"')) return 'ignored';
  let entry: unknown;
  try { entry = JSON.parse(text); } catch { return 'malformed'; }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'malformed';
  const r = debugLogLine(state, entry as Record<string, unknown>, file, COPILOT);
  if (!r) return 'ignored';
  emit(r);
  return 'record';
}

export const copilotReader: AgentReader<ReaderState> = {
  agent: COPILOT,
  needles: [Buffer.from('"kind"'), Buffer.from('"llm_request"'), Buffer.from('"gen_ai.operation.name"')],
  lastWinsInFile: true,
  initState: file => isDebugLogFile(path.basename(file), file) ? debugLogState(file)
    : isOtelFile(file) ? { otelFile: true }
    : { ...initialState(path.basename(file).replace(/\.jsonl?$/, '')), project: projectOf(file) },
  line: (state, text, offset, file, emit) => isDebugState(state) ? debugLine(state, text, file, emit)
    : isOtelState(state) ? otelLine(text, file, emit) : copilotJournalLine(state, text, offset, file, emit),
  // legacy sessions only: an exporter file named `*.json` is still read line by line
  isWholeFile: file => file.endsWith('.json') && isSessionFile(file),
  wholeFile: copilotLegacyFile,
  // a compaction (the index sees the rewrite in place by its fingerprint) keeps only requests still in the session; a truncated request was still billed
  retainOnReread: true,
  isDatabase: file => path.basename(file) === TRACES_DB,
  database: copilotTraces,
};

/**
 * `<User>/workspaceStorage/<hash>/chatSessions` and `<hash>/GitHub.copilot-chat/debug-logs` for every
 * workspace, plus the empty-window stores.
 */
const isFile = (p: string): boolean => { try { return fs.statSync(p).isFile(); } catch { return false; } };

export function copilotScanDirs(userDir: string): string[] {
  const out: string[] = [];
  const ws = childIgnoringCase(userDir, 'workspaceStorage');
  if (ws) {
    let hashes: fs.Dirent[] = [];
    try { hashes = fs.readdirSync(ws, { withFileTypes: true }); } catch { /* unreadable: nothing */ }
    for (const h of hashes) {
      if (!h.isDirectory()) continue;
      // one listing per workspace finds both folders, whatever their casing
      let names: string[] = [];
      try { names = fs.readdirSync(path.join(ws, h.name)); } catch { continue; }
      for (const name of names) {
        const lower = name.toLowerCase();
        if (lower === 'chatsessions') out.push(path.join(ws, h.name, name));
        else if (lower === EXTENSION_ID) {
          const d = childIgnoringCase(path.join(ws, h.name, name), DEBUG_LOGS_DIR);
          if (d) out.push(d);
        }
      }
    }
  }
  // each profile's too: a window in another profile keeps its empty-window chats and Copilot's trace store there
  for (const global of globalStorageDirs(userDir)) {
    for (const name of ['emptyWindowChatSessions', 'transferredChatSessions', EXTENSION_ID]) {
      const d = childIgnoringCase(global, name);
      if (d) out.push(d);
    }
  }
  return out;
}

export const copilotAdapter: AgentAdapter = {
  id: 'copilot',
  displayName: 'GitHub Copilot',
  logs: {
    setting: 'vscodeUserDirs',
    cliFlag: 'vscode-user-dir',
    settingDescription: "VS Code user-data folders (`User`, holding `globalStorage` and `workspaceStorage`) searched for the agents that live in the editor (GitHub Copilot Chat, Cline, Roo Code, Zoo Code, Kilo Code), replacing the defaults: this editor's own folder, `~/.config/{Code,Code - Insiders,VSCodium,Cursor,...}/User` (macOS `~/Library/Application Support/...`, Windows `%APPDATA%\\...`), `~/.vscode-server/data/User` and code-server's `~/.local/share/code-server/User`.",
    defaultRoots: (env, home, host) => defaultVscodeUserDirs(env, home, host),
    // a root may be `<User>` itself, one of its session folders, or an exporter file named by itself
    scanDirs: root => SESSION_DIRS.has(path.basename(root).toLowerCase()) || path.basename(root).toLowerCase() === DEBUG_LOGS_DIR || isFile(root) ? [root]
      : [...copilotScanDirs(root), ...otelOutfiles(root)],
    isLogFile: isCopilotLogFile,
    vscodeUserDirs: true,
    files: {
      setting: 'copilotOtelFiles',
      cliFlag: 'copilot-otel-file',
      settingDescription: `Files GitHub Copilot Chat's OpenTelemetry file exporter writes (its \`${OTEL_OUTFILE_SETTING}\` setting, or \`$${OTEL_OUTFILE_ENV}\`), read for exact per-call usage besides the ones found without this setting: the \`${OTEL_OUTFILE_SETTING}\` of every VS Code user \`settings.json\` searched, and \`$${OTEL_OUTFILE_ENV}\`. Copilot has no default path. Empty by default.`,
      envVar: OTEL_OUTFILE_ENV,
    },
  },
  usage: copilotReader as AgentReader,
  activity: copilotActivity,
  instructionFiles: ['.github/copilot-instructions.md'],
  basis: 'lower-bound',
  // Copilot bills in AI credits at GitHub's own per-model prices (copilotPrices.ts)
  prices: copilotModelInfo,
};
