// The task folders Cline, Roo Code, Zoo Code and Kilo Code 5.x share: `tasks/<taskId>/ui_messages.json`,
// an array of UI rows rewritten whole. Usage rows (cline/cline src/shared/getApiMetrics.ts, Roo's
// packages/types message.ts) are `say` rows whose `text` is JSON:
//  - `api_req_started`: one model call, {tokensIn, tokensOut, cacheWrites, cacheReads, cost, apiProtocol?};
//    very old builds put the usage in the `api_req_finished` row right after it (merged, as Cline's
//    combineApiRequests does);
//  - `deleted_api_reqs` (Roo and Kilo: `api_req_deleted`), `subagent_usage`: aggregates of calls whose
//    count is unknown;
//  - Roo: a `condense_context` row's `contextCondense.cost` (the summary call's cost, no tokens logged).
// `api_conversation_history.json`, `task_metadata.json`, `_index.json` and `history_item.json` repeat
// these numbers and are never added; they only lend the model and the workspace.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { Agent, UsageRecord } from './records';
import { tokens } from './records';
import { MAX_SIDE_FILE_BYTES, readSmallFile } from './shared';

const num = z.number().nullish();
const Row = z.object({ ts: z.number().optional(), type: z.string().optional(), say: z.string().optional(), text: z.string().nullish(),
  modelInfo: z.object({ modelId: z.string().optional(), providerId: z.string().optional() }).passthrough().nullish(),
  contextCondense: z.object({ cost: num }).passthrough().nullish() }).passthrough();
const ApiInfo = z.object({ tokensIn: num, tokensOut: num, cacheWrites: num, cacheReads: num, cost: num, apiProtocol: z.string().nullish(), request: z.string().nullish() }).passthrough();
type ApiInfo = z.infer<typeof ApiInfo>;

export interface TaskRules {
  agent: Agent;
  /** Key prefix: one per agent, so two agents' tasks never collide. */
  prefix: string;
  /**
   * Whether a row's `tokensIn` already counts the cache reads and writes (Cline: by the provider that
   * answered, `provider`; Roo: by date and protocol).
   */
  tokensInIncludesCache(info: ApiInfo, ts: number, provider: string | undefined): boolean;
}

const MODEL_TAG = /<model>([^<]+)<\/model>/;
const WORKSPACE = /Current (?:Workspace|Working) Directory \(([^)]+)\)/;
/** Enough of the history for the first user message's environment details, never a whole history. */
const HEAD_BYTES = 64 * 1024;

let headBuf: Buffer | undefined;
function head(file: string): string {
  if (!fs.existsSync(file)) return ''; // cheaper than a thrown ENOENT, for thousands of tasks
  return readSmallFile(file, HEAD_BYTES, (headBuf ??= Buffer.allocUnsafe(HEAD_BYTES))) ?? '';
}

/** A small side file as JSON, or undefined when it is missing, not a regular file, too large or not JSON. */
function sideJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readSmallFile(file, MAX_SIDE_FILE_BYTES) ?? '') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch { return undefined; }
}

interface TaskContext {
  taskId: string; project: string; modelUsage: { ts: number; model: string; provider?: string }[]; uiLimit: number;
  /** The `<model>` tag of the history's first bytes (Roo keeps the model nowhere else): read only when asked. */
  historyModel(): string | undefined;
}

/**
 * What the task's side files lend: the workspace (from the first request's environment details, which
 * the first `api_req_started` row usually repeats in its `request`, else the history's first bytes),
 * the models used, and where written-back SDK rows start.
 */
