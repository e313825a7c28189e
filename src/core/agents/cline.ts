// Cline (`saoudrizwan.claude-dev`), both storage generations side by side:
//  - legacy task folders (clineTasks.ts): `<User>/globalStorage/saoudrizwan.claude-dev/tasks/<id>/`
//    and, for pre-SDK CLI builds, `~/.cline/data/tasks/<id>/`; `tokensIn` excludes the cache, except
//    for the OpenAI-compatible providers (CACHE_INCLUSIVE_PROVIDERS);
//  - the SDK generation (also the Cline CLI): `~/.cline/data/sessions/<id>/<id>.messages.json`,
//    `messages[].metrics {inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cost}` with
//    `inputTokens` including the cache; sub-agents write further `*.messages.json` in the root
//    session's folder; `~/.cline/data/db/sessions.db` totals repeat them and are not read.
// A legacy task resumed under the SDK keeps its id; its last converted assistant message carries
// metrics equal to the whole legacy task, then comes the LEGACY_RESUME_MODEL_WARNING user message
// (cline src/core/task/legacy-task-handling.ts). That message stands in for the legacy rows and
// counts only when no legacy file of the task is found; the SDK turns written back into the legacy
// ui_messages.json (legacy-task-writeback.ts, `sdk_writeback.json`) are counted from the SDK side.
import path from 'node:path';
import { MAX_SIDE_FILE_BYTES, isDir, readSmallFile } from './shared';
import * as z from 'zod';
import type { AgentAdapter } from './adapter';
import { isTaskUiFile, parseUiMessages, taskActivity, TaskRules } from './clineTasks';
import type { Agent, AgentReader, UsageRecord } from './records';
import { tokens } from './records';
import { defaultVscodeUserDirs, extensionStorageDirs, isVscodeUserDir } from './vscodeUserDirs';

export const CLINE: Agent = 'cline' as unknown as Agent; // a plain string id once AgentId lands
export const CLINE_EXTENSION_ID = 'saoudrizwan.claude-dev';

/**
 * The providers of Cline's task generation whose `tokensIn` is the prompt's whole count, cache reads
 * (and, for DeepSeek's `prompt_cache_miss_tokens` through the OpenAI-compatible handler, cache writes)
 * included: their handlers yield `inputTokens: usage.prompt_tokens` beside `cacheReadTokens` from the
 * same usage (cline b2b29678a2, apps/vscode/src/core/api/providers/{openai,litellm,lmstudio,xai,zai,
 * hicap,fireworks,qwen,doubao,oca}.ts), and `updateApiReqMsg` stores them as `tokensIn` and
 * `cacheReads`. Anthropic's, Bedrock's, Vertex's, OpenRouter's, Cline's own and the rest yield input
 * without the cache, or no cache counts at all.
 */
const CACHE_INCLUSIVE_PROVIDERS = new Set(['openai', 'litellm', 'lmstudio', 'xai', 'zai', 'hicap', 'fireworks', 'qwen', 'doubao', 'oca']);

const LEGACY_RULES: TaskRules = { agent: CLINE, prefix: 'cl', tokensInIncludesCache: (_info, _ts, provider) => provider !== undefined && CACHE_INCLUSIVE_PROVIDERS.has(provider) };

const RESUME_MARKERS = ['[cline-legacy-resume-warning:v1]', 'Warning: this is a legacy conversation'];

const num = z.number().nullish();
const Message = z.object({
  id: z.union([z.string(), z.number()]).optional(), role: z.string().optional(), ts: z.number().optional(), content: z.unknown(),
  metrics: z.object({ inputTokens: num, outputTokens: num, cacheReadTokens: num, cacheWriteTokens: num, cost: num }).passthrough().nullish(),
  modelInfo: z.object({ id: z.string().optional(), provider: z.string().optional() }).passthrough().nullish(),
}).passthrough();
type Message = z.infer<typeof Message>;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map(b => (b && typeof b === 'object' && typeof (b as { text?: unknown }).text === 'string' ? (b as { text: string }).text : '')).join('\n');
}

