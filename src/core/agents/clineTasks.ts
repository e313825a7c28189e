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
import { z } from 'zod';
import type { Agent, UsageRecord } from './records';
import { tokens } from './records';

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
  /** Whether a row's `tokensIn` already counts the cache reads and writes (Cline: never; Roo: by date and protocol). */
  tokensInIncludesCache(info: ApiInfo, ts: number): boolean;
}

const MODEL_TAG = /<model>([^<]+)<\/model>/;
const WORKSPACE = /Current (?:Workspace|Working) Directory \(([^)]+)\)/;
/** Enough of the history for the first user message's environment details, never a whole history. */
const HEAD_BYTES = 64 * 1024;

let headBuf: Buffer | undefined;
function head(file: string): string {
  if (!fs.existsSync(file)) return ''; // cheaper than a thrown ENOENT, for thousands of tasks
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = (headBuf ??= Buffer.allocUnsafe(HEAD_BYTES));
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.toString('utf8', 0, n);
  } catch { return ''; } finally { if (fd !== undefined) fs.closeSync(fd); }
}

/** A small side file as JSON, or undefined when it is missing or not JSON. */
function sideJson(file: string): Record<string, unknown> | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  } catch { return undefined; }
}

interface TaskContext {
  taskId: string; project: string; modelUsage: { ts: number; model: string }[]; uiLimit: number;
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
      if (u && typeof u.model_id === 'string' && typeof u.ts === 'number') modelUsage.push({ ts: u.ts, model: u.model_id });
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
  if (rules.tokensInIncludesCache(info, ts)) input = Math.max(0, input - cacheRead - cacheWrite);
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
