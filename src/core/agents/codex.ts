// Codex CLI rollouts: sessions/YYYY/MM/DD/rollout-*.jsonl(.zst) and archived_sessions/.
// Shapes from openai/codex codex-rs/protocol (TokenUsage, TokenCountEvent, RateLimitSnapshot,
// SessionMeta) and codex-rs/rollout (recorder, ordinal.rs, compression.rs); replay and re-emission
// rules pinned by ccusage rust/crates/ccusage/src/adapter/codex/loader.rs tests and codeburn
// tests/providers/codex.test.ts.
import path from 'node:path';
import * as z from 'zod';
import { plainLogPath } from './logSource';
import { AgentReader, LineOutcome, RateLimitWindow, RateLimits, UsageRecord, codexKey, codexLineageKey, tokens } from './records';
import { plausibleTime, plausibleUsage } from './skipReasons';
import type { ActivityCollector, AgentAdapter } from './adapter';
import { isDir, textLength } from './shared';
import { JsonCursor, LearnedLines, SLOTS_FAIL, SLOTS_NULL, SLOTS_OBJECT, keyBytes } from './jsonFields';

const num = z.number().nullish().catch(null);
const TokenUsageSchema = z.object({
  input_tokens: num, cached_input_tokens: num, output_tokens: num, reasoning_output_tokens: num, total_tokens: num,
  // newer builds: the part of input written to the prompt cache (a subset of input, like cached)
  cache_write_input_tokens: num,
});
const WindowSchema = z.object({ used_percent: z.number(), window_minutes: num, resets_at: num, resets_in_seconds: num });
const LineSchema = z.object({
  timestamp: z.string(),
  type: z.string(),
  ordinal: z.number().int().nonnegative().nullish().catch(null),
  payload: z.record(z.string(), z.unknown()).nullish(),
});
const str = z.string().nullish().catch(null);
const MetaSchema = z.object({
  id: str,
  cwd: str,
  forked_from_id: str,
  parent_thread_id: str,
  thread_source: str,
  // a string ("cli", "vscode", "exec") for a root thread, an object for a spawned one
  source: z.union([z.string(), z.object({
    subagent: z.union([z.string(), z.object({ thread_spawn: z.object({ parent_thread_id: str }).passthrough().nullish().catch(null) }).passthrough()]).nullish().catch(null),
  }).passthrough()]).nullish().catch(null),
  subagent_history_start_ordinal: z.number().int().nonnegative().nullish().catch(null),
  forked_from_ordinal_exclusive: z.number().int().nonnegative().nullish().catch(null),
});
const TurnSchema = z.object({ model: z.string().optional(), cwd: z.string().optional() });
const TokenCountSchema = z.object({
  type: z.literal('token_count'),
  info: z.object({
    total_token_usage: TokenUsageSchema.nullish(),
    last_token_usage: TokenUsageSchema.nullish(),
    model: str,
  }).nullish(),
});
// Parsed on its own: an odd rate-limit shape only costs the tooltip its percentages, never the tokens.
const RateLimitsSchema = z.object({
  primary: WindowSchema.nullish(), secondary: WindowSchema.nullish(), plan_type: z.string().nullish(),
  limit_id: str, limit_name: str,
  credits: z.object({ has_credits: z.boolean(), unlimited: z.boolean(), balance: z.string().nullish() }).nullish().catch(null),
});

type Tuple = { input: number; cached: number; cacheWrite: number; output: number; reasoning: number; total: number };

export interface CodexState {
  session: string;
  project: string;
  model: string;
  metas: number;
  /** The thread whose history this one starts from (a fork's source, a sub-agent's parent); null for a root. */
  parent: string | null;
  /** The oldest thread of the lineage: replayed events share their running totals with it. */
  root: string | null;
  /** Lines numbered below this are the parent's history, copied (session_meta.subagent_history_start_ordinal). */
  historyStart: number | null;
  /** Set in a fork: lines stamped before the fork was made replay the parent's history. */
  forkedAt: number | null;
  firstMetaAt: number | null;
  /**
   * A child without ordinals: its copy of the parent's history is a burst of token counts at or just
   * after its start; this is the time of the last one seen, null once the child's own events began.
   */
  burstAt: number | null;
  prevTotal: Tuple | null;
  /** The last request read without a running total: a re-emission of it repeats it exactly. */
  prevLast: Tuple | null;
  archived: boolean;
  /** The plan usage reported last, and when (epoch ms): once per change, not on every record. */
  rateLimits: { at: number; limits: RateLimits } | null;
}

