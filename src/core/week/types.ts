// The shapes of the weekly summary. Types only, so the webview can import them as they are.
import type { Basis } from '../agents/adapter';
import type { AgentId } from '../agents/records';
import type { Tier } from '../catalog';
import type { WeekRange, WeekStartsOn } from '../time';
import type { QuotaProblem, QuotaResult } from '../usage/quotas';
import type { Totals } from '../usage/totals';
import type { FactsOf } from '../leaks/facts';
import type { LeaksJson } from '../leaks/index';

export type { AgentId, Basis, QuotaProblem, QuotaResult, Totals, WeekRange, WeekStartsOn };

/** An agent's id and the name shown for it (`agents/index.ts` is where names come from). */
export interface AgentName { id: AgentId; displayName: string }

export const WEEK_SUMMARY_VERSION = 1;

export interface InstructionFile { project: string; agent: AgentId; path: string; tokens: number; approximate: boolean }

export interface WeekOptions {
  /** Any date inside the wanted week (YYYY-MM-DD in `timezone`, or an instant); the current week when absent. */
  weekStart?: string | Date;
  timezone: string;
  weekStartsOn?: WeekStartsOn;
  wasteThresholdUSD?: number;
  /** Raw `tokenomics.quotas`: validated here, invalid entries reported and ignored. */
  quotas?: unknown[];
  /** Project folder -> the name the user knows it by (a workspace folder's name). */
  projectNames?: Record<string, string>;
  /** Always-loaded instruction files per project, measured by `measureInstructionFiles`. */
  instructionFiles?: readonly InstructionFile[];
  warnAtPercent?: number;
  malformedLines?: number;
  /** Leak facts of a transcript (default: read and kept per file in this process). */
  leakFacts?: FactsOf;
  /** A project's instruction-file mtime, for the cache-miss causes (default: stat the files). */
  instructionMtime?: (agent: string, project: string) => number | null;
  /** "Now", for tests: decides the current week and whether a session may still be running. */
  now?: number;
}

export interface Change { spendUSD: number; spendPercent: number | null; tokensPercent: number | null; requestsPercent: number | null; sessionsPercent: number | null }

export interface Headline {
  spendUSD: number; tokens: number; requests: number; sessions: number;
  previous: { spendUSD: number; tokens: number; requests: number; sessions: number };
  change: Change;
}

export interface DaySpend { date: string; costUSD: number; requests: number; tokens: number; basis: Basis; byAgent: Record<AgentId, number> }
export interface DayRow extends Totals { date: string; agent: AgentId; model: string }
export interface ModelRow extends Totals { model: string; tier: Tier | null; priced: boolean }
export interface ProjectRow extends Totals { project: string; name: string }

export interface CacheSection {
  /** Cache reads over everything read as prompt (uncached + cache read + cache write). */
  readShare: number | null;
  cacheReadTokens: number;
  promptTokens: number;
  cacheWriteTokens: number;
  /** What the cache reads would have cost at the full input price, minus what they cost. */
  savingsUSD: number;
  /** What the cache writes cost over plain input. */
  writePremiumUSD: number;
}

export interface SessionValue {
  agent: AgentId; sessionId: string; project: string; projectName: string; model: string;
  start: number; end: number; durationMs: number;
  costUSD: number; requests: number; outputTokens: number; totalTokens: number;
  filesChanged: number; linesChanged: number; linesAdded: number; linesRemoved: number; commits: number; testRuns: number;
  costPerChangedLine: number | null;
  outputTokensPerChangedLine: number | null;
  file: string;
  maxContextShare: number | null;
}

export type WasteKind = 'repeated-reads' | 'big-tool-results' | 'unread-cache-writes' | 'retry-loops';
export interface WasteItem { sessionId: string; project: string; detail: string; count: number; tokens: number; costUSD: number }
export interface WasteFinding { kind: WasteKind; title: string; tokens: number; costUSD: number; fix: string; items: WasteItem[] }

export interface BloatSession {
  agent: AgentId; sessionId: string; project: string; projectName: string; model: string;
  contextWindow: number; maxContextTokens: number; maxShare: number; level: 'warning' | 'critical';
  longTurns: number; longTurnsUSD: number; compactedUSD: number; savingsUSD: number;
}

export interface CheaperRow { model: string; alternative: string; requests: number; actualUSD: number; alternativeUSD: number; savingsUSD: number }

export interface InstructionCost extends InstructionFile { projectName: string; requests: number; model: string | null; costUSD: number | null }

export interface WeekSummary {
  version: number;
  generatedAt: number;
  range: WeekRange;
  /** Every agent Tokenomics reads, in display order, with the name people know it by. */
  agentNames: AgentName[];
  headline: Headline;
  /** The same shape as `tokenomics report --json`'s totals. */
  totals: Totals;
  days: DaySpend[];
  /** One row per day × agent × model: the CSV export. */
  dayRows: DayRow[];
  models: ModelRow[];
  agents: ({ agent: AgentId } & Totals)[];
  projects: ProjectRow[];
  cache: CacheSection;
  value: {
    sessions: SessionValue[];
    filesChanged: number; linesChanged: number; commits: number; testRuns: number;
    costPerChangedLine: number | null; outputTokensPerChangedLine: number | null;
    wasteThresholdUSD: number;
    wasteCandidates: SessionValue[];
  };
  waste: { findings: WasteFinding[]; tokens: number; costUSD: number };
  contextBloat: { sessions: BloatSession[]; longTurnsUSD: number; compactedUSD: number; savingsUSD: number; compactedShare: number };
  cheaperTier: { counterfactual: true; note: string; rows: CheaperRow[]; savingsUSD: number; smallTurnOutputTokens: number };
  /** `names`: the instruction files the agents load (CLAUDE.md, AGENTS.md, ...), for "none found". */
  instructionFiles: { files: InstructionCost[]; costUSD: number; note: string; names: string[] };
  topSessions: SessionValue[];
  quotas: QuotaResult[];
  quotaProblems: QuotaProblem[];
  /** "Where it leaked": the same object as `tokenomics leaks --json`. */
  leaks: LeaksJson;
  skipped: { unpricedRequests: number; malformedLines: number };
}