function contextOf(file: string, firstRequest: string | undefined): TaskContext {
  const dir = path.dirname(file);
  const fromRow = firstRequest ? WORKSPACE.exec(firstRequest)?.[1]?.trim() : undefined;
  // the history's head is read at most once, and only when the row does not say what is needed
  let history: string | undefined;
  const historyHead = () => (history ??= firstRequest && MODEL_TAG.test(firstRequest) ? firstRequest : head(path.join(dir, 'api_conversation_history.json')));
  const modelUsage: { ts: number; model: string }[] = [];
  const meta = sideJson(path.join(dir, 'task_metadata.json')); // older builds keep no metadata
  if (meta && Array.isArray(meta.model_usage)) {
    for (const u of meta.model_usage as Record<string, unknown>[]) {
      if (u && typeof u.model_id === 'string' && typeof u.ts === 'number') modelUsage.push({ ts: u.ts, model: u.model_id, ...(typeof u.model_provider_id === 'string' ? { provider: u.model_provider_id } : {}) });
    }
    modelUsage.sort((a, b) => a.ts - b.ts);
  }
  // A legacy task resumed under Cline's SDK build gets the SDK turns written back after its
  // original rows (cline src/core/task/legacy-task-writeback.ts); the SDK session store counts them.
  let uiLimit = Infinity;
  const wb = sideJson(path.join(dir, 'sdk_writeback.json')); // absent: never resumed under the SDK
  if (wb && typeof wb.baseUiMessageCount === 'number' && wb.baseUiMessageCount >= 0) uiLimit = wb.baseUiMessageCount;
  let model: string | null | undefined;
  return {
    taskId: path.basename(dir), project: fromRow || WORKSPACE.exec(historyHead())?.[1]?.trim() || '(no folder)', modelUsage, uiLimit,
    historyModel: () => (model === undefined ? (model = MODEL_TAG.exec(historyHead())?.[1]?.trim() ?? null) : model) ?? undefined,
  };
}

/** The provider that answered a row: the row's own (`modelInfo.providerId`), else the task metadata's at its time (`model_provider_id`). */
function providerAt(ctx: TaskContext, row: z.infer<typeof Row>, ts: number): string | undefined {
  if (row.modelInfo?.providerId) return row.modelInfo.providerId;
  let provider: string | undefined;
  for (const u of ctx.modelUsage) { if (u.ts <= ts) provider = u.provider; else break; }
  return provider;
}

function modelAt(ctx: TaskContext, row: z.infer<typeof Row>, ts: number): string {
  if (row.modelInfo?.modelId) return row.modelInfo.modelId;
  let model: string | undefined;
  for (const u of ctx.modelUsage) { if (u.ts <= ts) model = u.model; else break; }
  return model ?? ctx.modelUsage[0]?.model ?? ctx.historyModel() ?? 'unknown';
}

const costOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

function recordOf(rules: TaskRules, ctx: TaskContext, info: ApiInfo, row: z.infer<typeof Row>, file: string, key: string, aggregate: boolean): UsageRecord | null {
  const ts = row.ts ?? 0;
  let input = tokens(info.tokensIn);
  const cacheRead = tokens(info.cacheReads), cacheWrite = tokens(info.cacheWrites), output = tokens(info.tokensOut);
  if (rules.tokensInIncludesCache(info, ts, providerAt(ctx, row, ts))) input = Math.max(0, input - cacheRead - cacheWrite);
  const cost = costOf(info.cost);
  if (input + output + cacheRead + cacheWrite === 0 && !cost) return null;
  const r: UsageRecord = {
    agent: rules.agent, sessionId: ctx.taskId, project: ctx.project, model: modelAt(ctx, row, ts), timestamp: ts,
    usage: { input, output, cacheRead, cacheWrite5m: cacheWrite, cacheWrite1h: 0 },
    contextTokens: input + cacheRead + cacheWrite, file, key, rank: 0,
  };
  if (cost !== undefined) r.cost = cost;
  if (aggregate) r.aggregate = true;
  return r;
}

