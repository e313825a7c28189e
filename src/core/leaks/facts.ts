// What the leak ledgers need from a transcript beyond its usage records: compaction boundaries, the
// agent's own cache-miss diagnosis per request, tool results by tool name and size, edits of
// always-loaded instruction files, MCP servers coming into use (the tool list changed), and a Codex
// child thread's parent. Read once per file and kept while the file's size and mtime stay the same.
//
// Shapes (cited in test/unit/leaks-*.test.ts): Claude Code `{"type":"system","subtype":"compact_boundary",
// "compactMetadata":{"trigger","preTokens"}}`, `message.diagnostics.cache_miss_reason` {type,
// cache_missed_input_tokens} (2.1.119+), `tool_use`/`tool_result` blocks; Codex `compacted` items and
// `event_msg` `context_compacted`, `turn_context` (model, user_instructions), `function_call` /
// `function_call_output`, `session_meta` `forked_from_id` / `source.subagent.thread_spawn.parent_thread_id`.
import fs from 'node:fs';
import path from 'node:path';
import { scanLines } from '../agents/lineScanner';
import { fsPath } from '../agents/fileNames';
import { claudeKey } from '../agents/records';
import { textLength } from '../agents/shared';
import * as z from 'zod';
import { CHARS_PER_TOKEN } from '../activity';
import { CheckedEntries, readPersisted, writeAtomic } from '../persist';

/** One tool result: which tool, when (epoch ms), its estimated tokens (characters / 4). */
export interface ToolResultFact { tool: string; t: number; tokens: number }

/** One window of a plan's usage at one instant: `resetsAt` epoch ms (null unknown). */
export interface RateObsWindow { usedPercent: number; windowMinutes: number | null; resetsAt: number | null }
export interface RateObservation { t: number; limitId: string | null; primary: RateObsWindow | null; secondary: RateObsWindow | null }

export interface TranscriptFacts {
  /** Instants (epoch ms) of compaction boundaries, in file order. */
  compactions: number[];
  /** Claude Code's own diagnosis per request key (`claudeKey`, as the usage records carry it): the `cache_miss_reason.type`. */
  missReasons: Record<string, string>;
  /** Instants the tool list changed: an MCP server's first tool call in this stream. */
  toolsChanged: number[];
  /** Instants the agent edited an always-loaded instruction file, or Codex's instructions changed. */
  instructionsChanged: number[];
  toolResults: ToolResultFact[];
  /** Codex `rate_limits` as each token_count reported them (account-wide plan usage), in file order. */
  rateObs: RateObservation[];
  /** Codex child thread: the parent thread's id. Claude sub-agent: its `agentId`. */
  parentSession: string | null;
  agentId: string | null;
}

const INSTRUCTION_FILES = new Set(['CLAUDE.md', 'AGENTS.md', 'GEMINI.md', 'CLAUDE.local.md']);
const NEEDLES = ['compact_boundary', 'cache_miss_reason', '"tool_use"', '"tool_result"', '"agentId"',
  'compacted', 'turn_context', 'function_call', 'custom_tool_call', 'session_meta', 'rate_limits'].map(s => Buffer.from(s));

export function mcpServer(tool: string): string | null {
  const m = /^mcp__(.+?)__/.exec(tool);
  return m ? m[1]! : null;
}

const tokensOf = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN);

class Reader {
  f: TranscriptFacts = { compactions: [], missReasons: {}, toolsChanged: [], instructionsChanged: [], toolResults: [], rateObs: [], parentSession: null, agentId: null };
  calls = new Map<string, string>();
  servers = new Set<string>();
  instructions: string | null = null;
  metas = 0;

  tool(id: string, name: string, t: number): void {
    this.calls.set(id, name);
    const s = mcpServer(name);
    if (s && !this.servers.has(s)) { this.servers.add(s); this.f.toolsChanged.push(t); }
  }

  result(id: string, chars: number, t: number): void {
    const tool = this.calls.get(id) ?? 'tool';
    this.f.toolResults.push({ tool, t, tokens: tokensOf(chars) });
  }

