// Codex CLI rollouts: sessions/YYYY/MM/DD/rollout-*.jsonl(.zst) and archived_sessions/.
// Shapes from openai/codex codex-rs/protocol (TokenUsage, TokenCountEvent, RateLimitSnapshot,
// SessionMeta) and codex-rs/rollout (recorder, ordinal.rs, compression.rs); replay and re-emission
// rules pinned by ccusage rust/crates/ccusage/src/adapter/codex/loader.rs tests and codeburn
// tests/providers/codex.test.ts.
import path from 'node:path';
import * as z from 'zod';
import { plainLogPath } from './logSource';
import { AgentReader, LineOutcome, RateLimitWindow, RateLimits, UsageRecord, codexKey, tokens } from './records';
import { plausibleTime, plausibleUsage } from './skipReasons';
import type { ActivityCollector, AgentAdapter } from './adapter';
import { isDir, textLength } from './shared';
import { JsonCursor, keyBytes } from './jsonFields';

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
    const limits = t.limits;
    return tokenCount(state, t.at, t.ordinal, t.counts, limits ? a => limitsOf(limits, a) : () => undefined, file, emit);
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

/** A number or null, as `num` (`z.number().nullish()`) keeps them; the cursor fails on any other value. */
const numOrNull = (c: JsonCursor): number | null => (c.null() ? null : c.number());
const strOrNull = (c: JsonCursor): string | null | undefined => (c.null() ? null : c.string());

/** Sets `bit` in `seen`, or -1 when the key came before: JSON.parse keeps the last copy, the slow path decides. */
const once = (seen: number, bit: number): number => (seen & bit ? -1 : seen | bit);

/**
 * A Codex `event_msg` / `token_count` line as the slow path reads it, or null when the line is
 * anything else or not in the shape this knows (the slow path then reads it). `limits`: what
 * `payload.rate_limits` says, null when absent or not valid.
 */
function tokenCountFast(buf: Buffer, start: number, end: number): { at: number; ordinal: number | null | undefined; counts: Counts | null; limits: RateLimitsData | null } | null {
  const c = cur.reset(buf, start, end);
  if (!c.openObject()) return null;
  let seen = 0, at: number | undefined, ordinal: number | null | undefined, counts: Counts | null | undefined, limits: RateLimitsData | null = null;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.timestamp)) {
      seen = once(seen, 1);
      at = c.time();
    } else if (c.key(K.type)) {
      seen = once(seen, 2);
      if (!c.stringIs(EVENT_MSG)) return null;
    } else if (c.key(K.ordinal)) {
      seen = once(seen, 4);
      ordinal = numOrNull(c);
      // what z.number().int().nonnegative() keeps; anything else is left to the slow path's catch
      if (ordinal !== null && !(Number.isSafeInteger(ordinal) && ordinal >= 0)) return null;
    } else if (c.key(K.payload)) {
      seen = once(seen, 8);
      if (!c.openObject()) return null;
      let pseen = 0;
      for (let pk = c.firstKey(); pk; pk = c.nextKey()) {
        if (c.key(K.type)) {
          pseen = once(pseen, 1);
          if (!c.stringIs(TOKEN_COUNT)) return null;
        } else if (c.key(K.info)) {
          pseen = once(pseen, 2);
          counts = countsFast(c);
          if (counts === undefined) return null;
        } else if (c.key(K.rateLimits)) {
          pseen = once(pseen, 4);
          limits = c.null() ? null : limitsAt(c, buf);
        } else c.skip();
        if (pseen < 0 || !c.ok) return null;
      }
      if (!(pseen & 1)) return null;
    } else c.skip();
    if (seen < 0 || !c.ok) return null;
  }
  if ((seen & 11) !== 11 || at === undefined || !c.atEnd()) return null;
  return { at, ordinal, counts: counts ?? null, limits };
}

/** `payload.info`: null, or its counts; undefined when the slow path must decide. */
function countsFast(c: JsonCursor): Counts | null | undefined {
  if (c.null()) return null;
  if (!c.openObject()) return undefined;
  let seen = 0, total: Tuple | null = null, last: Tuple | null = null, model: string | null | undefined;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.total)) { seen = once(seen, 1); const t = usageFast(c); if (t === undefined) return undefined; total = t; }
    else if (c.key(K.last)) { seen = once(seen, 2); const t = usageFast(c); if (t === undefined) return undefined; last = t; }
    else if (c.key(K.model)) { seen = once(seen, 4); model = strOrNull(c); }
    else c.skip();
    if (seen < 0 || !c.ok) return undefined;
  }
  return c.ok ? { total, last, model } : undefined;
}

// one object for every usage read: `tuple` takes the numbers out of it
const usage: z.infer<typeof TokenUsageSchema> = { input_tokens: undefined, cached_input_tokens: undefined, output_tokens: undefined,
  reasoning_output_tokens: undefined, total_tokens: undefined, cache_write_input_tokens: undefined };