/** One `ui_messages.json`. A file caught mid-rewrite is not JSON: reported malformed, read again when it changes. */
export function parseUiMessages(text: string, file: string, emit: (r: UsageRecord) => void, rules: TaskRules): { malformed: number } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { malformed: 1 }; }
  if (!Array.isArray(raw)) return { malformed: 1 };
  const first = raw.find(r => r && typeof r === 'object' && (r as { say?: unknown }).say === 'api_req_started') as { text?: unknown } | undefined;
  let firstRequest: string | undefined;
  try { const j = JSON.parse(typeof first?.text === 'string' ? first.text : '{}') as { request?: unknown }; if (typeof j.request === 'string') firstRequest = j.request; } catch { /* a broken row is counted below */ }
  const ctx = contextOf(file, firstRequest);
  let malformed = 0;
  // very old builds: the usage arrives in the api_req_finished row after its start
  let pending: { info: ApiInfo; row: z.infer<typeof Row>; key: string } | null = null;
  const flush = () => {
    if (!pending) return;
    const r = recordOf(rules, ctx, pending.info, pending.row, file, pending.key, false);
    if (r) emit(r);
    pending = null;
  };
  const limit = Math.min(raw.length, ctx.uiLimit);
  for (let i = 0; i < limit; i++) {
    // most rows are text, tools and asks: only usage rows are validated
    const say = (raw[i] as { say?: unknown } | null)?.say;
    if (typeof say !== 'string' || !USAGE_SAYS.has(say)) continue;
    const p = Row.safeParse(raw[i]);
    if (!p.success) { malformed++; continue; }
    const row = p.data;
    if (row.type !== 'say') continue;
    if (say === 'condense_context') {
      const cost = costOf(row.contextCondense?.cost);
      if (cost) { flush(); const r = recordOf(rules, ctx, { cost }, row, file, `${rules.prefix}:${ctx.taskId}:condense:${row.ts ?? i}`, true); if (r) emit(r); }
      continue;
    }
    let info: ApiInfo;
    try {
      const j = ApiInfo.safeParse(JSON.parse(row.text ?? '{}'));
      if (!j.success) { malformed++; continue; }
      info = j.data;
    } catch { malformed++; continue; }
    if (say === 'api_req_finished') {
      if (pending) pending.info = { ...pending.info, ...Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined && v !== null)) };
      continue;
    }
    flush();
    const key = `${rules.prefix}:${ctx.taskId}:${say === 'api_req_started' ? '' : say + ':'}${row.ts ?? `#${i}`}`;
    if (say === 'api_req_started') pending = { info, row, key };
    else { const r = recordOf(rules, ctx, info, row, file, key, true); if (r) emit(r); }
  }
  flush();
  return { malformed };
}

/** The rows that carry usage (Roo and Kilo spell Cline's `deleted_api_reqs` `api_req_deleted`). */
const USAGE_SAYS = new Set(['api_req_started', 'api_req_finished', 'deleted_api_reqs', 'api_req_deleted', 'subagent_usage', 'condense_context']);

export const isTaskUiFile = (name: string, full: string): boolean =>
  name === 'ui_messages.json' && path.basename(path.dirname(path.dirname(full))).toLowerCase() === 'tasks';

// ---- activity: what the task's tool rows say it did --------------------------------------------------
// A tool the model calls is one UI row: `say:"tool"` when auto-approved, `ask:"tool"` when the user was
// asked, its `text` a JSON ClineSayTool (cline apps/vscode/src/shared/ExtensionMessage.ts; Roo
// packages/types/src/vscode-extension-host.ts). Edits: `editedExistingFile`, `newFileCreated`, Roo's
// `appliedDiff`; Roo adds the `diffStats{added, removed}` it computed, Cline leaves the SEARCH/REPLACE
// blocks (or the new file) in `content`, Roo a unified patch. Commands are `command` rows (text: the
// command; Cline suffixes `REQ_APP` when it asked), their output in the `command_output` rows after.
// A streaming row (`partial: true`) is replaced by its final copy, so only final rows count. A rejected
// ask is not told apart from an approved one in the row itself.

const EDIT_TOOLS = new Set(['editedExistingFile', 'newFileCreated', 'appliedDiff', 'fileDeleted']);
const SEARCH = /^(?:-{3,}|<{3,}) SEARCH\s*$/, SPLIT = /^={3,}\s*$/, REPLACE = /^(?:\+{3,}|>{3,}) REPLACE\s*$/;

/** The SEARCH/REPLACE blocks of an edit, as [before, after] texts (none when the text holds no block). */
function searchReplaceBlocks(text: string): [string, string][] {
  const out: [string, string][] = [];
  let part: 'out' | 'search' | 'replace' = 'out';
  let before: string[] = [], after: string[] = [];
  for (const l of text.split('\n')) {
    if (part === 'out' && SEARCH.test(l)) { part = 'search'; before = []; after = []; continue; }
    if (part === 'search' && SPLIT.test(l)) { part = 'replace'; continue; }
    if (part === 'replace' && REPLACE.test(l)) { out.push([before.join('\n'), after.join('\n')]); part = 'out'; continue; }
    // Roo's apply_diff: `:start_line:N` and a `-------` separator open the search part
    if (part === 'search' && before.length === 0 && (/^:(?:start|end)_line:/.test(l) || /^-{3,}\s*$/.test(l))) continue;
    if (part === 'search') before.push(l); else if (part === 'replace') after.push(l);
  }
  return out;
}