/** The plan usage a line reported, read only when it is wanted (see `keepLimits`). */
type LimitsSource = (at: number) => RateLimits | undefined;

/**
 * Rate limits ride on every token_count, also on one that bills nothing (info null): the file keeps
 * the latest, once, in its state; records do not carry them (a copy per request was most of the index).
 * A replayed parent's are history and never get here. An older report never replaces a newer one, so
 * it is not even read.
 */
function keepLimits(state: CodexState, limits: LimitsSource, at: number): void {
  if (state.rateLimits && at < state.rateLimits.at) return;
  const l = limits(at);
  if (l) state.rateLimits = { at, limits: l };
}

/** How far apart a replayed burst's events can be: Codex writes the copy in one go, sub-second. */
const BURST_GAP_MS = 1000;

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

function tuple(u: z.infer<typeof TokenUsageSchema>): Tuple {
  const input = tokens(u.input_tokens), output = tokens(u.output_tokens), reasoning = tokens(u.reasoning_output_tokens);
  return { input, cached: tokens(u.cached_input_tokens), cacheWrite: tokens(u.cache_write_input_tokens), output, reasoning,
    total: tokens(u.total_tokens) || input + output };
}

/** What the running total `total` added to `prev`, count by count. */
const growth = (total: Tuple, prev: Tuple): Tuple => ({ input: total.input - prev.input, cached: total.cached - prev.cached,
  cacheWrite: total.cacheWrite - prev.cacheWrite, output: total.output - prev.output, reasoning: total.reasoning - prev.reasoning, total: total.total - prev.total });

const sameTuple = (a: Tuple, b: Tuple) => a.input === b.input && a.cached === b.cached && a.cacheWrite === b.cacheWrite
  && a.output === b.output && a.reasoning === b.reasoning && a.total === b.total;

function windowOf(w: z.infer<typeof WindowSchema> | null | undefined, at: number): RateLimitWindow | undefined {
  if (!w) return undefined;
  const resetsAt = w.resets_at != null ? w.resets_at * 1000 : w.resets_in_seconds != null ? at + w.resets_in_seconds * 1000 : null;
  return { usedPercent: w.used_percent, windowMinutes: w.window_minutes ?? null, resetsAt };
}

type RateLimitsData = z.infer<typeof RateLimitsSchema>;

function parseRateLimits(raw: unknown): RateLimitsData | null {
  if (raw === undefined || raw === null) return null;
  const p = RateLimitsSchema.safeParse(raw);
  return p.success ? p.data : null;
}

function limitsOf(rl: RateLimitsData, at: number): RateLimits {
  const out: RateLimits = { primary: windowOf(rl.primary, at), secondary: windowOf(rl.secondary, at), planType: rl.plan_type ?? undefined };
  if (rl.limit_id) out.limitId = rl.limit_id;
  if (rl.limit_name) out.limitName = rl.limit_name;
  if (rl.credits) out.credits = { hasCredits: rl.credits.has_credits, unlimited: rl.credits.unlimited, balance: rl.credits.balance ?? null };
  return out;
}

function rateLimitsOf(raw: unknown, at: number): RateLimits | undefined {
  const rl = parseRateLimits(raw);
  return rl ? limitsOf(rl, at) : undefined;
}

/** Which thread a session_meta says this one descends from, if any. */
function parentOf(m: z.infer<typeof MetaSchema>): string | null {
  const src = m.source;
  const spawn = typeof src === 'object' && src && typeof src.subagent === 'object' && src.subagent ? src.subagent.thread_spawn?.parent_thread_id : null;
  return m.forked_from_id || spawn || m.parent_thread_id || null;
}

function isChild(m: z.infer<typeof MetaSchema>): boolean {
  return parentOf(m) !== null || m.thread_source === 'subagent' || (typeof m.source === 'object' && m.source !== null && m.source.subagent != null);
}

