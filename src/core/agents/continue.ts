// Continue: `~/.continue/dev_data/0.2.0/tokensGenerated.jsonl` (`$CONTINUE_GLOBAL_DIR` replaces
// ~/.continue), one line per model call, schema 0.2.0 of continuedev/continue
// packages/config-yaml/src/schemas/data/tokensGenerated: {eventName, schema, timestamp, userId,
// userAgent, selectedProfileId, model, provider, promptTokens, generatedTokens}. The counts come from
// Continue's own local tokenizer (autocomplete and cancelled calls included), with no cache and no
// cost: estimates, and labelled so. `dev_data/devdata.sqlite` receives the same events: not read.
import path from 'node:path';
import { z } from 'zod';
import type { AgentAdapter } from './adapter';
import type { Agent, AgentReader, LineOutcome } from './records';
import { tokens } from './records';

export const CONTINUE: Agent = 'continue' as unknown as Agent; // a plain string id once AgentId lands

const Event = z.object({
  eventName: z.string().optional(), timestamp: z.string().optional(), model: z.string().optional(), provider: z.string().optional(),
  promptTokens: z.number().nullish(), generatedTokens: z.number().nullish(),
}).passthrough();

export const continueReader: AgentReader<null> = {
  agent: CONTINUE,
  needles: [Buffer.from('"generatedTokens"'), Buffer.from('"promptTokens"')],
  lastWinsInFile: false,
  initState: () => null,
  line(_state, text, offset, file, emit): LineOutcome {
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return 'malformed'; }
    const e = Event.safeParse(raw);
    if (!e.success) return 'malformed';
    const prompt = tokens(e.data.promptTokens), generated = tokens(e.data.generatedTokens);
    if (prompt + generated === 0) return 'ignored';
    const ts = Date.parse(e.data.timestamp ?? '');
    const model = e.data.model || 'unknown';
    emit({
      agent: CONTINUE, sessionId: `continue:${e.data.provider ?? 'unknown'}`, project: '(no folder)', model,
      timestamp: Number.isFinite(ts) ? ts : 0,
      usage: { input: prompt, output: generated, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
      contextTokens: prompt, file,
      key: Number.isFinite(ts) ? `co:${ts}:${e.data.provider ?? ''}/${model}:${prompt}:${generated}` : `co:${file}@${offset}`,
      rank: 0, basis: 'estimate',
    });
    return 'record';
  },
};

export const continueAdapter: AgentAdapter = {
  id: 'continue',
  displayName: 'Continue',
  logs: {
    setting: 'continueDirs',
    cliFlag: 'continue-dir',
    settingDescription: "Continue folders (holding `dev_data/`), replacing the default `~/.continue` (`$CONTINUE_GLOBAL_DIR` when set). Continue counts tokens with its own tokenizer: shown as estimates.",
    defaultRoots: (env, home) => [env.CONTINUE_GLOBAL_DIR?.trim() || path.join(home, '.continue')],
    scanDirs: root => [path.basename(root) === 'dev_data' ? root : path.join(root, 'dev_data')],
    isLogFile: name => name === 'tokensGenerated.jsonl',
  },
  usage: continueReader as AgentReader,
  instructionFiles: ['.continuerules'],
  basis: 'estimate',
};
