// Claude Code transcripts: projects/<cwd slug>/<session>.jsonl, one line per content block.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { FAST_MODEL_SUFFIX } from '../catalog';
import { AgentReader, LineOutcome, UsageRecord, claudeKey, tokens, totalTokens } from './records';
import { plausibleTime, plausibleUsage } from './skipReasons';
import type { ActivityCollector, AgentAdapter } from './adapter';
import { isDir, readSmallFile, textLength } from './shared';
import { JsonCursor, LearnedLines, SLOTS_FAIL, SLOTS_NULL, SLOTS_OBJECT, StringCache, keyBytes } from './jsonFields';

const count = z.number().nullish();
const BreakdownSchema = z.object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count });
/**
 * One model call of a turn, in `usage.iterations`. The top-level usage sums the main model's calls;
 * an `advisor_message` (the /advisor tool's call to a stronger model) is left out of it and billed
 * under its own model, so it is a request of its own. A `fallback_message` (a failed fallback
 * attempt) is not billed. (codeburn src/parser.ts parseAdvisorCalls, ccusage PR #1423 for issue
 * #1115, agent-walker PR #39.)
 */
const IterationSchema = z.object({
  type: z.string().nullish(),
  model: z.string().nullish(),
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: BreakdownSchema.nullish().catch(null),
  speed: z.string().nullish().catch(null),
  server_tool_use: z.object({ web_search_requests: count }).nullish().catch(null),
});
const UsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: BreakdownSchema.nullish(),
  // fast mode is billed at a multiple of the standard price: priced as the model's `-fast` variant
  speed: z.string().nullish().catch(null),
  server_tool_use: z.object({ web_search_requests: count }).nullish().catch(null),
  // each one read apart (IterationSchema), so an odd one never costs the line its own usage
  iterations: z.array(z.unknown()).nullish().catch(null),
});
const LineSchema = z.object({
  type: z.string().optional(),
  sessionId: z.string().optional(),
  cwd: z.string().optional(),
  timestamp: z.string(),
  requestId: z.string().optional(),
  isSidechain: z.boolean().nullish().catch(null),
  message: z.object({
    id: z.string().optional(),
    model: z.string().optional(),
    usage: UsageSchema,
  }),
});

type Line = z.infer<typeof LineSchema>;
type Usage = z.infer<typeof UsageSchema>;
type Counts = Pick<Usage, 'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens' | 'cache_creation'>;

export interface ClaudeState {
  session: string; project: string;
  /** The project is a Cowork session's space (`desktopProject`): it wins over the lines' `cwd`, a folder inside Claude Desktop's own. */
  space?: boolean;
}

// Folder names are the cwd with '/' and '.' turned into '-': not reversible, but better than nothing.
function projectFromPath(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf('projects');
  return (i >= 0 ? parts[i + 1] : undefined) ?? path.basename(path.dirname(file));
}

export const claudeCodeReader: AgentReader<ClaudeState> = {
  agent: 'claude-code',
  needles: [Buffer.from('"usage"')],
  lastWinsInFile: false,
  initState: file => {
    const session = path.basename(file, '.jsonl'), space = desktopProject(file);
    return space ? { session, project: space, space: true } : { session, project: projectFromPath(file) };
  },
  line(state, text, offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    // "usage" also appears in tool results (sub-agent summaries): only assistant messages are requests.
    if (typeof raw !== 'object' || raw === null) return 'malformed';
    const o = raw as { type?: unknown; message?: { usage?: unknown } };
    if (typeof o.message !== 'object' || o.message === null || typeof o.message.usage !== 'object' || o.message.usage === null) return 'ignored';
    // a response's usage on a line that does not say what it is: not counted, but never silently
    if (o.type === undefined) return 'no-type';
    if (o.type !== 'assistant') return 'ignored';
    const p = LineSchema.safeParse(raw);
    if (!p.success) return 'malformed';
    return assistant(state, p.data, Date.parse(p.data.timestamp), offset, file, emit);
  },
  lineBytes(state, buf, start, end, offset, file, emit): LineOutcome | null {
    const l = assistantFast(buf, start, end);
    return l ? assistant(state, l, at, offset, file, emit) : null;
  },
};

