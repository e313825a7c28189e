// The custom requests and notifications between the extension and the engine, beyond standard LSP.
// Types and constants only: both sides import this file.
import type { CountSummary } from '../core/documentCount';

/**
 * Node flags for the engine process. --optimize-for-size makes V8 grow its heap less eagerly: with
 * 20 one-megabyte prompt files open the engine settles at ~175 MB instead of ~260 MB, at a small
 * cost in analysis time. test/bench/lsp-client.mjs starts the engine with the same flags.
 */
export const ENGINE_EXEC_ARGV = ['--optimize-for-size'];

export interface LspRange { start: { line: number; character: number }; end: { line: number; character: number } }

export const Methods = {
  /** client -> server notification: the raw `tokenomics` configuration object. */
  settings: 'tokenomics/settings',
  /** client -> server request: count a document or its selections. */
  count: 'tokenomics/count',
  /** client -> server request: the model catalog, for the model picker. */
  models: 'tokenomics/models',
  /** client -> server request: usage summary for the spend meter. */
  usage: 'tokenomics/usage',
  /** server -> client notification: usage changed (the spend meter should re-render). */
  usageChanged: 'tokenomics/usageChanged',
  /** client -> server request: analyse a document as a prompt even if it matches no prompt glob. */
  analyzeAsPrompt: 'tokenomics/analyzeAsPrompt',
  /** client -> server request: the weekly summary. */
  week: 'tokenomics/week',
} as const;

/** CountResult.notCounted for a document the client never synced to the engine. */
export const NOT_SYNCED = 'not open in the engine';

export interface CountParams { uri: string; version: number; ranges: LspRange[] }

export interface CountResult extends Partial<CountSummary> {
  uri: string;
  version: number;
  /** Set when the document was not counted, with the reason shown to the user. */
  notCounted?: string;
  selection: boolean;
  /** Bloat findings when the document is a prompt file; undefined for other files. */
  findings?: number;
  isPrompt?: boolean;
}

export interface ModelListItem {
  id: string;
  provider: string;
  family: string;
  tier: string;
  input: number;
  output: number;
  contextWindow: number | null;
  exact: boolean;
  deprecated?: string;
}

export interface KindTokens { input: number; output: number; cacheRead: number; cacheWrite: number }

export interface PeriodSpend {
  label: string;
  /** First calendar day of the period (YYYY-MM-DD, in the summary's time zone). */
  startDate: string;
  costUSD: number;
  requests: number;
  unpricedRequests: number;
  tokens: KindTokens;
  /** Cache reads as a share of all input the models read (uncached + cache read + cache write). */
  cacheHitRatio: number | null;
  /** `basis`: `lower-bound` (Copilot's journal, shown ≥) or `estimate` (Continue, shown ≈) when not `exact`. */
  byAgent: { agent: string; costUSD: number; requests: number; basis: 'exact' | 'lower-bound' | 'estimate' }[];
  byModel: { model: string; costUSD: number; requests: number }[];
}

export interface RateWindow { usedPercent: number; windowMinutes?: number; resetsAt?: number }

export interface ContextStatus {
  agent: string;
  sessionId: string;
  project: string;
  model: string;
  contextTokens: number;
  contextWindow: number | null;
  share: number | null;
  /** What the next turn costs just to re-read this context: at cache-read price, and uncached. */
  nextTurnCachedUSD: number | null;
  nextTurnUncachedUSD: number | null;
  lastActivity: number;
  inWorkspace: boolean;
}

export interface QuotaStatus { name: string; weeklyUSD: number; spentUSD: number; share: number }

export interface UsageSummary {
  generatedAt: number;
  timezone: string;
  today: PeriodSpend;
  week: PeriodSpend;
  budgets: { dailyUSD: number | null; weeklyUSD: number | null; warnAtPercent: number };
  rateLimits?: { primary?: RateWindow; secondary?: RateWindow; plan?: string; at: number };
  context?: ContextStatus;
  contextWarning: { percent: number; notifyPercent: number };
  quotas: QuotaStatus[];
  /** Every agent the engine reads, with the name to show for it (the client hard-codes none). */
  agentNames: { id: string; displayName: string }[];
  folders: { agent: string; path: string; exists: boolean }[];
  hasLogs: boolean;
  skipped: { malformedLines: number; unreadable: string[] };
}
