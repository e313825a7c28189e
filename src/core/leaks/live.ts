// Live leaks for the sessions running now: how long the active session's prompt cache stays warm,
// which sessions burn the most per hour, and what fills the active session's context with the actions
// worth taking. Pure over usage records and transcript facts; the engine computes, the client renders.
import type { Catalog } from '../catalog';
import { promptTokens, ratesFor, requestCost } from '../cost';
import type { UsageRecord } from '../agents/records';
import type { TranscriptFacts } from './facts';
import { isClaudeSubagent, ttlOf } from './streams';

/** A session is running now when its last request is this recent. */
export const RUNNING_MS = 15 * 60_000;
/** Burn rate over the last hour of a session (or since its first request of that hour, at least 10 minutes). */
export const BURN_WINDOW_MS = 60 * 60_000;
const MIN_SPAN_MS = 10 * 60_000;

export interface Burn { agent: string; sessionId: string; project: string; usdPerHour: number; lastHourUSD: number; lastActive: number }

/** Sessions running at `now`, highest $/hour first (sub-agents count toward their session). */
export function burnRates(records: readonly UsageRecord[], catalog: Catalog, now: number): Burn[] {
  const per = new Map<string, Burn & { first: number }>();
  const since = now - BURN_WINDOW_MS;
  for (const r of records) {
    if (r.timestamp < since || r.timestamp > now) continue;
    const key = `${r.agent}\0${r.sessionId}`;
    let b = per.get(key);
    if (!b) per.set(key, (b = { agent: r.agent, sessionId: r.sessionId, project: r.project, usdPerHour: 0, lastHourUSD: 0, lastActive: 0, first: r.timestamp }));
    b.lastHourUSD += requestCost(catalog.resolve(r.model), r.usage) ?? 0;
    if (r.timestamp > b.lastActive) b.lastActive = r.timestamp;
    if (r.timestamp < b.first) b.first = r.timestamp;
    if (!isClaudeSubagent(r.file) && isClaudeSubagent(b.project)) b.project = r.project;
  }
  return [...per.values()].filter(b => now - b.lastActive <= RUNNING_MS).map(({ first, ...b }) => {
    const span = Math.max(MIN_SPAN_MS, now - first);
    return { ...b, usdPerHour: Math.round((b.lastHourUSD / (span / 3_600_000)) * 100) / 100, lastHourUSD: Math.round(b.lastHourUSD * 1e4) / 1e4 };
  }).sort((a, b) => b.usdPerHour - a.usdPerHour);
}

/** A request stamped this far past `now` is a clock problem, not a request that warmed the cache. */
export const CLOCK_SKEW_MS = 60_000;

/**
 * When the stream's prompt cache expires: its last request plus the TTL of that request's writes.
 * Requests stamped in the future (a skewed clock, a shifted fixture) are passed over, so the countdown
 * never shows more than one TTL.
 */
export function cacheWarmUntil(stream: readonly UsageRecord[], now = Date.now()): number | null {
  let last: UsageRecord | undefined;
  for (const r of stream) if (r.timestamp <= now + CLOCK_SKEW_MS && (!last || r.timestamp > last.timestamp)) last = r;
  return last ? last.timestamp + ttlOf(last) : null;
}

export interface ContextPart { label: string; tokens: number }
export interface ContextAction { title: string; savingPerTurnUSD: number }
export interface ContextView {
  agent: string; sessionId: string; project: string; model: string;
  contextTokens: number; contextWindow: number | null;
  /** Every part but the total is an estimate (tool output from characters / 4). */
  parts: ContextPart[];
  actions: ContextAction[];
  cacheWarmUntil: number | null;
}

const READ_TOOLS = new Set(['Read', 'read_file', 'view', 'NotebookRead']);

/**
 * What fills the context of a session's main transcript now: the first request after the last
 * compaction (system prompt, tools, instruction files, the summary) as the base; tool results since
 * then by tool (file reads apart); the conversation is the rest. The three actions that would save
 * most per turn, priced at the model's cache-read rate (what each further turn pays to re-read them).
 */
