// What each agent session produced and wasted, read from its transcript: files and lines changed by
// edit/write/patch tool calls, commits, test runs, re-read files, oversized tool results and retry
// loops. Every fact keeps the instant it happened (epoch ms), so a session that spans two weeks reports
// each edit, commit or re-read in the week it happened in (`mergeActivity(parts, range)`). Facts are
// cached per file (path, size, mtime), in memory and optionally on disk beside the usage index, so a warm
// summary never re-reads a transcript.
import fs from 'node:fs';
// The collector lives here; what a line of each agent's transcript means is its adapter's `activity`.
import type { ActivityCollector } from './agents/adapter';
import { adapterOf, isAgentId } from './agents/index';
import type { AgentId as Agent } from './agents/records';
import { scanLines } from './agents/lineScanner';
import { fsPath } from './agents/fileNames';
import * as z from 'zod';
import { CheckedEntries, readPersisted, writeAtomic } from './persist';

/** Rough size of text in tokens (logs hold text, not token counts): ~4 characters per token. */
export const CHARS_PER_TOKEN = 4;
/** A tool result above this many estimated tokens is reported as a big result. */
export const BIG_RESULT_TOKENS = 4000;
/** A command failing this many times in one session is a retry loop. */
export const RETRY_LOOP_RUNS = 3;
/** Version of the persisted cache: 3 added each fact's timestamp. */
export const ACTIVITY_VERSION = 3;
/** Big results kept per transcript and UTC day (the largest ones). */
export const BIG_RESULTS_PER_DAY = 50;
const DAY_MS = 86_400_000;

export interface RepeatedRead { path: string; count: number; tokens: number }
export interface BigResult { tool: string; tokens: number; detail: string; timestamp: number }
export interface RetryLoop { command: string; failures: number; tokens: number }

/** One edit/write/patch tool call: ids let a resumed session's copied lines count once; `t` is when (epoch ms, 0 unknown). */
export interface EditFact { id: string; file: string; added: number; removed: number; t: number }
/**
 * Repeated events of one key (a file read, a failing command) in one transcript: when each happened
 * (epoch ms, 0 unknown) and its result's estimated tokens, in parallel arrays. Only keys that reach the
 * threshold over the whole file are kept: fewer events can never reach it inside one week.
 */
export interface TimedEvents { key: string; times: number[]; tokens: number[] }
/** The window facts are counted in: [startMs, endMs), e.g. a week in the summary's time zone. */
export interface TimeRange { startMs: number; endMs: number }

/** Everything one transcript file says about what its session did. */
export interface FileActivity {
  agent: Agent;
  sessionId: string | null;
  edits: EditFact[];
  /** Tool-call ids of `git commit` commands and of test runs, with when each ran (parallel arrays). */
  commits: string[];
  commitTimes: number[];
  testRuns: string[];
  testRunTimes: number[];
  toolCalls: number;
  /** Files read two or more times in the file: each read's time and result tokens. */
  reads: TimedEvents[];
  /** Tool results over BIG_RESULT_TOKENS, the largest BIG_RESULTS_PER_DAY per UTC day. */
  bigResults: BigResult[];
  /** Shell commands that failed RETRY_LOOP_RUNS or more times: each failure's time and tokens. */
  failures: TimedEvents[];
  malformedLines: number;
}

export interface SessionActivity {
  filesChanged: string[];
  linesAdded: number;
  linesRemoved: number;
  linesChanged: number;
  commits: number;
  testRuns: number;
  repeatedReads: RepeatedRead[];
  bigResults: BigResult[];
  retryLoops: RetryLoop[];
}

export const estimateTokens = (chars: number): number => Math.ceil(chars / CHARS_PER_TOKEN);

// ---- classifying commands ---------------------------------------------------------------------------

