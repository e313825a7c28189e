// The messages between the weekly summary webview and the extension host, typed once for both sides.
// The host still checks every field of what arrives: a webview is another process.
import type { WeekSummary } from '../core/week/types';

export type ToWebview =
  /** The summary carries the engine's display name of each agent (`agentNames`): the webview keeps no table. */
  | { type: 'summary'; summary: WeekSummary }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready'; week?: string }
  | { type: 'navigate'; week: string }
  | { type: 'openTranscript'; file: string }
  | { type: 'export'; week?: string }
  | { type: 'rendered'; week: string; renderMs: number; first: boolean };