export function contextView(stream: readonly UsageRecord[], facts: TranscriptFacts, catalog: Catalog, instructionTokens: number | null, instructionName = 'the instruction file'): ContextView | null {
  const recs = [...stream].sort((a, b) => a.timestamp - b.timestamp);
  const last = recs[recs.length - 1];
  if (!last) return null;
  const compaction = [...facts.compactions].filter(c => c <= last.timestamp).sort((a, b) => b - a)[0] ?? -Infinity;
  const base = recs.find(r => r.timestamp >= compaction) ?? last;
  const total = last.contextTokens;
  const model = catalog.resolve(last.model);
  const perToken = model ? ratesFor(model, promptTokens(last.usage)).cacheRead / 1e6 : 0;
  const byTool = new Map<string, number>();
  let reads = 0;
  for (const t of facts.toolResults) {
    if (t.t < base.timestamp || t.t > last.timestamp) continue;
    if (READ_TOOLS.has(t.tool)) reads += t.tokens;
    else byTool.set(t.tool, (byTool.get(t.tool) ?? 0) + t.tokens);
  }
  const baseTokens = Math.min(base.contextTokens, total);
  const instructions = Math.min(instructionTokens ?? 0, baseTokens);
  let toolTotal = reads + [...byTool.values()].reduce((n, v) => n + v, 0);
  // estimates from characters can overshoot what the context holds: scale them into it
  const room = total - baseTokens;
  const scale = toolTotal > room ? room / toolTotal : 1;
  reads = Math.round(reads * scale);
  const tools = [...byTool].map(([label, v]) => ({ label, tokens: Math.round(v * scale) })).sort((a, b) => b.tokens - a.tokens);
  toolTotal = reads + tools.reduce((n, t) => n + t.tokens, 0);
  const parts: ContextPart[] = [
    { label: 'system prompt and tools', tokens: baseTokens - instructions },
    { label: 'instruction files', tokens: instructions },
    { label: 'file reads', tokens: reads },
    ...tools.map(t => ({ label: `tool output: ${t.label}`, tokens: t.tokens })),
    { label: 'conversation', tokens: Math.max(0, total - baseTokens - toolTotal) },
  ].filter(p => p.tokens > 0);
  const actions: ContextAction[] = [];
  if (room > 0) actions.push({ title: 'Compact now (/compact): the conversation and tool output become a short summary', savingPerTurnUSD: room * 0.9 * perToken });
  if (tools[0]) actions.push({ title: `Cap ${tools[0].label}'s output (or clear its results): ≈${tools[0].tokens} tokens`, savingPerTurnUSD: tools[0].tokens * perToken });
  if (reads > 0) actions.push({ title: 'Read files by range instead of whole', savingPerTurnUSD: reads * 0.5 * perToken });
  if (instructions > 0) actions.push({ title: `Halve ${instructionName}`, savingPerTurnUSD: instructions * 0.5 * perToken });
  actions.sort((a, b) => b.savingPerTurnUSD - a.savingPerTurnUSD);
  return {
    agent: last.agent, sessionId: last.sessionId, project: last.project, model: last.model,
    contextTokens: total, contextWindow: model?.contextWindow ?? null, parts,
    actions: actions.slice(0, 3).map(a => ({ ...a, savingPerTurnUSD: Math.round(a.savingPerTurnUSD * 1e6) / 1e6 })),
    cacheWarmUntil: cacheWarmUntil(recs),
  };
}

/** The main transcript of a session among its records: the file of its latest non-sub-agent request. */
export function mainStream(records: readonly UsageRecord[], agent: string, sessionId: string): UsageRecord[] {
  let file: string | null = null, at = -Infinity;
  for (const r of records) if (r.agent === agent && r.sessionId === sessionId && !isClaudeSubagent(r.file) && r.timestamp > at) { file = r.file; at = r.timestamp; }
  return file === null ? [] : records.filter(r => r.file === file);
}