  claude(o: Record<string, unknown>, t: number): void {
    if (typeof o.agentId === 'string' && !this.f.agentId && o.isSidechain === true) this.f.agentId = o.agentId;
    if (o.type === 'system' && o.subtype === 'compact_boundary') { this.f.compactions.push(t); return; }
    const msg = o.message as Record<string, unknown> | undefined;
    if (!msg || typeof msg !== 'object') return;
    const diag = msg.diagnostics as { cache_miss_reason?: { type?: unknown } | null } | null | undefined;
    const reason = diag?.cache_miss_reason?.type;
    if (typeof reason === 'string' && typeof msg.id === 'string') this.f.missReasons[claudeKey(msg.id)] = reason;
    if (!Array.isArray(msg.content)) return;
    for (const b of msg.content as Record<string, unknown>[]) {
      if (!b || typeof b !== 'object') continue;
      if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') {
        this.tool(b.id, b.name, t);
        const input = b.input as Record<string, unknown> | undefined;
        const file = input?.file_path;
        if (typeof file === 'string' && /^(Edit|MultiEdit|Write)$/.test(b.name) && INSTRUCTION_FILES.has(path.basename(file))) this.f.instructionsChanged.push(t);
      } else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
        this.result(b.tool_use_id, textLength(b.content), t);
      }
    }
  }

  codex(o: Record<string, unknown>, t: number): void {
    const p = o.payload as Record<string, unknown> | undefined;
    if (!p || typeof p !== 'object') return;
    if (o.type === 'session_meta') {
      this.metas++;
      if (this.metas > 1) return;
      const src = p.source as { subagent?: { thread_spawn?: { parent_thread_id?: unknown } } } | undefined;
      const parent = typeof p.forked_from_id === 'string' ? p.forked_from_id : src?.subagent?.thread_spawn?.parent_thread_id;
      if (typeof parent === 'string') this.f.parentSession = parent;
      return;
    }
    if (o.type === 'compacted' || (o.type === 'event_msg' && p.type === 'context_compacted')) {
      // one compaction writes both: a `compacted` item, then its `context_compacted` event
      const last = this.f.compactions[this.f.compactions.length - 1];
      if (last === undefined || t - last > 60_000) this.f.compactions.push(t);
      return;
    }
    if (o.type === 'event_msg' && p.type === 'token_count' && p.rate_limits && typeof p.rate_limits === 'object') {
      const rl = p.rate_limits as Record<string, unknown>;
      const win = (w: unknown): RateObsWindow | null => {
        if (!w || typeof w !== 'object') return null;
        const x = w as Record<string, unknown>;
        if (typeof x.used_percent !== 'number' || !Number.isFinite(x.used_percent)) return null;
        const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
        const at = num(x.resets_at), inSec = num(x.resets_in_seconds);
        return { usedPercent: x.used_percent, windowMinutes: num(x.window_minutes), resetsAt: at !== null ? at * 1000 : inSec !== null ? t + inSec * 1000 : null };
      };
      const obs = { t, limitId: typeof rl.limit_id === 'string' ? rl.limit_id : null, primary: win(rl.primary), secondary: win(rl.secondary) };
      if (obs.primary || obs.secondary) this.f.rateObs.push(obs);
      return;
    }
    if (o.type === 'turn_context') {
      const ins = [p.user_instructions, p.developer_instructions].map(v => typeof v === 'string' ? v : '').join('\0');
      if (this.instructions !== null && ins !== this.instructions) this.f.instructionsChanged.push(t);
      this.instructions = ins;
      return;
    }
    if (o.type !== 'response_item') return;
    const id = typeof p.call_id === 'string' ? p.call_id : '';
    if (p.type === 'function_call' || p.type === 'custom_tool_call') this.tool(id, typeof p.name === 'string' ? p.name : 'tool', t);
    else if (p.type === 'function_call_output' || p.type === 'custom_tool_call_output') {
      const out = p.output;
      this.result(id, typeof out === 'string' ? out.length : textLength((out as Record<string, unknown> | undefined)?.content ?? out), t);
    }
  }
}

/** Reads the leak facts of one transcript; bad lines are skipped, never thrown. */
export function readTranscriptFacts(file: string, agent: string): TranscriptFacts {
  const r = new Reader();
  if (agent !== 'claude-code' && agent !== 'codex') return r.f;
  let fd: number;
  try { fd = fs.openSync(fsPath(file), fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)); } catch { return r.f; }
  try {
    scanLines(fd, 0, NEEDLES, line => {
      if (line.startsWith('{"type":"file-history-snapshot"')) return;
      let o: unknown;
      try { o = JSON.parse(line); } catch { return; }
      if (!o || typeof o !== 'object') return;
      const rec = o as Record<string, unknown>;
      const t = typeof rec.timestamp === 'string' ? Date.parse(rec.timestamp) || 0 : 0;
      if (agent === 'claude-code') r.claude(rec, t); else r.codex(rec, t);
    });
  } catch { /* unreadable mid-way: keep what was read */ } finally { fs.closeSync(fd); }
  return r.f;
}