export const codexReader: AgentReader<CodexState> = {
  agent: 'codex',
  needles: [Buffer.from('token_count'), Buffer.from('turn_context'), Buffer.from('session_meta')],
  // codex-rs/protocol RolloutLine serializes {timestamp, ordinal?, type, payload:{type, ...}}: the item
  // and event types come first, so a request's `token_count` is within the first ~150 bytes of its line (256 leaves room for spacing)
  needleHeadBytes: 256,
  lastWinsInFile: false,
  initState: file => ({
    session: UUID.exec(plainLogPath(file))?.[1] ?? path.basename(plainLogPath(file), '.jsonl'), project: '', model: 'unknown', metas: 0,
    parent: null, root: null, historyStart: null, forkedAt: null, firstMetaAt: null, burstAt: null, prevTotal: null, prevLast: null,
    archived: file.split(path.sep).includes('archived_sessions'), rateLimits: null,
  }),
  rateLimitsOf: state => state.rateLimits ?? undefined,
  line(state, text, _offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    const p = LineSchema.safeParse(raw);
    if (!p.success) return 'malformed';
    const { type, payload, ordinal } = p.data;
    const at = Date.parse(p.data.timestamp);
    if (type === 'session_meta') {
      const m = MetaSchema.safeParse(payload ?? {});
      if (!m.success) return 'malformed';
      state.metas++;
      const meta = m.data;
      if (state.metas === 1) {
        if (meta.id) state.session = meta.id;
        if (meta.cwd) state.project = meta.cwd;
        state.firstMetaAt = Number.isFinite(at) ? at : null;
        state.parent = parentOf(meta);
        state.root = state.parent;
        state.historyStart = meta.subagent_history_start_ordinal ?? null;
        if (isChild(meta)) { state.forkedAt = state.firstMetaAt; state.burstAt = state.firstMetaAt; }
      } else {
        // A second session_meta is the parent's, copied with its history: the parent's own lineage
        // (a fork of a fork) names the root the copied running totals belong to.
        if (state.forkedAt === null) { state.forkedAt = state.firstMetaAt; state.burstAt = state.firstMetaAt; }
        if (meta.id && (state.root === null || state.root === meta.id)) state.root = parentOf(meta) ?? meta.id;
        if (!state.parent && meta.id) state.parent = meta.id;
      }
      return 'ignored';
    }
    if (type === 'turn_context') {
      const t = TurnSchema.safeParse(payload ?? {});
      if (!t.success) return 'malformed';
      if (t.data.model) state.model = t.data.model;
      if (t.data.cwd && !state.project) state.project = t.data.cwd;
      return 'ignored';
    }
    if (type !== 'event_msg' || payload?.type !== 'token_count') return 'ignored';
    const tc = TokenCountSchema.safeParse(payload);
    if (!tc.success || !Number.isFinite(at)) return 'malformed';
    const info = tc.data.info;
    const counts = info ? { total: info.total_token_usage ? tuple(info.total_token_usage) : null, last: info.last_token_usage ? tuple(info.last_token_usage) : null, model: info.model } : null;
    return tokenCount(state, at, ordinal, counts, a => rateLimitsOf(payload.rate_limits, a), file, emit);
  },
  lineBytes(state, buf, start, end, _offset, file, emit): LineOutcome | null {
    const t = tokenCountFast(buf, start, end);
    if (!t) return null;
    if (!Number.isFinite(t.at)) return 'malformed';
    return tokenCount(state, t.at, t.ordinal, t.counts, t.limits ? fastLimitsSource : noLimits, file, emit);
  },
};

// ---- the fast path: a token_count line read from its bytes (jsonFields.ts says why) -------------------

const K = {
  timestamp: keyBytes('timestamp'), type: keyBytes('type'), ordinal: keyBytes('ordinal'), payload: keyBytes('payload'),
  info: keyBytes('info'), rateLimits: keyBytes('rate_limits'), total: keyBytes('total_token_usage'), last: keyBytes('last_token_usage'),
  model: keyBytes('model'), input: keyBytes('input_tokens'), cached: keyBytes('cached_input_tokens'), output: keyBytes('output_tokens'),
  reasoning: keyBytes('reasoning_output_tokens'), totalTokens: keyBytes('total_tokens'), cacheWrite: keyBytes('cache_write_input_tokens'),
  primary: keyBytes('primary'), secondary: keyBytes('secondary'), planType: keyBytes('plan_type'), limitId: keyBytes('limit_id'),
  limitName: keyBytes('limit_name'), credits: keyBytes('credits'), usedPercent: keyBytes('used_percent'), windowMinutes: keyBytes('window_minutes'),
  resetsAt: keyBytes('resets_at'), resetsIn: keyBytes('resets_in_seconds'),
};
const EVENT_MSG = keyBytes('event_msg'), TOKEN_COUNT = keyBytes('token_count');
const cur = new JsonCursor();

