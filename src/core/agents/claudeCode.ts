// Claude Code transcripts: projects/<cwd slug>/<session>.jsonl, one line per content block.
import path from 'node:path';
import { z } from 'zod';
import { AgentReader, LineOutcome, UsageRecord, claudeKey, tokens } from './records';

const count = z.number().nullish();
const UsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: z.object({ ephemeral_5m_input_tokens: count, ephemeral_1h_input_tokens: count }).nullish(),
});
const LineSchema = z.object({
  type: z.string().optional(),
  sessionId: z.string().optional(),
  cwd: z.string().optional(),
  timestamp: z.string(),
  requestId: z.string().optional(),
  message: z.object({
    id: z.string().optional(),
    model: z.string().optional(),
    usage: UsageSchema,
  }),
});

export interface ClaudeState { session: string; project: string }

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
  initState: file => ({ session: path.basename(file, '.jsonl'), project: projectFromPath(file) }),
  line(state, text, offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    // "usage" also appears in tool results (sub-agent summaries): only assistant messages are requests.
    if (typeof raw !== 'object' || raw === null) return 'malformed';
    const o = raw as { type?: unknown; message?: { usage?: unknown } };
    if (o.type !== 'assistant' || typeof o.message !== 'object' || o.message === null || o.message.usage === undefined) return 'ignored';
    const p = LineSchema.safeParse(raw);
    if (!p.success) return 'malformed';
    const l = p.data;
    const timestamp = Date.parse(l.timestamp);
    if (!Number.isFinite(timestamp)) return 'malformed';
    const u = l.message.usage;
    const b5 = tokens(u.cache_creation?.ephemeral_5m_input_tokens), b1 = tokens(u.cache_creation?.ephemeral_1h_input_tokens);
    const created = u.cache_creation_input_tokens == null ? b5 + b1 : tokens(u.cache_creation_input_tokens);
    // Without a breakdown, all cache creation is priced at the 5-minute rate.
    const w1h = Math.min(b1, created);
    const w5m = created - w1h;
    const usage = { input: tokens(u.input_tokens), output: tokens(u.output_tokens), cacheRead: tokens(u.cache_read_input_tokens), cacheWrite5m: w5m, cacheWrite1h: w1h };
    if (usage.input + usage.output + usage.cacheRead + w5m + w1h === 0) return 'ignored'; // <synthetic> and error stubs
    const id = l.message.id, req = l.requestId;
    const record: UsageRecord = {
      agent: 'claude-code',
      sessionId: l.sessionId ?? state.session,
      project: l.cwd ?? state.project,
      model: l.message.model ?? 'unknown',
      timestamp,
      usage,
      contextTokens: usage.input + usage.cacheRead + w5m + w1h,
      file,
      // Without both ids nothing says two lines are one request, so each line counts.
      key: id && req ? claudeKey(id, req) : `c:${file}@${offset}`,
      rank: 0,
    };
    emit(record);
    return 'record';
  },
};
