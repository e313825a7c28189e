// Gemini CLI chats: ~/.gemini/tmp/<projectHash>/chats/session-*.json (rewritten whole) or .jsonl.
import path from 'node:path';
import * as z from 'zod';
import { AgentReader, LineOutcome, UsageRecord, geminiKey, tokens } from './records';
import type { AgentAdapter } from './adapter';
import { isDir, readSmallFile } from './shared';

const num = z.number().nullish();
const MessageSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  timestamp: z.string().optional(),
  type: z.string().optional(),
  model: z.string().optional(),
  tokens: z.object({ input: num, output: num, cached: num, thoughts: num, tool: num, total: num }).nullish(),
});
const SessionSchema = z.object({
  sessionId: z.string().optional(),
  projectHash: z.string().optional(),
  startTime: z.string().optional(),
  lastUpdated: z.string().optional(),
  messages: z.array(z.unknown()),
});

export interface GeminiState {
  session: string; project: string; fallbackTime: number;
  /**
   * The model the last message of the file named. A reply recorded without one (gemini-cli
   * geminiChat.ts: an empty reply goes through chatRecordingService.recordSyntheticMessage, model
   * undefined, and the response's tokens attach to it) was answered by it, as ccusage's Gemini parser
   * carries `current_model`. Absent in indexes written before it was kept.
   */
  model?: string;
}

function projectOf(file: string): string {
  // tmp/<hash>/chats/session-x.json, or a sub-agent's tmp/<hash>/chats/<parentSessionId>/<id>.jsonl;
  // newer builds leave the real folder in tmp/<hash>/.project_root
  let chats = path.dirname(file);
  if (path.basename(chats) !== 'chats' && path.basename(path.dirname(chats)) === 'chats') chats = path.dirname(chats);
  const dir = path.dirname(chats);
  try {
    const root = (readSmallFile(path.join(dir, '.project_root')) ?? '').trim();
    if (root) return root;
  } catch { /* older builds: the hash is all there is */ }
  return path.basename(dir);
}

function recordOf(m: z.infer<typeof MessageSchema>, state: GeminiState, file: string, offset: number): UsageRecord | null {
  if (m.model) state.model = m.model; // user messages name it too
  if (m.type !== 'gemini' || !m.tokens) return null;
  const t = m.tokens;
  const input = tokens(t.input) + tokens(t.tool);
  const cached = Math.min(tokens(t.cached), input);
  // input includes cached; thoughts are billed as output
  const usage = { input: input - cached, output: tokens(t.output) + tokens(t.thoughts), cacheRead: cached, cacheWrite5m: 0, cacheWrite1h: 0 };
  if (input + usage.output === 0) return null;
  const ts = m.timestamp ? Date.parse(m.timestamp) : NaN;
  return {
    agent: 'gemini', sessionId: state.session, project: state.project, model: m.model || (typeof state.model === 'string' && state.model ? state.model : 'unknown'),
    timestamp: Number.isFinite(ts) ? ts : state.fallbackTime, usage, contextTokens: input, file,
    key: m.id !== undefined ? geminiKey(state.session, String(m.id)) : `g:${file}@${offset}`, rank: 0,
  };
}

export const geminiReader: AgentReader<GeminiState> = {
  agent: 'gemini',
  needles: [Buffer.from('"tokens"'), Buffer.from('"sessionId"')],
  lastWinsInFile: true,
  initState: file => ({ session: path.basename(file).replace(/\.jsonl?$/, '').replace(/^session-/, ''), project: projectOf(file), fallbackTime: 0 }),
  isWholeFile: file => file.endsWith('.json'),
  line(state, text, offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    if (typeof raw !== 'object' || raw === null) return 'malformed';
    const o = raw as Record<string, unknown>;
    // a checkpoint: `{"$set":{"messages":[...]}}` rewrites the whole list, later records still append
    const set = o.$set as { messages?: unknown } | undefined;
    if (typeof set === 'object' && set !== null && Array.isArray(set.messages)) {
      let n = 0, bad = 0;
      set.messages.forEach((msg, i) => {
        const m = MessageSchema.safeParse(msg);
        if (!m.success) { bad++; return; }
        const r = recordOf(m.data, state, file, offset + i);
        if (r) { emit(r); n++; }
      });
      return n ? 'record' : bad ? 'malformed' : 'ignored';
    }
    if (typeof o.sessionId === 'string' && o.tokens === undefined) {
      state.session = o.sessionId;
      const start = typeof o.startTime === 'string' ? Date.parse(o.startTime) : NaN;
      if (Number.isFinite(start)) state.fallbackTime = start;
      return 'ignored';
    }
    const m = MessageSchema.safeParse(o.message ?? o);
    if (!m.success) return 'malformed';
    const r = recordOf(m.data, state, file, offset);
    if (!r) return 'ignored';
    emit(r);
    return 'record';
  },
  wholeFile(text, file, emit) {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return { malformed: 1 }; }
    const s = SessionSchema.safeParse(raw);
    if (!s.success) return { malformed: 1 };
    const state = geminiReader.initState(file);
    if (s.data.sessionId) state.session = s.data.sessionId;
    const start = Date.parse(s.data.lastUpdated ?? s.data.startTime ?? '');
    if (Number.isFinite(start)) state.fallbackTime = start;
    let malformed = 0;
    s.data.messages.forEach((msg, i) => {
      const m = MessageSchema.safeParse(msg);
      if (!m.success) { malformed++; return; }
      const r = recordOf(m.data, state, file, i);
      if (r) emit(r);
    });
    return { malformed };
  },
};

// ---- the adapter: where the logs live ------------------------------------------------------------------

export const gemini: AgentAdapter = {
  id: 'gemini',
  displayName: 'Gemini CLI',
  logs: {
    setting: 'geminiDirs',
    cliFlag: 'gemini-dir',
    settingDescription: 'Folders where Gemini CLI writes its logs, replacing the defaults (`$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`; chats under `tmp/<project>/chats/` are read, sub-agent chats included). Use this when the agent runs with a custom home, or to point Tokenomics at copies of logs.',
    // GEMINI_CLI_HOME replaces the home folder (gemini-cli packages/core/src/utils/paths.ts homedir())
    defaultRoots: (env, home) => [path.join(env.GEMINI_CLI_HOME?.trim() || home, '.gemini')],
    envVars: ['GEMINI_CLI_HOME'],
    scanDirs: root => [isDir(path.join(root, 'tmp')) ? path.join(root, 'tmp') : root],
    isLogFile: (name, fullPath) => {
      // main sessions: chats/session-*.json(l); sub-agents: chats/<parentSessionId>/<id>.jsonl
      // (gemini-cli packages/core/src/services/chatRecordingService.ts); logs/session-*.jsonl holds no usage
      const parent = path.basename(path.dirname(fullPath));
      if (name.startsWith('session-') && (name.endsWith('.json') || name.endsWith('.jsonl'))) return parent !== 'logs';
      return name.endsWith('.jsonl') && path.basename(path.dirname(path.dirname(fullPath))) === 'chats';
    },
  },
  usage: geminiReader,
  // Gemini's chat records carry no tool calls worth counting yet: no activity reader
  instructionFiles: ['GEMINI.md'],
  basis: 'exact',
};