// The numbers of a token_count line, by slot (a LineTemplate's holes are these): the time, the
// ordinal, the two usages (input, cached, output, reasoning, total, cache write) and the two rate-limit
// windows (used percent, window minutes, resets at, resets in seconds). NaN: null or absent, which
// the slow path treats alike in every one of them.
const S_AT = 0, S_ORDINAL = 1, S_TOTAL = 2, S_LAST = 8, S_PRIMARY = 14, S_SECONDARY = 18, SLOTS = 22;
const U_INPUT = 0, U_CACHED = 1, U_OUTPUT = 2, U_REASONING = 3, U_TOTAL = 4, U_WRITE = 5;
const W_USED = 0, W_MINUTES = 1, W_RESETS_AT = 2, W_RESETS_IN = 3;
const LIMITS_NONE = 0, LIMITS_FAST = 1, LIMITS_PARSED = 2;

/** Everything else the cursor read of a token_count line: which objects were there, and the strings. */
interface Shape {
  info: boolean; total: boolean; last: boolean; model: string | null | undefined;
  /** LIMITS_PARSED: `payload.rate_limits` went to RateLimitsSchema, whose verdict is `parsed`. */
  limits: number; parsed: RateLimitsData | null;
  primary: boolean; secondary: boolean; planType: string | null | undefined; limitId: string | null | undefined; limitName: string | null | undefined;
}
const blankShape = (): Shape => ({ info: false, total: false, last: false, model: undefined, limits: LIMITS_NONE, parsed: null,
  primary: false, secondary: false, planType: undefined, limitId: undefined, limitName: undefined });

const nums = new Float64Array(SLOTS);
let shape = blankShape();
// Codex writes every token_count line of a rollout alike: most are read by the shape of the last one
// the cursor read (jsonFields.ts LearnedLines), whose holes are the slots above.
const lines = new LearnedLines<Shape>(cur, nums, null, undefined, {
  fresh: () => (shape = blankShape()),
  readFull: (buf, start, end) => readTokenCount(buf, start, end),
  // a shape whose rate limits only the schema could read is not worth learning
  learnable: s => s.limits !== LIMITS_PARSED,
});
/** How the fast path read its token_count lines: by the learned shape, or by the cursor (for tests). */
export const tokenCountReads = lines.reads;

/** A number or null, as `num` (`z.number().nullish()`) keeps them; the cursor fails on any other value. */
const numOrNull = (c: JsonCursor, slot: number): number => (c.null() ? NaN : c.numberIn(slot));
const strOrNull = (c: JsonCursor): string | null | undefined => (c.null() ? null : c.string());

/** Sets `bit` in `seen`, or -1 when the key came before: JSON.parse keeps the last copy, the slow path decides. */
const once = (seen: number, bit: number): number => (seen & bit ? -1 : seen | bit);

/**
 * A Codex `event_msg` / `token_count` line as the slow path reads it, or null when the line is
 * anything else or not in the shape this knows (the slow path then reads it). `limits`: what
 * `payload.rate_limits` says, null when absent or not valid.
 */
function tokenCountFast(buf: Buffer, start: number, end: number): typeof fast | null {
  const s = lines.read(buf, start, end);
  if (!s) return null;
  shape = s;
  return assemble();
}

/** The cursor's reading of a token_count line into `nums` and `shape`; false when the slow path must read it. */
function readTokenCount(buf: Buffer, start: number, end: number): boolean {
  const c = cur.reset(buf, start, end);
  if (!c.openObject()) return false;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.timestamp)) {
      seen = once(seen, 1);
      nums[S_AT] = c.timeIn(S_AT) ?? NaN;
    } else if (c.key(K.type)) {
      seen = once(seen, 2);
      if (!c.stringIs(EVENT_MSG)) return false;
    } else if (c.key(K.ordinal)) {
      seen = once(seen, 4);
      nums[S_ORDINAL] = numOrNull(c, S_ORDINAL);
    } else if (c.key(K.payload)) {
      seen = once(seen, 8);
      if (!c.openObject()) return false;
      let pseen = 0;
      for (let pk = c.firstKey(); pk; pk = c.nextKey()) {
        if (c.key(K.type)) {
          pseen = once(pseen, 1);
          if (!c.stringIs(TOKEN_COUNT)) return false;
        } else if (c.key(K.info)) {
          pseen = once(pseen, 2);
          if (!countsFast(c)) return false;
        } else if (c.key(K.rateLimits)) {
          pseen = once(pseen, 4);
          if (!c.null()) limitsAt(c, buf);
        } else c.skip();
        if (pseen < 0 || !c.ok) return false;
      }
      if (!(pseen & 1)) return false;
    } else c.skip();
    if (seen < 0 || !c.ok) return false;
  }
  return (seen & 11) === 11 && c.atEnd();
}

