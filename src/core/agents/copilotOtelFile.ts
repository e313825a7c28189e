// Copilot Chat's OpenTelemetry file exporter (microsoft/vscode-copilot-chat, commit 31acd00a,
// src/platform/otel/node/fileExporters.ts): with `github.copilot.chat.otel.outfile` set (or the
// environment's `COPILOT_OTEL_FILE_EXPORTER_PATH`, which wins; src/platform/otel/common/otelConfig.ts,
// read in src/extension/extension/vscode-node/services.ts), spans, log records and metrics are all
// appended to that one file, one `JSON.stringify(object)` per line, `{}` when stringify throws. There is
// no default path: the file is wherever the user's setting says.
//
// A span line is, in current builds (microsoft/vscode extensions/copilot/src/platform/otel/node/
// fileExporters.ts, `readableSpanToJson`), a JSON-safe copy of the span's public data, not OTLP JSON:
// `{"traceId","spanId","traceFlags",...,"parentSpanContext","name","kind","startTime":[sec,nanos],
// "endTime","attributes":{...},"status",...}`; in older builds the SDK's own span object (`SpanImpl` of
// @opentelemetry/sdk-trace-base 2.x), with the ids in `"_spanContext":{"traceId","spanId",...}`. A `chat` span carries one model call:
// `gen_ai.usage.input_tokens` (cache included, as in the trace store), `gen_ai.usage.output_tokens`,
// `gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`, the models, and
// its chat session (`copilot_chat.chat_session_id`, a title call's `copilot_chat.parent_chat_session_id`,
// else `gen_ai.conversation.id`). Its span id is the trace store's `span_id` and the debug log's
// `spanId`: the same call in several of them is one request.
//
// Caveat of the older builds, from running the SDK Copilot pinned (sdk-trace-base 2.5.1 with its
// BatchSpanProcessor): a span object refers to its processor, whose shutdown future refers back to the
// processor, so stringify throws and the exporter wrote `{}` for every span. Such lines are ignored;
// current builds write the copy above, and no placeholder when a line cannot be written. The per-call usage the
// file does hold then is the `gen_ai.client.inference.operation.details` log record
// (src/platform/otel/common/genAiEvents.ts), which names neither the chat session nor the cache split:
// counting it would add to the journal's lower bound of a session it cannot say it covers, so it is
// not counted (the trace store and the debug log hold the same calls with their sessions).
import path from 'node:path';
import type { UsageRecord } from './records';
import { readJsoncCached } from './roo';
import { profileDirs } from './vscodeUserDirs';

export const OTEL_OUTFILE_SETTING = 'github.copilot.chat.otel.outfile';
export const OTEL_OUTFILE_ENV = 'COPILOT_OTEL_FILE_EXPORTER_PATH';
const NO_FOLDER = '(no folder)';
/** A settings.json bigger than this is not read for the setting (size caps on side files). */
const MAX_SETTINGS_BYTES = 4 * 1024 * 1024;

export interface OtelFileState { otelFile: true }

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** `[seconds, nanoseconds]` (the SDK's HrTime) as epoch ms; 0 when it is not one. */
function hrTimeMs(v: unknown): number {
  if (!Array.isArray(v) || v.length !== 2) return 0;
  const [s, ns] = v as unknown[];
  return typeof s === 'number' && typeof ns === 'number' && Number.isFinite(s) && Number.isFinite(ns) ? Math.round(s * 1000 + ns / 1e6) : 0;
}

/**
 * One line of the exporter's file: a `chat` span becomes an exact record; everything else (spans of
 * other operations, `{}`, log records, metrics) is none of ours and gives null.
 */
export function otelFileLine(entry: Record<string, unknown>, file: string, agent: string): UsageRecord | null {
  // the span's ids: at the top (current builds) or in the SDK object's `_spanContext` (older ones)
  const ctx = entry._spanContext && typeof entry._spanContext === 'object' ? entry._spanContext as Record<string, unknown>
    : typeof entry.traceId === 'string' ? entry : null;
  const attrs = entry.attributes;
  if (!ctx || !attrs || typeof attrs !== 'object') return null;
  const a = attrs as Record<string, unknown>;
  if (a['gen_ai.operation.name'] !== 'chat') return null;
  const spanId = str(ctx.spanId);
  if (!spanId) return null;
  const input = n(a['gen_ai.usage.input_tokens']), output = n(a['gen_ai.usage.output_tokens']);
  if (input + output === 0) return null;
  const cached = Math.min(n(a['gen_ai.usage.cache_read.input_tokens']), input);
  const write = Math.min(n(a['gen_ai.usage.cache_creation.input_tokens']), input - cached);
  const session = str(a['copilot_chat.chat_session_id']) ?? str(a['copilot_chat.parent_chat_session_id']) ?? str(a['gen_ai.conversation.id']) ?? spanId;
  return {
    agent, sessionId: session, project: NO_FOLDER,
    model: str(a['gen_ai.response.model']) ?? str(a['gen_ai.request.model']) ?? 'unknown',
    timestamp: hrTimeMs(entry.startTime),
    usage: { input: input - cached - write, output, cacheRead: cached, cacheWrite5m: write, cacheWrite1h: 0 },
    // the trace store's rank: the same span, with the same cache split
    contextTokens: input, file, key: `p:span:${spanId}`, rank: 0, basis: 'exact',
  };
}

/**
 * The exporter files a VS Code user-data folder's `settings.json` names (`github.copilot.chat.otel.outfile`,
 * as a dotted key or nested), and those of the remote settings beside it (`<data>/Machine/settings.json`
 * of a VS Code Server, where a remote Copilot's own settings live): absolute paths only, since Copilot
 * opens the path as given and a relative one resolves against a working folder we cannot know.
 */
export function otelOutfiles(userDir: string): string[] {
  const out = [...profileDirs(userDir).flatMap(d => outfilesOf(path.join(d, 'settings.json'))), ...outfilesOf(path.join(path.dirname(userDir), 'Machine', 'settings.json'))];
  return out.length > 1 ? [...new Set(out)] : out;
}

/** One settings file's outfile, read again only when the file changes (readJsoncCached). */
function outfilesOf(file: string): string[] {
  // not a regular file, missing, or over the bound: {}, so no outfile
  const settings = readJsoncCached(file, MAX_SETTINGS_BYTES);
  let v: unknown = settings[OTEL_OUTFILE_SETTING];
  if (v === undefined) {
    let cur: unknown = settings;
    for (const part of OTEL_OUTFILE_SETTING.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    v = cur;
  }
  return typeof v === 'string' && v.trim() && path.isAbsolute(v.trim()) ? [path.resolve(v.trim())] : [];
}
