// Copilot Chat's debug log, one of its exact per-call sources (microsoft/vscode-copilot-chat
// src/extension/chat/vscode-node/chatDebugFileLoggerService.ts): the extension's own storage
// `workspaceStorage/<hash>/GitHub.copilot-chat/debug-logs/<sessionId>/main.jsonl`, child sessions
// (title, categorization calls) in `<label>-<childSessionId>.jsonl` beside it, and older builds' flat
// `debug-logs/<sessionId>.jsonl`. Lines are appended JSON (`JSON.stringify(entry)`), one per finished
// OTel span: `{ts, dur, sid, type, name, spanId, parentSpanId?, status, attrs}`. A `chat` span becomes
// `type:"llm_request"` with `attrs.model` (request model first), `inputTokens` (gen_ai.usage.input_tokens,
// cache included, as in the trace store), `outputTokens`, and in newer builds `cachedTokens`.
// With OTel export on, its `spanId` is the SDK's random span id, which the trace store keeps as `span_id`:
// the same call in both is one request (the trace store's copy, with its cache split, wins by rank).
// With OTel export off (the default) the spans come from InMemoryOTelService
// (src/platform/otel/node/inMemoryOTelService.ts), whose ids are one counter per extension host from 1,
// `(nextId++).toString(16).padStart(16, '0')`: every window and every restart numbers again, so such
// an id names a call only with its session, run (`rIdx`, newer builds) and start time. A file over
// 100 MB is cut to its last 60 MB through a temp file and a rename: a new file to the index, which
// keeps what it had read.
import path from 'node:path';
import type { UsageRecord } from './records';
import { workspaceFolderOf } from './vscodeUserDirs';

export const DEBUG_LOGS_DIR = 'debug-logs';
const NO_FOLDER = '(no folder)';

export interface DebugLogState {
  debugLog: true;
  /** The chat session the file's calls belong to: a child's calls count for its parent. */
  session: string;
  project: string;
}

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

/** True for a file under `<...>/github.copilot-chat/debug-logs/` (extension-id casing varies). */
export function isDebugLogFile(name: string, full: string): boolean {
  if (!name.endsWith('.jsonl')) return false;
  const parent = path.dirname(full);
  const isLogs = (d: string) => path.basename(d).toLowerCase() === DEBUG_LOGS_DIR && path.basename(path.dirname(d)).toLowerCase() === 'github.copilot-chat';
  return isLogs(parent) || isLogs(path.dirname(parent));
}

/** `workspace.json` of the workspace whose storage holds the log, as a folder path. */
function projectOfStorage(hashDir: string): string {
  return workspaceFolderOf(hashDir) ?? NO_FOLDER;
}

export function debugLogState(file: string): DebugLogState {
  const parent = path.dirname(file);
  const nested = path.basename(parent).toLowerCase() !== DEBUG_LOGS_DIR;
  // nested: debug-logs/<session>/(main|<label>-<child>).jsonl; flat (older builds): debug-logs/<session>.jsonl
  const logsDir = nested ? path.dirname(parent) : parent;
  return {
    debugLog: true,
    session: nested ? path.basename(parent) : path.basename(file, '.jsonl'),
    project: projectOfStorage(path.dirname(path.dirname(logsDir))),
  };
}

/** One debug-log line: an `llm_request` entry becomes an exact record; everything else is ignored. */
export function debugLogLine(state: DebugLogState, entry: Record<string, unknown>, file: string, agent: string): UsageRecord | null {
  if (entry.type !== 'llm_request') return null;
  const attrs = entry.attrs && typeof entry.attrs === 'object' ? entry.attrs as Record<string, unknown> : {};
  const spanId = typeof entry.spanId === 'string' ? entry.spanId : '';
  const total = n(attrs.inputTokens), output = n(attrs.outputTokens);
  const cached = Math.min(n(attrs.cachedTokens), total);
  if (!spanId || total + output === 0) return null;
  const model = typeof attrs.model === 'string' && attrs.model && attrs.model !== 'unknown' ? attrs.model : 'unknown';
  return {
    agent, sessionId: state.session, project: state.project, model, timestamp: n(entry.ts),
    // without `cachedTokens` (older builds) the cache share is unknown: all of it counts as input, none invented
    usage: { input: total - cached, output, cacheRead: cached, cacheWrite5m: 0, cacheWrite1h: 0 },
    contextTokens: total, file, key: COUNTER_ID.test(spanId) ? `p:dbg:${state.session}:${n(entry.rIdx)}:${n(entry.ts)}:${spanId}` : `p:span:${spanId}`,
    rank: 1, basis: 'exact',
  };
}

/** A span id from InMemoryOTelService's counter: a random 64-bit id starts with eight zero digits once in 4 billion. */
const COUNTER_ID = /^0{8}[0-9a-f]{8}$/;