/** `payload.info`: null, or its counts; false when the slow path must decide. */
function countsFast(c: JsonCursor): boolean {
  if (c.null()) return true;
  if (!c.openObject()) return false;
  shape.info = true;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.total)) { seen = once(seen, 1); const u = c.numbersIn(USAGE_KEYS, TOTAL_SLOTS, nums); if (u === FAIL) return false; shape.total = u === OBJECT; }
    else if (c.key(K.last)) { seen = once(seen, 2); const u = c.numbersIn(USAGE_KEYS, LAST_SLOTS, nums); if (u === FAIL) return false; shape.last = u === OBJECT; }
    else if (c.key(K.model)) { seen = once(seen, 4); shape.model = strOrNull(c); }
    else c.skip();
    if (seen < 0 || !c.ok) return false;
  }
  return c.ok;
}

const FAIL = SLOTS_FAIL, NULL = SLOTS_NULL, OBJECT = SLOTS_OBJECT;
// a TokenUsage object's counts, by their place in a usage's six slots
const USAGE_KEYS = [K.input, K.cached, K.output, K.reasoning, K.totalTokens, K.cacheWrite];
const TOTAL_SLOTS = [U_INPUT, U_CACHED, U_OUTPUT, U_REASONING, U_TOTAL, U_WRITE].map(u => S_TOTAL + u);
const LAST_SLOTS = TOTAL_SLOTS.map(s => s - S_TOTAL + S_LAST);

/**
 * The rate limits at the cursor (not null), into the window slots and `shape`; what the fast reading
 * does not know goes to RateLimitsSchema (LIMITS_PARSED). The cursor fails only when the bytes are not JSON.
 */
function limitsAt(c: JsonCursor, buf: Buffer): void {
  const from = c.skip(), to = c.offset;
  if (!c.ok) return;
  c.seek(from);
  if (rateLimitsFast(c) && c.offset === to) { shape.limits = LIMITS_FAST; return; }
  // the window slots may hold part of what the fast reading took: the schema's verdict replaces it all
  shape.primary = shape.secondary = false;
  shape.planType = shape.limitId = shape.limitName = undefined;
  nums.fill(NaN, S_PRIMARY, SLOTS);
  c.seek(to);
  shape.limits = LIMITS_PARSED;
  shape.parsed = parseRateLimits(JSON.parse(buf.toString('utf8', from, to)));
}

/** `rate_limits` in the shapes Codex writes; false when RateLimitsSchema must decide. */
function rateLimitsFast(c: JsonCursor): boolean {
  if (!c.openObject()) return false;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.primary)) { seen = once(seen, 1); const w = windowFast(c, S_PRIMARY); if (w === FAIL) return false; shape.primary = w === OBJECT; }
    else if (c.key(K.secondary)) { seen = once(seen, 2); const w = windowFast(c, S_SECONDARY); if (w === FAIL) return false; shape.secondary = w === OBJECT; }
    else if (c.key(K.planType)) { seen = once(seen, 4); shape.planType = strOrNull(c); }
    else if (c.key(K.limitId)) { seen = once(seen, 8); shape.limitId = strOrNull(c); }
    else if (c.key(K.limitName)) { seen = once(seen, 16); shape.limitName = strOrNull(c); }
    else if (c.key(K.credits)) { seen = once(seen, 32); if (!c.null()) return false; }
    else c.skip();
    if (seen < 0 || !c.ok) return false;
  }
  return c.ok;
}

/** A rate-limit window into the four slots from `at`: OBJECT, NULL for null, FAIL when the schema must decide. */
function windowFast(c: JsonCursor, at: number): number {
  if (c.null()) return NULL;
  if (!c.openObject()) return FAIL;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.usedPercent)) { seen = once(seen, 1); nums[at + W_USED] = c.numberIn(at + W_USED); }
    else if (c.key(K.windowMinutes)) { seen = once(seen, 2); nums[at + W_MINUTES] = numOrNull(c, at + W_MINUTES); }
    else if (c.key(K.resetsAt)) { seen = once(seen, 4); nums[at + W_RESETS_AT] = numOrNull(c, at + W_RESETS_AT); }
    else if (c.key(K.resetsIn)) { seen = once(seen, 8); nums[at + W_RESETS_IN] = numOrNull(c, at + W_RESETS_IN); }
    else c.skip();
    if (seen < 0 || !c.ok) return FAIL;
  }
  return c.ok && seen & 1 ? OBJECT : FAIL;
}

