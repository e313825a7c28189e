// The normalized request record every agent reader produces, and the keys that dedupe it.
import type { TokenUsage } from '../cost';
import type { SkipReason } from './skipReasons';
import type { Basis } from './adapter';

/**
 * An agent's id ('claude-code'): a plain string, so adding an agent never touches this file. The list
 * of known ids is `ADAPTERS` in `agents/index.ts`; ids from outside (persisted caches, settings) are
 * checked against it with `isAgentId` where they enter.
 */
export type AgentId = string;
export type Agent = AgentId;

/** One window of a plan's usage as the agent reported it (Codex `rate_limits`). */
export interface RateLimitWindow {
  usedPercent: number;
  windowMinutes: number | null;
  /** Epoch ms. */
  resetsAt: number | null;
}
export interface RateLimits {
  primary?: RateLimitWindow;
  secondary?: RateLimitWindow;
  planType?: string;
  /** Which limit the windows belong to (Codex `limit_id`, `limit_name`), when the agent says. */
  limitId?: string;
  limitName?: string;
  /** Plan credits as the agent reported them; `balance` is the agent's string, never parsed into money. */
  credits?: { hasCredits: boolean; unlimited: boolean; balance: string | null };
}

/** One billed model request. */
export interface UsageRecord {
  agent: Agent;
  sessionId: string;
  /** The agent's working directory (Gemini: the project hash when the folder is unknown). */
  project: string;
  /** The model id exactly as the agent logged it. */
  model: string;
  /** Epoch ms. */
  timestamp: number;
  usage: TokenUsage;
  /** Everything the model read for this request: how full the context was. */
  contextTokens: number;
  /** The transcript the record came from. */
  file: string;
  /** Identifies the request across files: two records with the same key are one request. */
  key: string;
  /**
   * Which copy of a request wins when several files hold it: lower wins before size is compared.
   * Codex: 0 live session, 1 archived, 2 replayed history in a fork (+1 when archived).
   * Claude Code: 0 main transcript, 2 side-chain (a side-chain copy of a parent message loses to it).
   */
  rank: number;
  rateLimits?: RateLimits;
  /** Server-side web searches the request made, billed per search on top of tokens (Claude Code `server_tool_use`). */
  webSearches?: number;
  /** Set when this record's numbers come from elsewhere than its adapter's `basis` says (Copilot: journal `lower-bound`, trace store `exact`). */
  basis?: Basis;
  /** USD the agent itself reported for the request (Cline, Roo, Kilo, OpenCode `cost`): shown as is, not re-priced. */
  cost?: number;
  /** An aggregate row (Cline `deleted_api_reqs`, `subagent_usage`): its tokens and cost count, but not as a request. */
  aggregate?: boolean;
  /**
   * Stands in for records another file holds (a resumed Cline task's legacy total, copied into the
   * SDK session): dropped when a record of the same agent and session comes from another file.
   */
  standsIn?: boolean;
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite5m + u.cacheWrite1h;
}

/**
 * Claude Code: one API response is logged once per content block, resumed sessions copy lines, and
 * side-chain replays copy a parent message under a new requestId: the message id alone names the response.
 */
export function claudeKey(messageId: string): string {
  // a response is logged once per content block, on lines in a row: its key is made (and hashed, on
  // its first map look-up) once, not once per line
  if (messageId !== lastMessageId) { lastMessageId = messageId; lastClaudeKey = `c:${messageId}`; }
  return lastClaudeKey;
}
let lastMessageId: string | null = null, lastClaudeKey = '';

/** Codex has no request id: identical (time, model, tokens) is the same request replayed or repeated. */
export function codexKey(timestamp: number, model: string, u: { input: number; cached: number; output: number; reasoning: number; total: number }): string {
  return `x:${timestamp}:${model}:${u.input}:${u.cached}:${u.output}:${u.reasoning}:${u.total}`;
}

/**
 * A Codex request named by its lineage's running total (root session, then input, cached, cache
 * write, output, reasoning and total tokens). Built for every request of a cold scan, so each count
 * is written as three 15-bit characters from U+0100 instead of in decimal (keys are only compared,
 * never read): the decimal template took 1.3-2.4 us per key with its map insert and kept a tree of
 * 13 strings (440 B) per record; this takes 0.6-1.1 us and keeps two (130 B). The characters
 * are never a surrogate, NUL or ':' (the index stores keys as UTF-8 joined by NUL); a count that is
 * no integer in [0, 2^45) makes the key decimal after '::', which no 15-bit key can equal.
 */
export function codexLineageKey(root: string, t: { input: number; cached: number; cacheWrite: number; output: number; reasoning: number; total: number }): string {
  const { input, cached, cacheWrite, output, reasoning, total } = t;
  if (!(countable(input) && countable(cached) && countable(cacheWrite) && countable(output) && countable(reasoning) && countable(total))) {
    return `x:${root}::${input}:${cached}:${cacheWrite}:${output}:${reasoning}:${total}`;
  }
  // one prefix per root, shared by its keys (a rollout's requests all have the same root)
  if (root !== prefixRoot) { prefixRoot = root; prefix = `x:${root}:`; }
  return prefix + String.fromCharCode(
    low(input), mid(input), high(input), low(cached), mid(cached), high(cached), low(cacheWrite), mid(cacheWrite), high(cacheWrite),
    low(output), mid(output), high(output), low(reasoning), mid(reasoning), high(reasoning), low(total), mid(total), high(total));
}

