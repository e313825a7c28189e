// Codex CLI rollouts: sessions/YYYY/MM/DD/rollout-*.jsonl and archived_sessions/.
import path from 'node:path';
import { z } from 'zod';
import { AgentReader, LineOutcome, RateLimitWindow, RateLimits, UsageRecord, codexKey, tokens } from './records';
import type { ActivityCollector, AgentAdapter } from './adapter';
import { isDir, textLength } from './shared';

const num = z.number().nullish();
const TokenUsageSchema = z.object({ input_tokens: num, cached_input_tokens: num, output_tokens: num, reasoning_output_tokens: num, total_tokens: num });
const WindowSchema = z.object({ used_percent: z.number(), window_minutes: num, resets_at: num, resets_in_seconds: num });
const LineSchema = z.object({
  timestamp: z.string(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()).nullish(),
});
const MetaSchema = z.object({ id: z.string().optional(), cwd: z.string().optional(), forked_from_id: z.string().nullish() });
const TurnSchema = z.object({ model: z.string().optional(), cwd: z.string().optional() });
const TokenCountSchema = z.object({
  type: z.literal('token_count'),
  info: z.object({ total_token_usage: TokenUsageSchema.nullish(), last_token_usage: TokenUsageSchema.nullish() }).nullish(),
});
// Parsed on its own: an odd rate-limit shape only costs the tooltip its percentages, never the tokens.
const RateLimitsSchema = z.object({ primary: WindowSchema.nullish(), secondary: WindowSchema.nullish(), plan_type: z.string().nullish() });

type Tuple = { input: number; cached: number; output: number; reasoning: number; total: number };

export interface CodexState {
  session: string;
  project: string;
  model: string;
  metas: number;
  /** Set in a fork: lines stamped before the fork was made replay the parent's history. */
  forkedAt: number | null;
  firstMetaAt: number | null;
  prevTotal: Tuple | null;
  archived: boolean;
}

const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;

function tuple(u: z.infer<typeof TokenUsageSchema>): Tuple {
  return { input: tokens(u.input_tokens), cached: tokens(u.cached_input_tokens), output: tokens(u.output_tokens),
    reasoning: tokens(u.reasoning_output_tokens), total: tokens(u.total_tokens) };
}

function windowOf(w: z.infer<typeof WindowSchema> | null | undefined, at: number): RateLimitWindow | undefined {
  if (!w) return undefined;
  const resetsAt = w.resets_at != null ? w.resets_at * 1000 : w.resets_in_seconds != null ? at + w.resets_in_seconds * 1000 : null;
  return { usedPercent: w.used_percent, windowMinutes: w.window_minutes ?? null, resetsAt };
}

export const codexReader: AgentReader<CodexState> = {
  agent: 'codex',
  needles: [Buffer.from('token_count'), Buffer.from('turn_context'), Buffer.from('session_meta')],
  lastWinsInFile: false,
  initState: file => ({
    session: UUID.exec(file)?.[1] ?? path.basename(file, '.jsonl'), project: '', model: 'unknown', metas: 0,
    forkedAt: null, firstMetaAt: null, prevTotal: null, archived: file.split(path.sep).includes('archived_sessions'),
  }),
  line(state, text, _offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    const p = LineSchema.safeParse(raw);
    if (!p.success) return 'malformed';
    const { type, payload } = p.data;
    const at = Date.parse(p.data.timestamp);
    if (type === 'session_meta') {
      const m = MetaSchema.safeParse(payload ?? {});
      if (!m.success) return 'malformed';
      state.metas++;
      if (state.metas === 1) {
        if (m.data.id) state.session = m.data.id;
        if (m.data.cwd) state.project = m.data.cwd;
        state.firstMetaAt = Number.isFinite(at) ? at : null;
        if (m.data.forked_from_id) state.forkedAt = state.firstMetaAt;
      } else if (state.forkedAt === null) {
        state.forkedAt = state.firstMetaAt; // a second session_meta is the parent's, replayed
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
    if (!info) return 'ignored';
    const total = info.total_token_usage ? tuple(info.total_token_usage) : null;
    let last: Tuple | null = info.last_token_usage ? tuple(info.last_token_usage) : null;
    if (!last && total) {
      // Older builds only wrote the running total: the request is the difference.
      const prev = state.prevTotal;
      last = prev ? { input: total.input - prev.input, cached: total.cached - prev.cached, output: total.output - prev.output,
        reasoning: total.reasoning - prev.reasoning, total: total.total - prev.total } : total;
    }
    if (total) state.prevTotal = total;
    if (!last || last.input + last.output <= 0 || last.input < 0 || last.output < 0) return 'ignored';
    const cached = Math.min(Math.max(last.cached, 0), last.input);
    const rlParsed = RateLimitsSchema.safeParse(payload?.rate_limits ?? {});
    const rl = payload?.rate_limits && rlParsed.success ? rlParsed.data : undefined;
    const rateLimits: RateLimits | undefined = rl ? { primary: windowOf(rl.primary, at), secondary: windowOf(rl.secondary, at), planType: rl.plan_type ?? undefined } : undefined;
    const replayed = state.forkedAt !== null && at < state.forkedAt;
    const record: UsageRecord = {
      agent: 'codex',
      sessionId: state.session,
      project: state.project,
      model: state.model,
      timestamp: at,
      // input_tokens already include the cached ones; reasoning is already inside output_tokens.
      usage: { input: last.input - cached, output: last.output, cacheRead: cached, cacheWrite5m: 0, cacheWrite1h: 0 },
      contextTokens: last.input,
      file,
      key: codexKey(at, state.model, last),
      rank: (replayed ? 2 : 0) + (state.archived ? 1 : 0),
    };
    if (rateLimits) record.rateLimits = rateLimits;
    emit(record);
    return 'record';
  },
};

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
    isLogFile: name => name.endsWith('.jsonl'),
  },
  usage: codexReader,
  activity: { needles: [Buffer.from('"response_item"'), Buffer.from('"session_meta"')], line: activityLine },
  instructionFiles: ['AGENTS.md'],
  instructionTokensExact: true,
  basis: 'exact',
};