const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

function tupleAt(at: number): Tuple {
  const input = tokens(nums[at + U_INPUT]), output = tokens(nums[at + U_OUTPUT]);
  return { input, cached: tokens(nums[at + U_CACHED]), cacheWrite: tokens(nums[at + U_WRITE]), output, reasoning: tokens(nums[at + U_REASONING]),
    total: tokens(nums[at + U_TOTAL]) || input + output };
}

// One line's reading, filled again for every line: `tokenCount` keeps the tuples (a fresh pair a line:
// the next line is compared with them) and copies out of the rest. Fewer objects a line is less
// garbage, and less collecting: collections in the worker and on this thread get in each other's way
// (a cold scan on two threads scaled 1.2x when allocating heavily, 1.6x when not).
type Window = z.infer<typeof WindowSchema>;
const fastPrimary: Window = { used_percent: 0, window_minutes: null, resets_at: null, resets_in_seconds: null };
const fastSecondary: Window = { used_percent: 0, window_minutes: null, resets_at: null, resets_in_seconds: null };
const fastLimits: RateLimitsData = { primary: null, secondary: null, plan_type: undefined, limit_id: undefined, limit_name: undefined, credits: null };
const fastCounts: Counts = { total: null, last: null, model: undefined };
const fast: { at: number; ordinal: number | null; counts: Counts | null; limits: RateLimitsData | null } = { at: NaN, ordinal: null, counts: null, limits: null };

function windowAt(w: Window, at: number): Window {
  w.used_percent = nums[at + W_USED]!; w.window_minutes = orNull(nums[at + W_MINUTES]!); w.resets_at = orNull(nums[at + W_RESETS_AT]!);
  w.resets_in_seconds = orNull(nums[at + W_RESETS_IN]!);
  return w;
}

/**
 * What `nums` and `shape` say, as the slow path has it (in objects the next line's reading fills
 * again); null when it must decide (an ordinal the schema would not keep).
 */
function assemble(): typeof fast | null {
  const ordinal = orNull(nums[S_ORDINAL]!);
  // what z.number().int().nonnegative() keeps; anything else is left to the slow path's catch
  if (ordinal !== null && !(Number.isSafeInteger(ordinal) && ordinal >= 0)) return null;
  const s = shape;
  if (s.info) {
    fastCounts.total = s.total ? tupleAt(S_TOTAL) : null; fastCounts.last = s.last ? tupleAt(S_LAST) : null; fastCounts.model = s.model;
    fast.counts = fastCounts;
  } else fast.counts = null;
  if (s.limits === LIMITS_FAST) {
    const l = fastLimits;
    l.primary = s.primary ? windowAt(fastPrimary, S_PRIMARY) : null; l.secondary = s.secondary ? windowAt(fastSecondary, S_SECONDARY) : null;
    l.plan_type = s.planType; l.limit_id = s.limitId; l.limit_name = s.limitName;
    fast.limits = l;
  } else fast.limits = s.limits === LIMITS_PARSED ? s.parsed : null;
  fast.at = nums[S_AT]!;
  fast.ordinal = ordinal;
  return fast;
}

/** The rate limits of the line just read by the fast path (`keepLimits` asks while that line is read). */
const fastLimitsSource: LimitsSource = at => limitsOf(fast.limits!, at);
const noLimits: LimitsSource = () => undefined;

/** What a `token_count` event says, read by either path. */
interface Counts { total: Tuple | null; last: Tuple | null; model: string | null | undefined }

