// Every custom request and notification between the extension and the engine, beyond standard LSP:
// one typed object per message, imported by both sides, so a method name, its params and its result
// are written once and a mismatch between client and engine is a type error.
// The engine validates incoming params (src/server/requests.ts); this file holds no behaviour.
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { CountSummary } from '../core/documentCount';
import type { WeekSummary } from '../core/week/types';
import type { Burn, ContextView } from '../core/leaks/live';

/**
 * Node flags for the engine process. --optimize-for-size makes V8 grow its heap less eagerly: with
 * 20 one-megabyte prompt files open the engine settles at ~175 MB instead of ~260 MB, at a small
 * cost in analysis time. test/bench/lsp-client.mjs starts the engine with the same flags.
 */
export const ENGINE_EXEC_ARGV = ['--optimize-for-size'];

export interface LspRange { start: { line: number; character: number }; end: { line: number; character: number } }

// ---- token meter -------------------------------------------------------------------------------

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

/** Count a document or its selections, on the model in effect for that document. */
export const CountRequest = new RequestType<CountParams, CountResult, void>('tokenomics/count');
/** The model catalog, for the model picker. */
export const ModelsRequest = new RequestType0<ModelListItem[], void>('tokenomics/models');

// ---- settings and agents -----------------------------------------------------------------------

/** The raw `tokenomics` configuration object (window scope; resource-scoped keys are asked per document). */
export const SettingsNotification = new NotificationType<unknown>('tokenomics/settings');

/** How the engine's memory splits between V8 heap and the rest (benchmarks and diagnostics). */
export const MemoryRequest = new RequestType0<NodeJS.MemoryUsage, void>('tokenomics/memory');

// ---- spend meter -------------------------------------------------------------------------------

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
  /** Where the numbers come from (`exact`, `lower-bound`, `estimate`): the client shows what this says. */
  basis: 'exact' | 'lower-bound' | 'estimate';
  /** `basis`: `lower-bound` (Copilot's journal, shown ≥) or `estimate` (Continue, shown ≈) when not `exact`. */
  byAgent: { agent: string; costUSD: number; requests: number; basis: PeriodSpend['basis'] }[];
  byModel: { model: string; costUSD: number; requests: number; basis: PeriodSpend['basis'] }[];
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
  /** Epoch ms when its prompt cache expires (last request + the TTL of its writes). */
  cacheWarmUntil?: number;
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
  /** The folders searched, with the setting that replaces an agent's defaults (`tokenomics.claudeDirs`). */
  folders: { agent: string; path: string; exists: boolean; setting: string }[];
  hasLogs: boolean;
  skipped: { malformedLines: number; unreadable: string[] };
  /** The sessions running now, highest burn rate ($/hour) first. */
  burn?: Burn[];
}

/** The usage summary for the spend meter, refreshed first. */
export const UsageRequest = new RequestType0<UsageSummary, void>('tokenomics/usage');

/** Drop the usage history kept of logs no longer on disk, for days before `before` (YYYY-MM-DD, engine's zone). */
export interface ForgetHistoryParams { before: string }
export const ForgetHistoryRequest = new RequestType<ForgetHistoryParams, { dropped: number }, void>('tokenomics/forgetHistory');
/** Server -> client: usage changed (the spend meter re-renders). */
export const UsageChangedNotification = new NotificationType<UsageSummary>('tokenomics/usageChanged');

/** What fills the active agent session's context, with the actions worth taking (null: no active session). */
export const AgentContextRequest = new RequestType0<ContextView | null, void>('tokenomics/agentContext');

// ---- weekly summary ----------------------------------------------------------------------------

export interface WeekParams {
  /** Any date of the wanted week (YYYY-MM-DD); the current week when absent. */
  week?: string;
  /** Weeks before (negative) or after the week of `week` (or the current one): -1 is last week. */
  offset?: number;
  /** Workspace folder path -> name, so projects are named as the user knows them. */
  projectNames?: Record<string, string>;
}

/** The weekly summary (null params: the current week). */
export const WeekRequest = new RequestType<WeekParams | null, WeekSummary, void>('tokenomics/week');

// ---- prompt files ------------------------------------------------------------------------------

export interface AnalyzeAsPromptParams { uri: string }
export interface AnalyzeAsPromptResult { uri: string; isPrompt: boolean; tokens?: number; estimate?: boolean; findings?: number; reason?: string }

/** Analyse a document as a prompt even if it matches no `tokenomics.promptFiles` glob. */
export const AnalyzeAsPromptRequest = new RequestType<AnalyzeAsPromptParams, AnalyzeAsPromptResult, void>('tokenomics/analyzeAsPrompt');

// ---- OpenTelemetry export ----------------------------------------------------------------------

export interface ExportConfigParams {
  endpoint?: string;
  /** `name=value,...` or a JSON object, as stored by `Tokenomics: Set OTLP Export Headers`. */
  headers?: string;
  intervalSeconds?: number;
  attributes?: Record<string, unknown>;
  includeProjects?: string;
}

export interface ExportStatus {
  enabled: boolean;
  /** The OpenTelemetry sender (dist/otlp.js) has been loaded into this process. */
  senderLoaded: boolean;
  /** This process holds the machine's export lock (one exporter per machine). */
  exporting: boolean;
  lastSuccess: number | null;
  lastError: string | null;
  lastPoints: number;
}

/**
 * The `tokenomics.export.otlp.*` settings plus the headers from SecretStorage (kept in memory only):
 * sent at start, on a change of those settings and when the headers change.
 */
export const ExportConfigNotification = new NotificationType<ExportConfigParams>('tokenomics/exportConfig');
/** What the exporter is doing (tests and diagnostics). */
export const ExportStatusRequest = new RequestType0<ExportStatus, void>('tokenomics/exportStatus');