/**
 * A Codex key as index version 8 stored it, in today's form: lineage keys were `x:<root>:` and the six
 * counts in decimal. A key without six numbers at its end (time + model + tokens, `codexKey`) is kept as
 * it is; one whose model is all digits would be taken for a lineage key, which no Codex model is.
 */
export function lineageKeyOfVersion8(key: string): string {
  const m = /^x:(.*):([^:]+):([^:]+):([^:]+):([^:]+):([^:]+):([^:]+)$/.exec(key);
  if (!m) return key;
  const n = m.slice(2).map(Number);
  // only counts the decimal form wrote (String(count)), never a model name
  if (!n.every((x, i) => String(x) === m[i + 2])) return key;
  return codexLineageKey(m[1]!, { input: n[0]!, cached: n[1]!, cacheWrite: n[2]!, output: n[3]!, reasoning: n[4]!, total: n[5]! });
}
let prefixRoot: string | null = null, prefix = '';
const KEY_BASE = 0x100, KEY_RADIX = 0x8000, KEY_RADIX2 = KEY_RADIX * KEY_RADIX;
const countable = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < KEY_RADIX2 * KEY_RADIX;
const low = (n: number): number => KEY_BASE + (n % KEY_RADIX);
const mid = (n: number): number => KEY_BASE + (Math.floor(n / KEY_RADIX) % KEY_RADIX);
const high = (n: number): number => KEY_BASE + Math.floor(n / KEY_RADIX2);

export function geminiKey(sessionId: string, messageId: string): string {
  return `g:${sessionId}:${messageId}`;
}

/**
 * True when `a` should replace `b` as the copy of the same request that counts:
 * better rank first, then the larger total (streaming partials come first and are smaller),
 * then the later one (a re-emitted message is newer).
 */
export function betterCopy(a: UsageRecord, b: UsageRecord): boolean {
  if (a.rank !== b.rank) return a.rank < b.rank;
  const ta = totalTokens(a.usage), tb = totalTokens(b.usage);
  if (ta !== tb) return ta > tb;
  return false;
}

/** Keeps one record per key, the best copy; order of first appearance is kept. */
export function dedupe(records: Iterable<UsageRecord>): UsageRecord[] {
  const best = new Map<string, UsageRecord>();
  for (const r of records) {
    const cur = best.get(r.key);
    if (!cur || betterCopy(r, cur)) best.set(r.key, r);
  }
  return [...best.values()];
}

/** What a reader says about one line it was handed: a request, not one, or one it skipped and why. */
export type LineOutcome = 'record' | 'ignored' | SkipReason;

/**
 * A log format. The index owns files, offsets and persistence; a reader only turns text into
 * records. `state` carries what a later line needs from earlier ones (Codex's current model), and
 * must survive JSON so an append can be parsed without re-reading the file.
 */
export interface AgentReader<S = unknown> {
  agent: Agent;
  /** Lines containing none of these byte patterns are skipped without being decoded. */
  needles: readonly Buffer[];
  /**
   * When set, the needles are always within this many bytes of a line's start (the writer puts the
   * line's type first): only line heads are searched, which skips large tool output at memchr speed.
   */
  needleHeadBytes?: number;
  /** Within one file, a later copy of a key replaces an earlier one whatever its size (Gemini re-emits). */
  lastWinsInFile: boolean;
  initState(file: string): S;
  line(state: S, text: string, offset: number, file: string, emit: (r: UsageRecord) => void): LineOutcome;
  /**
   * `line` for the line's bytes (`buf[start, end)`), for the hot line kinds only (see jsonFields.ts):
   * null when it does not fully recognise the line, which then goes to `line`, the definition of what
   * is accepted. It must give what `line` gives, and touch `state` only once it will not return null.
   */
  lineBytes?(state: S, buf: Buffer, start: number, end: number, offset: number, file: string, emit: (r: UsageRecord) => void): LineOutcome | null;
  /** Formats that rewrite the whole file (Gemini's session-*.json) are parsed whole instead of by line. */
  isWholeFile?(file: string): boolean;
  wholeFile?(text: string, file: string, emit: (r: UsageRecord) => void): { malformed: number };
  /**
   * The plan usage the file reported last, kept in `state` once per change rather than on every record:
   * it arrives on events that bill nothing too (Codex `token_count` with `info: null`).
   */
  rateLimitsOf?(state: S): { at: number; limits: RateLimits } | undefined;
  /**
   * When the file is read again from the start, records of the previous read that the new read no
   * longer holds are kept: the producer compacts or prunes (Copilot keeps 7 days of traces), the
   * spend happened. A function decides from the two reads (Roo: unless the rewrite added a row that
   * sums what it dropped).
   */
  retainOnReread?: boolean | ((old: readonly UsageRecord[], now: readonly UsageRecord[]) => boolean);
  /**
   * SQLite stores, read by path through the WASM module (`sqlite.ts`), never as text: the index
   * opens a snapshot (`openSnapshot`), and sees a change when the file or its `-wal` changes.
   */
  isDatabase?(file: string): boolean;
  database?(db: import('./sqlite').SqliteDb, file: string, emit: (r: UsageRecord) => void): { malformed: number };
}

/** A finite, non-negative whole number of tokens, or 0: logs sometimes hold null or garbage. */
export function tokens(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0;
}
