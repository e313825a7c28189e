// The messages between the weekly summary webview and the extension host, typed once for both sides.
// The host still checks every field of what arrives: a webview is another process.
import type { WeekSummary } from '../core/week';

export type ToWebview =
  /** `agentNames`: the engine's display name for each agent id (the webview keeps no table of its own). */
  | { type: 'summary'; summary: WeekSummary; agentNames: Record<string, string> }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready'; week?: string }
  | { type: 'navigate'; week: string }
  | { type: 'openTranscript'; file: string }
  | { type: 'export'; week?: string }
  | { type: 'rendered'; week: string; renderMs: number; first: boolean };