/** A `token_count` event (its line already checked): a request, or why not. */
function tokenCount(state: CodexState, at: number, ordinal: number | null | undefined, info: Counts | null, limits: LimitsSource,
  file: string, emit: (r: UsageRecord) => void): LineOutcome {
  if (!plausibleTime(at)) return 'out-of-range-time';
  if (!info) { keepLimits(state, limits, at); return 'ignored'; }
  const total = info.total;
  const prev = state.prevTotal;
  if (total) state.prevTotal = total;

  // The parent's history copied into a fork or sub-agent: it sets the baseline, the parent billed it.
  if (state.historyStart !== null && ordinal != null) {
    if (ordinal < state.historyStart) return 'replay';
    state.burstAt = null; // the numbering says where the child's own history starts: no guessing
  }
  if (state.forkedAt !== null && at < state.forkedAt) return 'replay';
  if (state.burstAt !== null) {
    if (at - state.burstAt <= BURST_GAP_MS) { state.burstAt = Math.max(state.burstAt, at); return 'replay'; }
    state.burstAt = null;
  }
  keepLimits(state, limits, at);
  // Codex sends the same totals again when only the rate limits changed: nothing was billed.
  if (total && prev && sameTuple(total, prev)) return 'duplicate';

  // how the running total grew since the event before: what was billed, when the log says nothing better
  const grown = total && prev ? growth(total, prev) : null;
  let last: Tuple | null = info.last;
  if (!last && total) {
    // Older builds only wrote the running total: the request is the difference. A child's first
    // total includes its parent's, which only the parent can vouch for.
    if (!prev && state.parent !== null) return 'replay';
    last = grown ?? total;
  }
  if (!last || last.input + last.output <= 0 || last.input < 0 || last.output < 0) return 'ignored';
  // A server-side web search re-reads the context inside one response: the provider bills all of it,
  // which goes into the running total, while last_token_usage is kept to the active context (openai/codex
  // core tests, server_web_search_usage_does_not_inflate_active_context). Where the total grew by more
  // than `last`, and consistently (every count up, total_tokens up by input + output: not a total Codex
  // reset, as fill_to_context_window does), the growth is what was billed; `last` stays the context.
  const billed = grown && grown.input + grown.output > last.input + last.output && grown.total === grown.input + grown.output
    && grown.input >= 0 && grown.cached >= 0 && grown.cacheWrite >= 0 && grown.output >= 0 && grown.reasoning >= 0 ? grown : last;
  if (!total) {
    // without a running total, the same counts again are the re-emission (codeburn "still dedups
    // consecutive zero-cumulative duplicates")
    if (state.prevLast && sameTuple(last, state.prevLast)) return 'duplicate';
    state.prevLast = last;
  }
  const cached = Math.min(Math.max(billed.cached, 0), billed.input);
  const written = Math.min(Math.max(billed.cacheWrite, 0), billed.input - cached);
  // input_tokens already include the cached and the cache-written ones; reasoning is already inside output_tokens.
  const usage = { input: billed.input - cached - written, output: billed.output, cacheRead: cached, cacheWrite5m: written, cacheWrite1h: 0 };
  if (!plausibleUsage(usage)) return 'implausible';
  const model = info.model || state.model;
  const record: UsageRecord = {
    agent: 'codex',
    sessionId: state.session,
    project: state.project,
    model,
    timestamp: at,
    usage,
    contextTokens: last.input,
    file,
    // The running total names a request within a lineage: a re-emission, or a replay that escaped
    // the checks above, carries the parent's totals and collides with the parent's record
    // (codeburn src/providers/codex.ts). Without totals, time + tokens is all there is.
    key: total ? codexLineageKey(state.root ?? state.session, total)
      : codexKey(at, model, last),
    rank: state.archived ? 1 : 0,
  };
  emit(record);
  return 'record';
}


// ---- the adapter: where the logs live, what a rollout did ---------------------------------------------

/** Files and +/- lines of an `apply_patch` body (`*** Update File: …`, then `+`/`-` lines). */
export function patchStats(patch: string): { files: string[]; added: number; removed: number } {
  const files: string[] = [];
  let added = 0, removed = 0;
  for (const line of patch.split('\n')) {
    const m = /^\*\*\* (?:Update|Add|Delete) File: (.+)$/.exec(line);
    if (m) { files.push(m[1]!.trim()); continue; }
    if (line.startsWith('***') || line.startsWith('@@')) continue;
    if (line.startsWith('+')) added++;
    else if (line.startsWith('-')) removed++;
  }
  return { files, added, removed };
}

function codexArgs(raw: unknown): Record<string, unknown> {
  if (raw && typeof raw === 'object') return raw as Record<string, unknown>;
  if (typeof raw !== 'string') return {};
  try { const v = JSON.parse(raw); return v && typeof v === 'object' ? v : {}; } catch { return {}; }
}

function codexCommand(cmd: unknown): string {
  if (typeof cmd === 'string') return cmd;
  if (Array.isArray(cmd)) {
    const parts = cmd.map(String);
    // ["bash", "-lc", "npm test"] is the command "npm test"
    if (parts.length === 3 && /(?:^|\/)(?:ba|z)?sh$/.test(parts[0]!) && /^-l?c$/.test(parts[1]!)) return parts[2]!;
    return parts.join(' ');
  }
  return '';
}