/** An assistant line with usage, checked (by LineSchema or the fast path): a request, or why not. */
function assistant(state: ClaudeState, l: Line, timestamp: number, offset: number, file: string, emit: (r: UsageRecord) => void): LineOutcome {
  if (!Number.isFinite(timestamp)) return 'malformed';
  if (!plausibleTime(timestamp)) return 'out-of-range-time';
  const u = l.message.usage;
  const usage = usageOf(u);
  const id = l.message.id;
  const model = l.message.model ?? 'unknown';
  // One response is one message id, whatever requestId a copy carries (ccusage
  // rust/crates/ccusage/src/adapter/claude/mod.rs, codeburn src/parser.ts). Without one nothing
  // says two lines are one request, so each line counts.
  const key = id ? claudeKey(id) : `c:${file}@${offset}`;
  const sessionId = l.sessionId ?? state.session, project = state.space === true ? state.project : l.cwd ?? state.project;
  // A side-chain (/btw) copy of a parent message loses to the parent entry, which is the request
  // (ccusage PR #1155, issue #913); a side-chain's own messages still count.
  const rank = l.isSidechain === true ? 2 : 0;
  const advisors = u.iterations ? advisorCalls(u.iterations) : NONE;
  for (const a of advisors) if (!plausibleUsage(a.usage)) return 'implausible';
  let outcome: LineOutcome = 'ignored'; // <synthetic> and error stubs: no tokens
  if (totalTokens(usage) > 0) {
    if (!plausibleUsage(usage)) return 'implausible';
    emit(request(sessionId, project, model, u.speed, timestamp, usage, file, key, rank, tokens(u.server_tool_use?.web_search_requests)));
    outcome = 'record';
  }
  // numbered among the advisor calls only, as codeburn keys them (`<message id>:advisor:<n>`)
  for (let n = 0; n < advisors.length; n++) {
    const a = advisors[n]!;
    emit(request(sessionId, project, a.model ?? model, a.speed ?? u.speed, timestamp, a.usage, file, `${key}:advisor:${n}`, rank, a.searches));
    outcome = 'record';
  }
  return outcome;
}

/** One request of a line: the model's `-fast` variant in fast mode. */
function request(sessionId: string, project: string, model: string, speed: string | null | undefined, timestamp: number, usage: UsageRecord['usage'],
  file: string, key: string, rank: number, searches: number): UsageRecord {
  const r: UsageRecord = { agent: 'claude-code', sessionId, project, model: speed === 'fast' && model !== 'unknown' ? `${model}${FAST_MODEL_SUFFIX}` : model,
    timestamp, usage, contextTokens: usage.input + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h, file, key, rank };
  if (searches) r.webSearches = searches;
  return r;
}

/** Tokens as a request counts them, from a usage object or one of its iterations. */
function usageOf(u: Counts): UsageRecord['usage'] {
  const b5 = tokens(u.cache_creation?.ephemeral_5m_input_tokens), b1 = tokens(u.cache_creation?.ephemeral_1h_input_tokens);
  const created = u.cache_creation_input_tokens == null ? b5 + b1 : tokens(u.cache_creation_input_tokens);
  // Without a breakdown, all cache creation is priced at the 5-minute rate.
  const w1h = Math.min(b1, created);
  return { input: tokens(u.input_tokens), output: tokens(u.output_tokens), cacheRead: tokens(u.cache_read_input_tokens), cacheWrite5m: created - w1h, cacheWrite1h: w1h };
}

interface AdvisorCall { model: string | null | undefined; speed: string | null | undefined; usage: UsageRecord['usage']; searches: number }
const NONE: readonly AdvisorCall[] = [];

/**
 * The advisor calls among a turn's iterations, those with tokens. The others are already in the
 * top-level usage (`message`) or were never billed (`fallback_message`). An advisor entry the schema
 * does not read is left out, as the peers leave it.
 */
function advisorCalls(iterations: readonly unknown[]): readonly AdvisorCall[] {
  let out: AdvisorCall[] | null = null;
  for (const it of iterations) {
    if (!it || typeof it !== 'object' || (it as { type?: unknown }).type !== ADVISOR_TYPE) continue;
    const p = IterationSchema.safeParse(it);
    if (!p.success) continue;
    const usage = usageOf(p.data);
    if (totalTokens(usage) === 0) continue;
    (out ??= []).push({ model: p.data.model || null, speed: p.data.speed, usage, searches: tokens(p.data.server_tool_use?.web_search_requests) });
  }
  return out ?? NONE;
}
const ADVISOR_TYPE = 'advisor_message';