/** The root session's id and workspace: `<sessions>/<root>/<root>.json` (`workspace_root`, `cwd`, `model`). */
function sessionMeta(file: string): { session: string; project: string; model?: string; startedAt: number; fork?: boolean } {
  const dir = path.dirname(file);
  const root = path.basename(dir);
  try {
    const m = JSON.parse(readSmallFile(path.join(dir, `${root}.json`), MAX_SIDE_FILE_BYTES) ?? '') as Record<string, unknown>;
    const project = [m.workspace_root, m.cwd].find(v => typeof v === 'string' && v.trim()) as string | undefined;
    const started = typeof m.started_at === 'number' ? m.started_at : typeof m.started_at === 'string' ? Date.parse(m.started_at) : 0;
    const meta = m.metadata && typeof m.metadata === 'object' ? m.metadata as Record<string, unknown> : {};
    return { session: root, project: project ?? '(no folder)', model: typeof m.model === 'string' ? m.model : undefined, startedAt: Number.isFinite(started) ? started : 0,
      ...(meta.fork && typeof meta.fork === 'object' ? { fork: true } : {}) };
  } catch { return { session: root, project: '(no folder)', startedAt: 0 }; }
}

/**
 * The SDK's message ids, `msg_<nanoid>` (sdk/packages/agents/src/agent-runtime.ts createUID) or
 * `msg_<time>_<seq>` (sdk/packages/core/src/runtime/config/agent-message-codec.ts generateMessageId):
 * one message wherever it is. A fork (the CLI's /fork, session-runtime.ts forkCurrentSession), a
 * checkpoint restore or an edited message (apps/vscode/src/sdk/SdkController.ts) starts a new session
 * seeded with the earlier messages, metrics and ids included (local-runtime-host.ts initialMessages):
 * keyed by this id, a copy is the same request. Any other id stays within its file.
 */
const SDK_MESSAGE_ID = /^msg_[A-Za-z0-9_-]{6,}$/;

/** An SDK session's (or sub-agent's) `*.messages.json`. */
export function parseSdkMessages(text: string, file: string, emit: (r: UsageRecord) => void): { malformed: number } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { malformed: 1 }; }
  const list = raw && typeof raw === 'object' && Array.isArray((raw as { messages?: unknown }).messages) ? (raw as { messages: unknown[] }).messages : null;
  if (!list) return { malformed: 1 };
  const meta = sessionMeta(file);
  // a sub-agent's file is its own session: only the root's records share the legacy task's id
  const fileId = path.basename(file, '.messages.json');
  const msgs: (Message | null)[] = list.map(m => { const p = Message.safeParse(m); return p.success ? p.data : null; });
  const malformed = msgs.filter(m => m === null).length;
  // the assistant message just before the resume warning holds the whole legacy task's metrics
  let standIn = -1;
  const warning = msgs.findIndex(m => m?.role === 'user' && RESUME_MARKERS.some(k => textOf(m.content).includes(k)));
  if (warning > 0) for (let i = warning - 1; i >= 0; i--) if (msgs[i]?.role === 'assistant') { standIn = i; break; }
  msgs.forEach((m, i) => {
    if (!m || m.role !== 'assistant' || !m.metrics) return;
    if (i === standIn && meta.fork) return; // the parent's stand-in (or its legacy rows) counts the legacy task
    const x = m.metrics;
    const cacheRead = tokens(x.cacheReadTokens), cacheWrite = tokens(x.cacheWriteTokens);
    const input = Math.max(0, tokens(x.inputTokens) - cacheRead - cacheWrite), output = tokens(x.outputTokens);
    const cost = typeof x.cost === 'number' && Number.isFinite(x.cost) && x.cost >= 0 ? x.cost : undefined;
    if (input + output + cacheRead + cacheWrite === 0 && !cost) return;
    const r: UsageRecord = {
      agent: CLINE, sessionId: fileId, project: meta.project, model: m.modelInfo?.id ?? meta.model ?? 'unknown',
      timestamp: m.ts ?? meta.startedAt, usage: { input, output, cacheRead, cacheWrite5m: cacheWrite, cacheWrite1h: 0 },
      contextTokens: input + cacheRead + cacheWrite, file,
      key: i === standIn ? `cl:${fileId}:legacy-total` : typeof m.id === 'string' && SDK_MESSAGE_ID.test(m.id) ? `cl:sdk:${m.id}` : `cl:${fileId}:sdk:${m.id ?? m.ts ?? i}`,
      // a copy of a parent's turn loses to the parent's: a forked session (the CLI's /fork marks it), or a
      // turn older than the session holding it (a re-seeded one: an edit, a restored checkpoint)
      rank: meta.fork || (m.ts !== undefined && meta.startedAt > 0 && m.ts < meta.startedAt) ? 2 : 0,
    };
    if (cost !== undefined) r.cost = cost;
    if (i === standIn) { r.aggregate = true; r.standsIn = true; }
    emit(r);
  });
  return { malformed };
}