/** A TokenUsage object: its tuple, null for null; undefined when the slow path must decide. */
function usageFast(c: JsonCursor): Tuple | null | undefined {
  if (c.null()) return null;
  if (!c.openObject()) return undefined;
  const u = usage;
  u.input_tokens = u.cached_input_tokens = u.output_tokens = u.reasoning_output_tokens = u.total_tokens = u.cache_write_input_tokens = undefined;
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.input)) { seen = once(seen, 1); u.input_tokens = numOrNull(c); }
    else if (c.key(K.cached)) { seen = once(seen, 2); u.cached_input_tokens = numOrNull(c); }
    else if (c.key(K.output)) { seen = once(seen, 4); u.output_tokens = numOrNull(c); }
    else if (c.key(K.reasoning)) { seen = once(seen, 8); u.reasoning_output_tokens = numOrNull(c); }
    else if (c.key(K.totalTokens)) { seen = once(seen, 16); u.total_tokens = numOrNull(c); }
    else if (c.key(K.cacheWrite)) { seen = once(seen, 32); u.cache_write_input_tokens = numOrNull(c); }
    else c.skip();
    if (seen < 0 || !c.ok) return undefined;
  }
  return c.ok ? tuple(u) : undefined;
}

// Codex repeats the same rate limits on line after line: the last bytes read and what they said.
let lastLimitBytes = Buffer.alloc(1024);
let lastLimitLength = -1;
let lastLimits: RateLimitsData | null = null;

/**
 * The rate limits at the cursor, read only when their bytes differ from the last ones read (Codex
 * repeats them on line after line); null when they are not valid (RateLimitsSchema decides whatever
 * the fast reading does not know). The cursor fails only when the bytes are not JSON.
 */
function limitsAt(c: JsonCursor, buf: Buffer): RateLimitsData | null {
  c.peek();
  const from = c.offset;
  if (c.matches(lastLimitBytes, lastLimitLength)) return lastLimits;
  let data = rateLimitsFast(c);
  if (!data) {
    c.seek(from);
    c.skip();
    if (!c.ok) return null;
    data = parseRateLimits(JSON.parse(buf.toString('utf8', from, c.offset)));
  }
  const n = c.offset - from;
  // a copy (the scanner reuses its buffer), of a value that ends where it says
  if (n <= 64 * 1024 && (buf[from] === 0x7b || buf[from] === 0x5b || buf[from] === 0x22)) {
    if (n > lastLimitBytes.length) lastLimitBytes = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) lastLimitBytes[i] = buf[from + i]!;
    lastLimitLength = n;
  } else lastLimitLength = -1;
  lastLimits = data;
  return data;
}

/** `rate_limits` in the shapes Codex writes; null when RateLimitsSchema must decide. */
function rateLimitsFast(c: JsonCursor): RateLimitsData | null {
  if (!c.openObject()) return null;
  const out: RateLimitsData = {};
  let seen = 0;
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.primary)) { seen = once(seen, 1); const w = windowFast(c); if (w === undefined) return null; out.primary = w; }
    else if (c.key(K.secondary)) { seen = once(seen, 2); const w = windowFast(c); if (w === undefined) return null; out.secondary = w; }
    else if (c.key(K.planType)) { seen = once(seen, 4); out.plan_type = strOrNull(c); }
    else if (c.key(K.limitId)) { seen = once(seen, 8); out.limit_id = strOrNull(c); }
    else if (c.key(K.limitName)) { seen = once(seen, 16); out.limit_name = strOrNull(c); }
    else if (c.key(K.credits)) { seen = once(seen, 32); if (!c.null()) return null; out.credits = null; }
    else c.skip();
    if (seen < 0 || !c.ok) return null;
  }
  return c.ok ? out : null;
}

function windowFast(c: JsonCursor): z.infer<typeof WindowSchema> | null | undefined {
  if (c.null()) return null;
  if (!c.openObject()) return undefined;
  let seen = 0;
  const w: z.infer<typeof WindowSchema> = { used_percent: NaN };
  for (let k = c.firstKey(); k; k = c.nextKey()) {
    if (c.key(K.usedPercent)) { seen = once(seen, 1); w.used_percent = c.number(); }
    else if (c.key(K.windowMinutes)) { seen = once(seen, 2); w.window_minutes = numOrNull(c); }
    else if (c.key(K.resetsAt)) { seen = once(seen, 4); w.resets_at = numOrNull(c); }
    else if (c.key(K.resetsIn)) { seen = once(seen, 8); w.resets_in_seconds = numOrNull(c); }
    else c.skip();
    if (seen < 0 || !c.ok) return undefined;
  }
  return c.ok && seen & 1 ? w : undefined;
}

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

  let last: Tuple | null = info.last;
  if (!last && total) {
    // Older builds only wrote the running total: the request is the difference. A child's first
    // total includes its parent's, which only the parent can vouch for.
    if (!prev && state.parent !== null) return 'replay';
    last = prev ? { input: total.input - prev.input, cached: total.cached - prev.cached, cacheWrite: total.cacheWrite - prev.cacheWrite,
      output: total.output - prev.output, reasoning: total.reasoning - prev.reasoning, total: total.total - prev.total } : total;
  }
  if (!last || last.input + last.output <= 0 || last.input < 0 || last.output < 0) return 'ignored';
  if (!total) {
    // without a running total, the same counts again are the re-emission (codeburn "still dedups
    // consecutive zero-cumulative duplicates")
    if (state.prevLast && sameTuple(last, state.prevLast)) return 'duplicate';
    state.prevLast = last;
  }
  const cached = Math.min(Math.max(last.cached, 0), last.input);
  const written = Math.min(Math.max(last.cacheWrite, 0), last.input - cached);
  // input_tokens already include the cached and the cache-written ones; reasoning is already inside output_tokens.
  const usage = { input: last.input - cached - written, output: last.output, cacheRead: cached, cacheWrite5m: written, cacheWrite1h: 0 };
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
    key: total ? `x:${state.root ?? state.session}:${total.input}:${total.cached}:${total.cacheWrite}:${total.output}:${total.reasoning}:${total.total}`
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
