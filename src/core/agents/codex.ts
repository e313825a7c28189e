// Codex CLI rollouts: sessions/YYYY/MM/DD/rollout-*.jsonl and archived_sessions/.
import path from 'node:path';
import { z } from 'zod';
import { AgentReader, LineOutcome, RateLimitWindow, RateLimits, UsageRecord, codexKey, tokens } from './records';

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
