// The agents Tokenomics reads, in display order. Adding an agent is one adapter file
// (`./adapter.ts` is the contract) and one line here (plus its folder setting in package.json, which a
// unit test checks): the usage index, the activity reader, the weekly summary, the CLI flags and the
// settings all loop over this list.
import type { AgentAdapter, Basis } from './adapter';
import type { AgentId, UsageRecord } from './records';
import { claudeCode } from './claudeCode';
import { codex } from './codex';
import { gemini } from './gemini';
import { copilotAdapter } from './copilot';
import { clineAdapter } from './cline';
import { rooAdapter } from './roo';
import { kiloAdapter } from './kilo';
import { opencodeAdapter } from './opencode';
import { continueAdapter } from './continue';

export const ADAPTERS: readonly AgentAdapter[] = [
  claudeCode,
  codex,
  gemini,
  copilotAdapter,
  clineAdapter,
  rooAdapter,
  kiloAdapter,
  opencodeAdapter,
  continueAdapter,
];

const byId = new Map(ADAPTERS.map(a => [a.id, a]));

/** True for the id of a listed agent: ids from outside (caches, settings, requests) are checked with it. */
export function isAgentId(id: unknown): id is AgentId {
  return typeof id === 'string' && byId.has(id);
}

/** The adapter of an id; throws for an id no adapter has (check outside data with `isAgentId` first). */
export function adapterOf(id: AgentId): AgentAdapter {
  const a = byId.get(id);
  if (!a) throw new Error(`unknown agent '${id}'`);
  return a;
}

/** Where a record's numbers come from: its own basis, else its agent's (exact for an agent no longer listed). */
export function basisOf(r: Pick<UsageRecord, 'agent' | 'basis'>): Basis {
  return r.basis ?? byId.get(r.agent)?.basis ?? 'exact';
}

/** The name shown to people, or the id itself for an agent no longer listed. */
export function agentName(id: AgentId): string {
  return byId.get(id)?.displayName ?? id;
}

/** Id and display name of every agent, for results the client and the webview show. */
export interface AgentName { id: AgentId; displayName: string }
export function agentNames(): AgentName[] {
  return ADAPTERS.map(a => ({ id: a.id, displayName: a.displayName }));
}