// ---- the fast path: an assistant line read from its bytes (jsonFields.ts says why) --------------------

const K = {
  type: keyBytes('type'), sessionId: keyBytes('sessionId'), cwd: keyBytes('cwd'), timestamp: keyBytes('timestamp'),
  requestId: keyBytes('requestId'), isSidechain: keyBytes('isSidechain'), message: keyBytes('message'), id: keyBytes('id'),
  model: keyBytes('model'), usage: keyBytes('usage'), input: keyBytes('input_tokens'), output: keyBytes('output_tokens'),
  creation: keyBytes('cache_creation_input_tokens'), read: keyBytes('cache_read_input_tokens'), breakdown: keyBytes('cache_creation'),
  b5m: keyBytes('ephemeral_5m_input_tokens'), b1h: keyBytes('ephemeral_1h_input_tokens'), speed: keyBytes('speed'),
  serverTools: keyBytes('server_tool_use'), searches: keyBytes('web_search_requests'), iterations: keyBytes('iterations'),
};
/** In `usage.iterations`, the mark of an advisor call: a line with one goes to the slow path, which reads them. */
const ADVISOR = Buffer.from(`"${ADVISOR_TYPE}"`), BACKSLASH = 0x5c;
const ASSISTANT = keyBytes('assistant');
/** The time of the line `assistantFast` read last (its `timestamp` field stays empty). */
let at = NaN;
const cur = new JsonCursor();
// a file's lines repeat these: a response's strings are the same objects on each of its content blocks' lines
const strings = { session: new StringCache(), cwd: new StringCache(), model: new StringCache(), id: new StringCache() };

// The numbers of an assistant line, by slot (a LineTemplate's holes are these and the strings below):
// the time, then the usage counts. NaN: null or absent, which `assistant` treats alike.
// String slots: the message id, the model, the session, the folder (undefined: absent).
const T_ID = 0, T_MODEL = 1, T_SESSION = 2, T_CWD = 3;
// S_ITER, S_ITER + 1: where `usage.iterations` starts and ends in the line.
const S_AT = 0, S_INPUT = 1, S_OUTPUT = 2, S_CREATION = 3, S_READ = 4, S_5M = 5, S_1H = 6, S_SEARCHES = 7, S_ITER = 8, SLOTS = 10;
// a nested object's state: ABSENT, or what JsonCursor.numbersIn found
const ABSENT = -1, NULL = SLOTS_NULL, OBJECT = SLOTS_OBJECT, FAIL = SLOTS_FAIL;

/** Everything else the cursor read of an assistant line: which objects were there, the values that are no hole. */
interface Shape { isSidechain: boolean | null | undefined; breakdown: number; speed: string | null | undefined; serverTools: number }
const blankShape = (): Shape => ({ isSidechain: undefined, breakdown: ABSENT, speed: undefined, serverTools: ABSENT });

const nums = new Float64Array(SLOTS);
const strs: (string | undefined)[] = [undefined, undefined, undefined, undefined];
const caches: (StringCache | undefined)[] = [strings.id, strings.model, strings.session, strings.cwd];
let shape = blankShape();
// A transcript's assistant lines are written alike (the same keys in the same order): most are read
// by the shape of the last one the cursor read (jsonFields.ts LearnedLines); the content, ids, model,
// session, folder, time and counts are its holes.
const lines = new LearnedLines<Shape>(cur, nums, strs, caches, {
  fresh: () => (shape = blankShape()),
  readFull: (buf, start, end) => readAssistant(buf, start, end),
});
/** How the fast path read its lines: by the learned shape, or by the cursor (for tests). */
export const assistantReads = lines.reads;

/** A count as `count` (`z.number().nullish()`) keeps it: a number, or NaN for null; the cursor fails on anything else. */
const countOrNull = (c: JsonCursor, slot: number): number => (c.null() ? NaN : c.numberIn(slot));
/** Sets `bit` in `seen`, or -1 when the key came before: JSON.parse keeps the last copy, the slow path decides. */
const once = (seen: number, bit: number): number => (seen & bit ? -1 : seen | bit);

