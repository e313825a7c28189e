// Sub-agents per session: what each cost and how many requests it made. Claude Code writes them to
// `<session>/subagents/agent-<id>.jsonl` (a compaction fork `agent-acompact-*` is not one); a Codex
// child thread names its parent in `session_meta`. Replayed parent history is not counted: the index
// keeps one copy of a request (the parent's), so a child's stream holds only its own requests.
import path from 'node:path';
import { requestCost } from '../cost';
import { LeakContext, inRange, isClaudeSubagent, isCompactFork, round6 } from './streams';

export interface Subagent { agent: string; sessionId: string; subagent: string; requests: number; costUSD: number; model: string }

export function subagents(ctx: LeakContext): Subagent[] {
  const out: Subagent[] = [];
  for (const s of ctx.streams) {
    let parent: string, id: string;
    if (s.agent === 'claude-code' && isClaudeSubagent(s.file) && !isCompactFork(s.file)) {
      parent = s.sessionId;
      id = s.facts.agentId ?? path.basename(s.file, '.jsonl').replace(/^agent-/, '');
    } else if (s.agent === 'codex' && s.facts.parentSession) {
      parent = s.facts.parentSession;
      id = s.sessionId;
    } else continue;
    let requests = 0, cost = 0;
    const models = new Map<string, number>();
    for (const r of s.records) {
      if (!inRange(ctx.range, r.timestamp)) continue;
      requests++;
      const c = requestCost(ctx.modelOf(r.model), r.usage) ?? 0;
      cost += c;
      models.set(r.model, (models.get(r.model) ?? 0) + c);
    }
    if (!requests) continue;
    const model = [...models].sort((a, b) => b[1] - a[1])[0]![0];
    out.push({ agent: s.agent, sessionId: parent, subagent: id, requests, costUSD: round6(cost), model });
  }
  return out.sort((a, b) => b.costUSD - a.costUSD);
}