const isSdkFile = (name: string, full: string): boolean =>
  name.endsWith('.messages.json') && path.basename(path.dirname(path.dirname(full))).toLowerCase() === 'sessions';

export const clineReader: AgentReader = {
  agent: CLINE,
  needles: [],
  lastWinsInFile: true,
  initState: () => null,
  line: () => 'ignored',
  isWholeFile: () => true,
  wholeFile: (text, file, emit) => (file.endsWith('.messages.json') ? parseSdkMessages(text, file, emit) : parseUiMessages(text, file, emit, LEGACY_RULES)),
};

/** `$CLINE_DIR` as Cline's CLI reads it (cline-cli: CLINE_DIR, else ~/.cline). */
export function clineHome(env: NodeJS.ProcessEnv, home: string): string {
  return env.CLINE_DIR?.trim() || path.join(home, '.cline');
}

/**
 * Cline's folders as its SDK resolves them (sdk/packages/shared/src/storage/paths.ts): `$CLINE_DIR`
 * (else ~/.cline), and `$CLINE_DATA_DIR` when set, which replaces `<CLINE_DIR>/data` (its sessions/
 * and tasks/ are then there).
 */
export function clineDirs(env: NodeJS.ProcessEnv, home: string): string[] {
  const data = env.CLINE_DATA_DIR?.trim();
  return data ? [clineHome(env, home), data] : [clineHome(env, home)];
}

export const clineAdapter: AgentAdapter = {
  id: 'cline',
  displayName: 'Cline',
  logs: {
    setting: 'clineDirs',
    cliFlag: 'cline-dir',
    settingDescription: "Cline's own data folders (the CLI and SDK sessions), replacing the default `~/.cline` (`$CLINE_DIR` when set, and `$CLINE_DATA_DIR`); its VS Code task history is found through `tokenomics.vscodeUserDirs`.",
    defaultRoots: (env, home) => clineDirs(env, home),
    envVars: ['CLINE_DIR', 'CLINE_DATA_DIR'],
    scanDirs: root => {
      if (isVscodeUserDir(root)) return extensionStorageDirs(root, [CLINE_EXTENSION_ID]).map(d => path.join(d, 'tasks'));
      const subs = ['data/tasks', 'data/sessions', 'tasks', 'sessions'].map(s => path.join(root, s)).filter(isDir);
      return subs.length ? subs : [root];
    },
    isLogFile: (name, full) => isTaskUiFile(name, full) || isSdkFile(name, full),
    vscodeUserDirs: true,
  },
  usage: clineReader,
  activity: taskActivity,
  instructionFiles: ['.clinerules'],
  basis: 'exact',
};

/** Every root the Cline adapter reads by default: VS Code's user-data folders and Cline's home. */
export function clineDefaultRoots(env: NodeJS.ProcessEnv, home: string): string[] {
  return [...defaultVscodeUserDirs(env, home), ...clineDirs(env, home)];
}