/**
 * An assistant line with a usage object as LineSchema reads it, or null when the line is anything else
 * or not in the shape this knows (the slow path then reads it). The message's content, most of the
 * line, is only stepped over.
 */
function assistantFast(buf: Buffer, start: number, end: number): Line | null {
  const s = lines.read(buf, start, end);
  if (!s) return null;
  // most turns' iterations are the main model's calls, which the top-level usage already sums; an
  // escape could spell the type some other way, so a backslash in them sends the line over too
  const from = nums[S_ITER]!;
  if (!Number.isNaN(from)) {
    const it = buf.subarray(from, nums[S_ITER + 1]);
    if (it.indexOf(ADVISOR) >= 0 || it.indexOf(BACKSLASH) >= 0) return null;
  }
  shape = s;
  return assemble();
}

/** The cursor's reading of an assistant line into the slots and `shape`; false when the slow path must read it. */
function readAssistant(buf: Buffer, start: number, end: number): boolean {
  const c = cur.reset(buf, start, end);
  if (!c.openObject()) return false;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.type)) { seen = once(seen, 1); if (!c.stringIs(ASSISTANT)) return false; }
    else if (c.key(K.timestamp)) { seen = once(seen, 2); const t = c.timeIn(S_AT); if (t === undefined) return false; nums[S_AT] = t; }
    else if (c.key(K.message)) { seen = once(seen, 4); if (!messageFast(c)) return false; }
    else if (c.key(K.sessionId)) { seen = once(seen, 8); strs[T_SESSION] = c.stringIn(T_SESSION, strings.session); }
    else if (c.key(K.cwd)) { seen = once(seen, 16); strs[T_CWD] = c.stringIn(T_CWD, strings.cwd); }
    // only checked: nothing reads it
    else if (c.key(K.requestId)) { seen = once(seen, 32); c.isStringIn(); }
    else if (c.key(K.isSidechain)) { seen = once(seen, 64); shape.isSidechain = c.null() ? null : c.boolean(); }
    else c.skipIn();
    if (seen < 0 || !c.ok) return false;
  }
  return (seen & 7) === 7 && c.atEnd();
}

function messageFast(c: JsonCursor): boolean {
  if (!c.openObject()) return false;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.usage)) { seen = once(seen, 1); if (!usageFast(c)) return false; }
    else if (c.key(K.id)) { seen = once(seen, 2); strs[T_ID] = c.stringIn(T_ID, strings.id); }
    else if (c.key(K.model)) { seen = once(seen, 4); strs[T_MODEL] = c.stringIn(T_MODEL, strings.model); }
    else c.skipIn();
    if (seen < 0 || !c.ok) return false;
  }
  return c.ok && (seen & 1) === 1;
}

function usageFast(c: JsonCursor): boolean {
  if (!c.openObject()) return false;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.input)) { seen = once(seen, 1); nums[S_INPUT] = countOrNull(c, S_INPUT); }
    else if (c.key(K.output)) { seen = once(seen, 2); nums[S_OUTPUT] = countOrNull(c, S_OUTPUT); }
    else if (c.key(K.creation)) { seen = once(seen, 4); nums[S_CREATION] = countOrNull(c, S_CREATION); }
    else if (c.key(K.read)) { seen = once(seen, 8); nums[S_READ] = countOrNull(c, S_READ); }
    else if (c.key(K.breakdown)) { seen = once(seen, 16); shape.breakdown = c.numbersIn(BREAKDOWN_KEYS, BREAKDOWN_SLOTS, nums); if (shape.breakdown === FAIL) return false; }
    else if (c.key(K.speed)) { seen = once(seen, 32); shape.speed = c.null() ? null : c.string(); }
    else if (c.key(K.serverTools)) { seen = once(seen, 64); shape.serverTools = c.numbersIn(TOOLS_KEYS, TOOLS_SLOTS, nums); if (shape.serverTools === FAIL) return false; }
    else if (c.key(K.iterations)) { seen = once(seen, 128); nums[S_ITER] = c.spanIn(S_ITER); nums[S_ITER + 1] = c.offset; }
    else c.skipIn();
    if (seen < 0 || !c.ok) return false;
  }
  return c.ok;
}