/** Tool calls (`function_call`, `custom_tool_call`, `local_shell_call`) and their outputs in one rollout line. */
function activityLine(c: ActivityCollector, o: Record<string, unknown>): void {
  const p = o.payload as Record<string, unknown> | undefined;
  if (!p) return;
  if (o.type === 'session_meta') { if (typeof p.id === 'string') c.setSession(p.id); return; }
  if (o.type !== 'response_item') return;
  c.at(o.timestamp);
  const id = typeof p.call_id === 'string' ? p.call_id : typeof p.id === 'string' ? p.id : '';
  if (p.type === 'function_call' || p.type === 'custom_tool_call' || p.type === 'local_shell_call') {
    c.toolCall();
    const name = typeof p.name === 'string' ? p.name : p.type === 'local_shell_call' ? 'shell' : 'tool';
    const args = p.type === 'custom_tool_call' ? { input: p.input } : p.type === 'local_shell_call' ? ((p.action ?? {}) as Record<string, unknown>) : codexArgs(p.arguments);
    let patch: string | null = null;
    if (name === 'apply_patch') patch = typeof args.input === 'string' ? args.input : typeof args.patch === 'string' ? args.patch : null;
    const cmd = codexCommand(args.command);
    if (!patch && /^apply_patch\b/.test(cmd)) patch = cmd;
    if (!patch && Array.isArray(args.command) && args.command[0] === 'apply_patch' && typeof args.command[1] === 'string') patch = args.command[1];
    if (patch) {
      const s = patchStats(patch);
      if (!s.files.length) s.files.push('');
      // the patch's lines are counted once, on its first file
      s.files.forEach((f, i) => c.editCounted(`${id}#${i}`, f, i ? 0 : s.added, i ? 0 : s.removed));
      c.other(id, 'apply_patch', s.files.join(', '));
    } else if (cmd) {
      const read = /^(?:cat|nl\s+-ba|sed\s+-n\s+\S+|head(?:\s+-n?\s*\d+)?|less)\s+(\S+)\s*$/.exec(cmd);
      c.shell(id, cmd, name);
      if (read) c.read(id, read[1]!, name);
    } else {
      c.other(id, name, '');
    }
  } else if (p.type === 'function_call_output' || p.type === 'custom_tool_call_output') {
    let out = p.output;
    let failed = false;
    let chars = 0;
    if (typeof out === 'string') {
      chars = out.length;
      const parsed = out.startsWith('{') ? codexArgs(out) : {};
      if (typeof parsed.output === 'string') { chars = parsed.output.length; out = parsed.output; }
      const meta = parsed.metadata as Record<string, unknown> | undefined;
      const code = meta?.exit_code;
      if (typeof code === 'number') failed = code !== 0;
      else { const m = /(?:^|\n)Exit code: (\d+)/.exec(String(out).slice(0, 200)); if (m) failed = m[1] !== '0'; }
    } else if (out && typeof out === 'object') {
      const oo = out as Record<string, unknown>;
      chars = textLength(oo.content ?? oo.output);
      failed = oo.success === false;
    }
    c.result(id, chars, failed);
  }
}

export const codex: AgentAdapter = {
  id: 'codex',
  displayName: 'Codex CLI',
  logs: {
    setting: 'codexDirs',
    cliFlag: 'codex-dir',
    settingDescription: 'Folders where Codex CLI writes its logs, replacing the defaults (`$CODEX_HOME`, else `~/.codex`; `sessions/` and `archived_sessions/` are read). Use this when the agent runs with a custom home, or to point Tokenomics at copies of logs.',
    defaultRoots: (env, home) => [env.CODEX_HOME?.trim() || path.join(home, '.codex')],
    envVars: ['CODEX_HOME'],
    scanDirs: root => {
      const subs = ['sessions', 'archived_sessions'].map(s => path.join(root, s)).filter(isDir);
      return subs.length ? subs : [root];
    },
    // cold rollouts are compressed to rollout-*.jsonl.zst (codex-rs/rollout/src/compression.rs)
    isLogFile: name => name.endsWith('.jsonl') || name.endsWith('.jsonl.zst'),
  },
  usage: codexReader,
  activity: { needles: [Buffer.from('"response_item"'), Buffer.from('"session_meta"')], line: activityLine },
  instructionFiles: ['AGENTS.md'],
  instructionTokensExact: true,
  basis: 'exact',
};