const COMMIT = /(?:^|[\s;&|(])git\s+(?:-[a-zA-Z]\s+\S+\s+|--?[\w-]+(?:=\S+)?\s+)*commit(?![\w-])/;
const TESTS = /(?:^|[\s;&|(/])(?:(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b|npx\s+(?:jest|vitest|mocha|playwright\s+test)\b|pytest\b|py\.test\b|python3?\s+-m\s+(?:pytest|unittest)\b|go\s+test\b|cargo\s+(?:test|nextest)\b|jest\b|vitest\b|mocha\b|node\s+--test\b|rspec\b|phpunit\b|dotnet\s+test\b|mvn\s+(?:\S+\s+)*test\b|gradlew?\s+(?:\S+\s+)*test\b|make\s+(?:check|test)\b|ctest\b|tox\b|deno\s+test\b|swift\s+test\b|mix\s+test\b)/;

export const isCommit = (cmd: string): boolean => COMMIT.test(cmd);
export const isTestRun = (cmd: string): boolean => TESTS.test(cmd);

function lineCount(s: unknown): number {
  if (typeof s !== 'string' || s.length === 0) return 0;
  let n = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) if (i < s.length - 1) n++;
  return n;
}

/** Lines added and removed when `before` becomes `after`: common leading and trailing lines are unchanged. */
export function diffLines(before: string, after: string): { added: number; removed: number } {
  if (!before) return { added: lineCount(after), removed: 0 };
  if (!after) return { added: 0, removed: lineCount(before) };
  const a = before.split('\n'), b = after.split('\n');
  let s = 0;
  while (s < a.length && s < b.length && a[s] === b[s]) s++;
  let e = 0;
  while (e < a.length - s && e < b.length - s && a[a.length - 1 - e] === b[b.length - 1 - e]) e++;
  return { added: b.length - s - e, removed: a.length - s - e };
}

// ---- reading a transcript ---------------------------------------------------------------------------

interface PendingCall { kind: 'read' | 'shell' | 'other'; tool: string; detail: string }

class Collector implements ActivityCollector {
  edits: EditFact[] = [];
  commits: string[] = []; commitTimes: number[] = [];
  tests: string[] = []; testTimes: number[] = [];
  calls = 0; malformedLines = 0;
  sessionId: string | null = null;
  /** The instant of the line being read: the line's own timestamp, else the last one seen. */
  now = 0;
  pending = new Map<string, PendingCall>();
  reads = new Map<string, { times: number[]; tokens: number[] }>();
  big: BigResult[] = [];
  failures = new Map<string, { times: number[]; tokens: number[] }>();

  constructor(readonly agent: Agent) {}

  /** Sets the instant of the line being read from its `timestamp` field. */
  at(timestamp: unknown): void {
    const t = typeof timestamp === 'string' ? Date.parse(timestamp) || 0 : typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : 0;
    if (t) this.now = t;
  }

  setSession(id: string): void {
    if (!this.sessionId) this.sessionId = id;
  }

  toolCall(): void { this.calls++; }

  malformed(): void { this.malformedLines++; }

  edit(id: string, file: unknown, before: unknown, after: unknown): void {
    const d = diffLines(typeof before === 'string' ? before : '', typeof after === 'string' ? after : '');
    this.edits.push({ id, file: typeof file === 'string' ? file : '', added: d.added, removed: d.removed, t: this.now });
  }

  editCounted(id: string, file: string, added: number, removed: number): void {
    this.edits.push({ id, file, added, removed, t: this.now });
  }

  read(id: string, path: string, tool: string): void {
    this.pending.set(id, { kind: 'read', tool, detail: path });
  }

  other(id: string, tool: string, detail: string): void {
    this.pending.set(id, { kind: 'other', tool, detail });
  }

  shell(id: string, cmd: string, tool: string): void {
    if (isCommit(cmd)) { this.commits.push(id); this.commitTimes.push(this.now); }
    if (isTestRun(cmd)) { this.tests.push(id); this.testTimes.push(this.now); }
    this.pending.set(id, { kind: 'shell', tool, detail: cmd.length > 300 ? cmd.slice(0, 300) + '…' : cmd });
  }

  result(id: string, chars: number, failed: boolean): void {
    const call = this.pending.get(id);
    this.pending.delete(id);
    const tokens = estimateTokens(chars);
    const t = this.now;
    if (call?.kind === 'read') {
      let r = this.reads.get(call.detail);
      if (!r) this.reads.set(call.detail, (r = { times: [], tokens: [] }));
      r.times.push(t); r.tokens.push(tokens);
    }
    if (tokens > BIG_RESULT_TOKENS) this.big.push({ tool: call?.tool ?? 'tool', tokens, detail: call?.detail ?? '', timestamp: t });
    if (failed && call?.kind === 'shell') {
      let f = this.failures.get(call.detail);
      if (!f) this.failures.set(call.detail, (f = { times: [], tokens: [] }));
      f.times.push(t); f.tokens.push(tokens + estimateTokens(call.detail.length));
    }
  }

  facts(): FileActivity {
    const timed = (m: Map<string, { times: number[]; tokens: number[] }>, min: number): TimedEvents[] =>
      [...m].filter(([, e]) => e.times.length >= min).map(([key, e]) => ({ key, times: [...e.times], tokens: [...e.tokens] }));
    // the largest results of each UTC day: a week (in any time zone) keeps its own largest ones
    const perDay = new Map<number, number>();
    const big = [...this.big].sort((a, b) => b.tokens - a.tokens).filter(b => {
      const day = Math.floor(b.timestamp / DAY_MS), n = perDay.get(day) ?? 0;
      perDay.set(day, n + 1);
      return n < BIG_RESULTS_PER_DAY;
    });
    return {
      agent: this.agent, sessionId: this.sessionId,
      edits: [...this.edits],
      commits: [...this.commits], commitTimes: [...this.commitTimes], testRuns: [...this.tests], testRunTimes: [...this.testTimes],
      toolCalls: this.calls,
      reads: timed(this.reads, 2), bigResults: big, failures: timed(this.failures, RETRY_LOOP_RUNS),
      malformedLines: this.malformedLines,
    };
  }
}

/** A transcript being read: where the last complete line ended, and what was collected so far. */
interface Reading { collector: Collector; offset: number; ino: number }

/** Whole-file transcripts above this size are not read for activity (the usage index has the same cap). */
const MAX_WHOLE_FILE = 256 * 1024 * 1024;

function scanInto(r: Reading, file: string, agent: Agent): void {
  const reader = isAgentId(agent) ? adapterOf(agent).activity : undefined;
  if (reader?.hasActivity && !reader.hasActivity(file)) return;
  if (reader?.wholeFile && reader.isWholeFile?.(file)) {
    // rewritten whole: what an earlier read collected is replaced, never added to
    r.collector = new Collector(agent);
    r.offset = 0;
    try {
      const st = fs.statSync(fsPath(file));
      if (!st.isFile() || st.size > MAX_WHOLE_FILE) return; // a FIFO is never read whole
      reader.wholeFile(r.collector, fs.readFileSync(fsPath(file), 'utf8'), file);
    } catch { /* unreadable or vanished: nothing */ }
    return;
  }
  if (!reader || !reader.needles.length) return; // an agent whose logs carry no tool calls worth counting
  let fd: number;
  // O_NONBLOCK: a FIFO where a transcript was must not hang the read (a regular file ignores it)
  try { fd = fs.openSync(fsPath(file), fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)); } catch { return; }
  const c = r.collector;
  try {
    // only lines holding a tool call or result are decoded: file backups and chat text are skipped unread
    r.offset = scanLines(fd, r.offset, reader.needles, line => {
      if (reader.skip?.(line)) return;
      let o: unknown;
      try { o = JSON.parse(line); } catch { c.malformedLines++; return; }
      if (o && typeof o === 'object') reader.line(c, o as Record<string, unknown>);
    });
  } catch { /* unreadable mid-way: keep what was read */ } finally { fs.closeSync(fd); }
}

/** Reads one transcript. Never throws for bad content: malformed lines are counted. */
export function readActivity(file: string, agent: Agent): FileActivity {
  const r: Reading = { collector: new Collector(agent), offset: 0, ino: 0 };
  scanInto(r, file, agent);
  return r.collector.facts();
}

/**
 * Adds up the facts of a session's files (main transcript, sub-agents, resumed copies: each tool call
 * once). With a range, only what happened inside [startMs, endMs) counts: a file is read again and again,
 * or a command is a retry loop, when that happened within the range. Facts of unknown time (a transcript
 * without timestamps) count in every range.
 */
export function mergeActivity(parts: readonly FileActivity[], range?: TimeRange): SessionActivity {
  const lo = range ? range.startMs : -Infinity, hi = range ? range.endMs : Infinity;
  const inRange = (t: number) => (t >= lo && t < hi) || !t;
  const files = new Set<string>();
  const seen = new Set<string>();
  const commits = new Set<string>(), tests = new Set<string>();
  const reads = new Map<string, RepeatedRead>();
  const loops = new Map<string, RetryLoop>();
  const big = new Map<string, BigResult>();
  const out: SessionActivity = { filesChanged: [], linesAdded: 0, linesRemoved: 0, linesChanged: 0, commits: 0, testRuns: 0, repeatedReads: [], bigResults: [], retryLoops: [] };
  /** How many of the events fall in range, and their tokens. */
  const count = (e: TimedEvents): { n: number; tokens: number } => {
    let n = 0, tokens = 0;
    for (let i = 0; i < e.times.length; i++) if (inRange(e.times[i]!)) { n++; tokens += e.tokens[i]!; }
    return { n, tokens };
  };
  for (const p of parts) {
    for (const e of p.edits) {
      if (!inRange(e.t)) continue;
      if (e.id && seen.has(e.id)) continue;
      seen.add(e.id);
      if (e.file) files.add(e.file);
      out.linesAdded += e.added; out.linesRemoved += e.removed;
    }
    p.commits.forEach((id, i) => { if (inRange(p.commitTimes[i] ?? 0)) commits.add(id); });
    p.testRuns.forEach((id, i) => { if (inRange(p.testRunTimes[i] ?? 0)) tests.add(id); });
    for (const r of p.reads) {
      const { n, tokens } = count(r);
      if (n < 2) continue;
      const cur = reads.get(r.key);
      if (!cur || n > cur.count) reads.set(r.key, { path: r.key, count: n, tokens }); // a resumed copy repeats its parent's reads
    }
    for (const b of p.bigResults) if (inRange(b.timestamp)) big.set(`${b.timestamp}:${b.tool}:${b.tokens}:${b.detail}`, b);
    for (const l of p.failures) {
      const { n, tokens } = count(l);
      if (n < RETRY_LOOP_RUNS) continue;
      const cur = loops.get(l.key);
      if (!cur || n > cur.failures) loops.set(l.key, { command: l.key, failures: n, tokens });
    }
  }
  out.filesChanged = [...files].sort();
  out.linesChanged = out.linesAdded + out.linesRemoved;
  out.commits = commits.size; out.testRuns = tests.size;
  out.repeatedReads = [...reads.values()].sort((a, b) => b.tokens - a.tokens);
  out.bigResults = [...big.values()].sort((a, b) => b.tokens - a.tokens);
  out.retryLoops = [...loops.values()].sort((a, b) => b.tokens - a.tokens);
  return out;
}

// ---- the cache -------------------------------------------------------------------------------------

interface CacheEntry { size: number; mtimeMs: number; facts: FileActivity }
/** Small text files (instruction files) measured in tokens, cached like transcripts. */
interface TokenEntry { size: number; mtimeMs: number; tokens: number }

// The persisted cache is outside data: every entry is checked against these before it is used, and one
// that does not fit (`"edits": null`, a hand edit, another build's bug) is dropped and its file read again.
const count = z.number().int().nonnegative();
const time = z.number().finite();
const timed = z.object({ key: z.string(), times: z.array(time), tokens: z.array(z.number().finite()) });
const FileActivitySchema = z.object({
  agent: z.string().refine(isAgentId),
  sessionId: z.string().nullable(),
  edits: z.array(z.object({ id: z.string(), file: z.string(), added: count, removed: count, t: time })),
  commits: z.array(z.string()), commitTimes: z.array(time),
  testRuns: z.array(z.string()), testRunTimes: z.array(time),
  toolCalls: count,
  reads: z.array(timed),
  bigResults: z.array(z.object({ tool: z.string(), tokens: count, detail: z.string(), timestamp: time })),
  failures: z.array(timed),
  malformedLines: count,
});
const CacheEntrySchema = z.object({ size: count, mtimeMs: time, facts: FileActivitySchema });
const TokenEntrySchema = z.object({ size: count, mtimeMs: time, tokens: count });
const CacheFileSchema = z.object({
  version: z.literal(ACTIVITY_VERSION),
  files: z.array(z.tuple([z.string(), z.unknown()])),
  tokens: z.array(z.tuple([z.string(), z.unknown()])).optional(),
});

/**
 * Transcript facts per file, re-read only when a file's size or mtime changed. `save()` writes the
 * cache atomically (temp file + rename); a missing, corrupt or other-version cache is rebuilt, and a
 * stored entry is validated the first time it is used.
 */
export class ActivityCache {
  private entries = new CheckedEntries<CacheEntry>(CacheEntrySchema);
  private tokenEntries = new CheckedEntries<TokenEntry>(TokenEntrySchema);
  /** Transcripts read in this process: an appended file is read from where the last read stopped. */
  private live = new Map<string, Reading>();
  private loaded = false;
  /** Files read (not served from the cache) since construction: tests and benchmarks look at it. */
  reads = 0;

  constructor(private readonly cacheFile: string | null = null) {}

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.cacheFile) return;
    const data = readPersisted(this.cacheFile, CacheFileSchema);
    if (!data) return;
    this.entries = new CheckedEntries<CacheEntry>(CacheEntrySchema, data.files);
    this.tokenEntries = new CheckedEntries<TokenEntry>(TokenEntrySchema, data.tokens ?? []);
  }

  /** Facts of a transcript, from the cache when the file is unchanged. */
  get(file: string, agent: Agent): FileActivity {
    this.load();
    let st: fs.Stats;
    try { st = fs.statSync(fsPath(file)); } catch {
      const gone = this.entries.get(file);
      return gone ? gone.facts : readActivity(file, agent);
    }
    const cur = this.entries.get(file);
    if (cur && cur.size === st.size && cur.mtimeMs === st.mtimeMs && cur.facts.agent === agent) return cur.facts;
    let r = this.live.get(file);
    if (!r || r.ino !== st.ino || st.size < r.offset || r.collector.agent !== agent) {
      r = { collector: new Collector(agent), offset: 0, ino: st.ino };
      this.live.set(file, r);
      if (this.live.size > 200) this.live.delete(this.live.keys().next().value!);
    }
    scanInto(r, file, agent);
    const facts = r.collector.facts();
    this.reads++;
    this.entries.set(file, { size: st.size, mtimeMs: st.mtimeMs, facts });
    return facts;
  }

  /** Token count of a small text file, or null when it does not exist. `count` is called only on a miss. */
  async fileTokens(file: string, count: (text: string) => Promise<number>): Promise<number | null> {
    this.load();
    let st: fs.Stats;
    try { st = fs.statSync(fsPath(file)); if (!st.isFile()) return null; } catch { this.tokenEntries.delete(file); return null; }
    const cur = this.tokenEntries.get(file);
    if (cur && cur.size === st.size && cur.mtimeMs === st.mtimeMs) return cur.tokens;
    let text: string;
    try { text = fs.readFileSync(fsPath(file), 'utf8'); } catch { return null; }
    const tokens = await count(text);
    this.tokenEntries.set(file, { size: st.size, mtimeMs: st.mtimeMs, tokens });
    return tokens;
  }

  /** Writes the cache if it changed; false when the folder is not writable. */
  save(): boolean {
    if (!this.cacheFile || !(this.entries.dirty || this.tokenEntries.dirty)) return true;
    try {
      // Transcripts deleted since they were read take their facts with them: the cache must not grow forever.
      this.entries.dropMissing(file => this.live.delete(file));
      this.tokenEntries.dropMissing();
      writeAtomic(this.cacheFile, JSON.stringify({ version: ACTIVITY_VERSION, files: this.entries.toJSON(), tokens: this.tokenEntries.toJSON() }));
      this.entries.dirty = this.tokenEntries.dirty = false;
      return true;
    } catch { return false; }
  }
}