const BREAKDOWN_KEYS = [K.b5m, K.b1h], BREAKDOWN_SLOTS = [S_5M, S_1H];
const TOOLS_KEYS = [K.searches], TOOLS_SLOTS = [S_SEARCHES];

const slotCount = (slot: number): number | undefined => (Number.isNaN(nums[slot]!) ? undefined : nums[slot]);

// One line's reading, filled again for every line: `assistant` takes numbers and strings out of it and
// keeps none of its objects. Fewer objects a line is less garbage, and less collecting: collections in
// the worker and on this thread get in each other's way (a cold scan on two threads scaled 1.2x when
// allocating heavily, 1.6x when not).
const lineUsage: Usage = { input_tokens: undefined, output_tokens: undefined, cache_creation_input_tokens: undefined, cache_read_input_tokens: undefined,
  cache_creation: undefined, speed: undefined, server_tool_use: undefined, iterations: undefined };
const lineBreakdown: NonNullable<Usage['cache_creation']> = { ephemeral_5m_input_tokens: undefined, ephemeral_1h_input_tokens: undefined };
const lineTools: NonNullable<Usage['server_tool_use']> = { web_search_requests: undefined };
const lineMessage: Line['message'] = { id: undefined, model: undefined, usage: lineUsage };
const theLine: Line = { type: 'assistant', sessionId: undefined, cwd: undefined, timestamp: '', isSidechain: undefined, message: lineMessage };

/** What the slots and `shape` say, as LineSchema has it (in objects the next line's reading fills again). */
function assemble(): Line {
  const s = shape, u = lineUsage;
  at = nums[S_AT]!;
  u.input_tokens = slotCount(S_INPUT); u.output_tokens = slotCount(S_OUTPUT);
  u.cache_creation_input_tokens = slotCount(S_CREATION); u.cache_read_input_tokens = slotCount(S_READ);
  if (s.breakdown === OBJECT) {
    lineBreakdown.ephemeral_5m_input_tokens = slotCount(S_5M); lineBreakdown.ephemeral_1h_input_tokens = slotCount(S_1H);
    u.cache_creation = lineBreakdown;
  } else u.cache_creation = s.breakdown === NULL ? null : undefined;
  u.speed = s.speed;
  if (s.serverTools === OBJECT) { lineTools.web_search_requests = slotCount(S_SEARCHES); u.server_tool_use = lineTools; }
  else u.server_tool_use = s.serverTools === NULL ? null : undefined;
  lineMessage.id = strs[T_ID]; lineMessage.model = strs[T_MODEL];
  theLine.sessionId = strs[T_SESSION]; theLine.cwd = strs[T_CWD]; theLine.isSidechain = s.isSidechain;
  return theLine;
}

// ---- the adapter: where the logs live, what a transcript did ----------------------------------------

const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
const SHELL_TOOLS = new Set(['Bash', 'BashOutput']);

/** Tool calls and their results in one transcript line (assistant `tool_use` and user `tool_result` blocks). */
function activityLine(c: ActivityCollector, o: Record<string, unknown>): void {
  if (typeof o.sessionId === 'string') c.setSession(o.sessionId);
  const msg = o.message as Record<string, unknown> | undefined;
  const content = msg?.content;
  if (!Array.isArray(content)) return;
  c.at(o.timestamp);
  for (const block of content) {
    if (!block || typeof block !== 'object') continue;
    const b = block as Record<string, unknown>;
    if (b.type === 'tool_use') {
      const id = typeof b.id === 'string' ? b.id : '';
      const name = typeof b.name === 'string' ? b.name : 'tool';
      const input = (b.input && typeof b.input === 'object' ? b.input : {}) as Record<string, unknown>;
      c.toolCall();
      if (EDIT_TOOLS.has(name)) {
        const file = input.file_path ?? input.notebook_path;
        if (name === 'Edit') c.edit(id, file, input.old_string, input.new_string);
        else if (name === 'Write') c.edit(id, file, '', input.content);
        else if (name === 'NotebookEdit') c.edit(id, file, '', input.new_source);
        else if (Array.isArray(input.edits)) {
          input.edits.forEach((e, i) => { if (e && typeof e === 'object') c.edit(`${id}#${i}`, file, (e as Record<string, unknown>).old_string, (e as Record<string, unknown>).new_string); });
        }
        c.other(id, name, typeof file === 'string' ? file : '');
      } else if (SHELL_TOOLS.has(name) && typeof input.command === 'string') {
        c.shell(id, input.command, name);
      } else if (name === 'Read' && typeof input.file_path === 'string') {
        // a ranged read of a big file is a different read
        const range = input.offset !== undefined || input.limit !== undefined ? `#${String(input.offset ?? '')}:${String(input.limit ?? '')}` : '';
        c.read(id, input.file_path + range, name);
      } else {
        const detail = typeof input.pattern === 'string' ? input.pattern : typeof input.url === 'string' ? input.url : typeof input.file_path === 'string' ? input.file_path : '';
        c.other(id, name, detail);
      }
    } else if (b.type === 'tool_result') {
      const id = typeof b.tool_use_id === 'string' ? b.tool_use_id : '';
      c.result(id, textLength(b.content), b.is_error === true);
    }
  }
}