export type FactsOf = (file: string, agent: string) => TranscriptFacts;

/** Version of the persisted facts: a file of another version is rebuilt. */
export const LEAK_FACTS_VERSION = 3;

// The persisted cache is outside data: each entry is checked before use, and one that does not fit is
// dropped and its transcript read again.
const time = z.number().finite();
const RateWindowSchema = z.object({ usedPercent: z.number().finite(), windowMinutes: z.number().finite().nullable(), resetsAt: time.nullable() }).nullable();
const FactsSchema = z.object({
  compactions: z.array(time),
  missReasons: z.record(z.string(), z.string()),
  toolsChanged: z.array(time),
  instructionsChanged: z.array(time),
  toolResults: z.array(z.object({ tool: z.string(), t: time, tokens: z.number().int().nonnegative() })),
  rateObs: z.array(z.object({ t: time, limitId: z.string().nullable(), primary: RateWindowSchema, secondary: RateWindowSchema })),
  parentSession: z.string().nullable(),
  agentId: z.string().nullable(),
});
const EntrySchema = z.object({ size: z.number().int().nonnegative(), mtimeMs: time, agent: z.string(), f: FactsSchema });
type Entry = z.infer<typeof EntrySchema>;
const FileSchema = z.object({ version: z.literal(LEAK_FACTS_VERSION), files: z.array(z.tuple([z.string(), z.unknown()])) });

/**
 * Facts per file, re-read only when its size or mtime changed; with a `cacheFile`, kept on disk
 * (written atomically by `save()`) so a warm `tokenomics leaks` or `week` reads no transcript.
 */
export class TranscriptFactsCache {
  private m = new CheckedEntries<Entry>(EntrySchema);
  private loaded = false;
  /** Transcripts read (not served from the cache) since construction. */
  reads = 0;

  constructor(private readonly cacheFile: string | null = null) {}

  private load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.cacheFile) return;
    const data = readPersisted(this.cacheFile, FileSchema);
    if (data) this.m = new CheckedEntries<Entry>(EntrySchema, data.files);
  }

  get = (file: string, agent: string): TranscriptFacts => {
    this.load();
    let st: fs.Stats | null = null;
    try { st = fs.statSync(fsPath(file)); } catch { /* gone: the last facts stand */ }
    const cur = this.m.get(file);
    if (cur && cur.agent === agent && (!st || (cur.size === st.size && cur.mtimeMs === st.mtimeMs))) return cur.f;
    const f = readTranscriptFacts(file, agent);
    this.reads++;
    if (st) this.m.set(file, { size: st.size, mtimeMs: st.mtimeMs, agent, f });
    return f;
  };

  /** Writes the cache if it changed; false when the folder is not writable. */
  save(): boolean {
    if (!this.cacheFile || !this.m.dirty) return true;
    try {
      this.m.dropMissing();
      writeAtomic(this.cacheFile, JSON.stringify({ version: LEAK_FACTS_VERSION, files: this.m.toJSON() }));
      this.m.dirty = false;
      return true;
    } catch { return false; }
  }
}

export const defaultFactsCache = new TranscriptFactsCache();

/**
 * The latest modification time of a project's always-loaded instruction files (CLAUDE.md, AGENTS.md:
 * the adapter names them), memoised per call site: an edit made outside the agent between two requests
 * explains a miss. Only the latest mtime is known, so an earlier edit of the same file is not seen.
 */
export function instructionMtimes(instructionFiles: (agent: string) => readonly string[]): (agent: string, project: string) => number | null {
  const memo = new Map<string, number | null>();
  return (agent, project) => {
    const key = `${agent}\0${project}`;
    if (memo.has(key)) return memo.get(key)!;
    let latest: number | null = null;
    if (path.isAbsolute(project)) {
      for (const name of instructionFiles(agent)) {
        try { const st = fs.statSync(path.join(project, name)); if (st.isFile() && (latest === null || st.mtimeMs > latest)) latest = st.mtimeMs; } catch { /* none */ }
      }
    }
    memo.set(key, latest);
    return latest;
  };
}