/** Lines added and removed by a unified diff or an apply_patch envelope, or null when the text is neither. */
function patchCounts(text: string): { added: number; removed: number } | null {
  if (!/^(?:@@ |--- |\+\+\+ |\*\*\* (?:Begin Patch|Update File|Add File))/m.test(text)) return null;
  let added = 0, removed = 0;
  for (const l of text.split('\n')) {
    if (l.startsWith('+++ ') || l.startsWith('--- ') || l.startsWith('***')) continue;
    if (l.startsWith('+')) added++; else if (l.startsWith('-')) removed++;
  }
  return { added, removed };
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
}

/** The tool rows of one `ui_messages.json`, into the activity collector. */
export function uiMessagesActivity(c: import('./adapter').ActivityCollector, text: string, file: string): void {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { c.malformed(); return; }
  if (!Array.isArray(raw)) { c.malformed(); return; }
  c.setSession(path.basename(path.dirname(file)));
  let lastCommand = '';
  raw.forEach((row: unknown, i) => {
    if (!row || typeof row !== 'object') return;
    const r = row as { ts?: unknown; type?: unknown; say?: unknown; ask?: unknown; text?: unknown; partial?: unknown };
    if (r.partial === true) return;
    const kind = r.type === 'ask' ? r.ask : r.type === 'say' ? r.say : undefined;
    if (kind !== 'tool' && kind !== 'command' && kind !== 'command_output' && kind !== 'use_mcp_server') return;
    c.at(r.ts);
    const id = `${typeof r.ts === 'number' ? r.ts : ''}#${i}`;
    const body = typeof r.text === 'string' ? r.text : '';
    if (kind === 'command') {
      const cmd = body.replace(/REQ_APP\s*$/, '').trim();
      if (!cmd) return;
      c.toolCall(); c.shell(id, cmd, 'execute_command'); lastCommand = id;
      return;
    }
    if (kind === 'command_output') {
      // an output arrives in pieces; the first piece after the command closes it with its size
      if (lastCommand) { c.result(lastCommand, body.length, false); lastCommand = ''; }
      return;
    }
    let tool: Record<string, unknown>;
    try { const t = JSON.parse(body) as unknown; if (!t || typeof t !== 'object') return; tool = t as Record<string, unknown>; } catch { c.malformed(); return; }
    const name = kind === 'use_mcp_server' ? 'use_mcp_server' : typeof tool.tool === 'string' ? tool.tool : '';
    if (!name) return;
    c.toolCall();
    const filePath = typeof tool.path === 'string' ? tool.path : '';
    if (!EDIT_TOOLS.has(name)) {
      const detail = filePath || (typeof tool.regex === 'string' ? tool.regex : '') || (typeof tool.serverName === 'string' ? tool.serverName : '');
      c.other(id, name, detail);
      return;
    }
    const stats = tool.diffStats && typeof tool.diffStats === 'object' ? tool.diffStats as Record<string, unknown> : undefined;
    const added = count(stats?.added), removed = count(stats?.removed);
    if (added !== undefined && removed !== undefined) { c.editCounted(id, filePath, added, removed); return; }
    const content = typeof tool.content === 'string' ? tool.content : typeof tool.diff === 'string' ? tool.diff : '';
    const blocks = searchReplaceBlocks(content);
    // each block is an edit of its own (the collector counts its lines from the two texts)
    if (blocks.length) { blocks.forEach(([before, after], k) => c.edit(`${id}#${k}`, filePath, before, after)); return; }
    const counted = patchCounts(content);
    if (counted) c.editCounted(id, filePath, counted.added, counted.removed);
    else if (name === 'newFileCreated') c.edit(id, filePath, '', content);
    // a whole new text for an existing file, or a deletion: the file changed, its line counts are not known
    else c.editCounted(id, filePath, 0, 0);
  });
}

/** The activity member of the adapters that keep Cline-family task folders. */
export const taskActivity: import('./adapter').ActivityReader = {
  needles: [],
  line: () => undefined,
  isWholeFile: file => path.basename(file) === 'ui_messages.json',
  wholeFile: uiMessagesActivity,
};