// ---- Claude Desktop's local agent mode (Cowork) --------------------------------------------------------

/**
 * Claude Desktop's local agent mode (Cowork) runs Claude Code with a home of its own per session:
 * <sessions>/<app id>/<workspace id>/local_<session id>/.claude/projects/<slug>/*.jsonl, beside the
 * session's `outputs/` (the user's files) and metadata (codeburn src/providers/claude.ts
 * getDesktopSessionsDirs and findDesktopProjectDirs, docs/providers/claude.md). The folder is
 * Electron's user-data folder: ~/Library/Application Support/Claude on macOS, %APPDATA%\Claude (and
 * the MSIX package's LocalCache\Roaming\Claude) on Windows, $XDG_CONFIG_HOME/Claude on Linux.
 */
export const DESKTOP_SESSIONS = 'local-agent-mode-sessions';

export function desktopSessionsDirs(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'darwin') return [path.join(home, 'Library', 'Application Support', 'Claude', DESKTOP_SESSIONS)];
  if (platform !== 'win32') return [path.join(env.XDG_CONFIG_HOME?.trim() || path.join(home, '.config'), 'Claude', DESKTOP_SESSIONS)];
  const out = [path.join(env.APPDATA?.trim() || path.join(home, 'AppData', 'Roaming'), 'Claude', DESKTOP_SESSIONS)];
  const packages = path.join(env.LOCALAPPDATA?.trim() || path.join(home, 'AppData', 'Local'), 'Packages');
  let names: string[] = [];
  try { names = fs.readdirSync(packages).filter(n => n.startsWith('Claude_') || n.includes('.Claude_')).sort(); } catch { /* no MSIX install */ }
  for (const n of names.slice(0, 16)) out.push(path.join(packages, n, 'LocalCache', 'Roaming', 'Claude', DESKTOP_SESSIONS));
  return out;
}

/**
 * Where a path is in a Cowork sessions tree: the folder names below `local-agent-mode-sessions`, or
 * null outside one. Only <app>/<workspace>/local_<id>/.claude/projects/… is walked there: the rest
 * is the user's files.
 */
function desktopPlace(full: string): string[] | null {
  if (!full.includes(DESKTOP_SESSIONS)) return null; // every log path of a walk comes here: most are not Cowork's
  const parts = full.split(path.sep);
  const i = parts.indexOf(DESKTOP_SESSIONS);
  return i < 0 ? null : parts.slice(i + 1);
}
const SpacesSchema = z.object({ spaces: z.array(z.object({ id: z.string(), name: z.string() }).passthrough()) }).passthrough();
const CoworkSessionSchema = z.object({ spaceId: z.string().nullish(), userSelectedFolders: z.array(z.unknown()).nullish(), title: z.string().nullish() }).passthrough();
const jsonOf = (file: string): unknown => { try { const t = readSmallFile(file); return t === null ? null : JSON.parse(t); } catch { return null; } };

/**
 * A Cowork transcript's project, as Claude Desktop names it: its space (`<workspace>/spaces.json`,
 * by the `spaceId` of `<workspace>/local_<id>.json`), else the folder the user chose, else the
 * session's title (codeburn resolveCoworkSpaceName); null for any other transcript, or when the
 * metadata says none of these.
 */
function desktopProject(file: string): string | null {
  const r = desktopPlace(file);
  if (!r || r.length < 7 || !r[2]!.startsWith('local_')) return null;
  const workspace = file.split(path.sep).slice(0, -(r.length - 2)).join(path.sep);
  const meta = CoworkSessionSchema.safeParse(jsonOf(path.join(workspace, `${r[2]}.json`)));
  if (!meta.success) return null;
  const { spaceId, userSelectedFolders, title } = meta.data;
  if (spaceId) {
    const spaces = SpacesSchema.safeParse(jsonOf(path.join(workspace, 'spaces.json')));
    const name = spaces.success ? spaces.data.spaces.find(x => x.id === spaceId)?.name.trim() : undefined;
    if (name) return name;
  }
  const folder = userSelectedFolders?.[0];
  if (typeof folder === 'string' && folder.trim()) return path.basename(folder.trim());
  return title?.trim() || null;
}

/**
 * The transcript folders of a Cowork sessions folder: each session's `.claude/projects`. They, not the
 * sessions folder, are walked and watched: a session's `outputs/` is the user's work (a checkout with
 * node_modules, say), too big to watch and none of ours. Three listings deep, real folders only.
 */
function desktopProjectDirs(root: string): string[] {
  const out: string[] = [];
  const folders = (dir: string): string[] => {
    try { return fs.readdirSync(dir, { withFileTypes: true }).filter(e => e.isDirectory()).map(e => e.name).sort().slice(0, MAX_COWORK_ENTRIES); } catch { return []; }
  };
  for (const app of folders(root)) {
    for (const ws of folders(path.join(root, app))) {
      for (const session of folders(path.join(root, app, ws))) {
        const projects = path.join(root, app, ws, session, '.claude', 'projects');
        if (session.startsWith('local_') && isDir(projects)) out.push(projects);
      }
    }
  }
  return out;
}
/** More entries than this in one folder of a Cowork tree are not ours to list. */
const MAX_COWORK_ENTRIES = 10_000;

const pruneDesktop = (_name: string, full: string): boolean => {
  const r = desktopPlace(full);
  if (!r) return false;
  const n = r.length;
  return n === 3 ? !r[2]!.startsWith('local_') : n === 4 ? r[3] !== '.claude' : n === 5 ? r[4] !== 'projects' : false;
};
const inDesktopProjects = (full: string): boolean => {
  const r = desktopPlace(full);
  return !r || (r.length > 6 && r[2]!.startsWith('local_') && r[3] === '.claude' && r[4] === 'projects');
};

export const claudeCode: AgentAdapter = {
  id: 'claude-code',
  displayName: 'Claude Code',
  logs: {
    setting: 'claudeDirs',
    cliFlag: 'claude-dir',
    settingDescription: 'Folders where Claude Code writes its logs, replacing the defaults (`$CLAUDE_CONFIG_DIR`, else `~/.config/claude` and `~/.claude`; each may hold a `projects/` folder; and Claude Desktop\'s Cowork sessions, `<Claude app data>/local-agent-mode-sessions`). Use this when the agent runs with a custom home, or to point Tokenomics at copies of logs.',
    // CLAUDE_CONFIG_DIR may list several folders, comma-separated (ccusage's reading of it); Claude
    // Desktop's Cowork sessions are Claude Code's too, wherever the CLI keeps its own
    defaultRoots: (env, home) => [...(env.CLAUDE_CONFIG_DIR?.trim()
      ? env.CLAUDE_CONFIG_DIR.split(',')
      : [path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'claude'), path.join(home, '.claude')]), ...desktopSessionsDirs(env, home)],
    envVars: ['CLAUDE_CONFIG_DIR'],
    scanDirs: root => path.basename(root) === DESKTOP_SESSIONS ? desktopProjectDirs(root)
      : [isDir(path.join(root, 'projects')) ? path.join(root, 'projects') : root],
    isLogFile: (name, full) => name.endsWith('.jsonl') && inDesktopProjects(full),
    prune: pruneDesktop,
  },
  usage: claudeCodeReader,
  activity: {
    needles: [Buffer.from('"tool_use"'), Buffer.from('"tool_result"')],
    // file backups can quote tool calls; they are never activity and are often the biggest lines
    skip: line => line.startsWith('{"type":"file-history-snapshot"'),
    line: activityLine,
  },
  instructionFiles: ['CLAUDE.md'],
  basis: 'exact',
};
