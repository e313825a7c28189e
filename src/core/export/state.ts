// What the exporter remembers between exports: per series, its start time and the last value sent.
// A counter's value only grows under one start time; when an index total falls (history forgotten, an
// exact source replacing a lower bound, a rebuild) the series restarts with a new start time, so a
// receiver sees a reset instead of a counter running backwards.
import * as z from 'zod';
import type { Series } from './series';

export const STATE_VERSION = 1;

const SeriesState = z.object({
  /** Epoch ms: the start time of the series' current run. */
  start: z.number().int().nonnegative(),
  /** The last value sent and accepted. */
  last: z.number().finite().nonnegative(),
});

export const ExportStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  /** Epoch ms of the last export the receiver accepted. */
  at: z.number().int().nonnegative().optional(),
  series: z.record(z.string(), SeriesState),
});
export type ExportState = z.infer<typeof ExportStateSchema>;

export const emptyState = (): ExportState => ({ version: STATE_VERSION, series: {} });

/** Reads a state file's text; anything unreadable is a fresh state and a reason (reported by the caller). */
export function parseState(text: string | null): { state: ExportState; problem?: string } {
  if (text === null) return { state: emptyState() };
  let json: unknown;
  try { json = JSON.parse(text); } catch { return { state: emptyState(), problem: 'not JSON' }; }
  const r = ExportStateSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { state: emptyState(), problem: `${issue?.path.join('.') || 'state'}: ${issue?.message ?? 'invalid'}` };
  }
  return { state: r.data };
}

export function serializeState(state: ExportState): string {
  return JSON.stringify(state);
}

export interface Point extends Series {
  /** Epoch ms: the start of the series' run, and the time the value was observed. */
  startMs: number;
  endMs: number;
  /** True when this point starts a new run (the value fell, or the series ended). */
  reset: boolean;
}

/**
 * A float total can come out a hair lower from the same requests summed in another order: that is
 * not a reset. Token counts are whole numbers, so for them any fall is one.
 */
function fell(value: number, last: number): boolean {
  return value < last - Math.max(1e-9, Math.abs(last) * 1e-12);
}

/**
 * The points to send for `series` observed at `now`, and the state to keep once the receiver
 * accepted them (keep the old state when it did not: the next export sends the totals again).
 * A series that appears after an earlier export (a model used for the first time) was 0 then: it
 * starts just after that export with an explicit 0 point, so a receiver's increase() counts all of
 * its value (VictoriaMetrics, like Prometheus, cannot tell a new series from one it saw late).
 * A series the state knows but the index no longer has is sent once more as 0 under a new start, so
 * sums over the receiver's latest values stop counting it, and is then forgotten.
 */
export function advance(state: ExportState, series: readonly Series[], now: number): { points: Point[]; next: ExportState } {
  const next: ExportState = { version: STATE_VERSION, at: now, series: {} };
  const points: Point[] = [];
  const seen = new Set<string>();
  for (const s of series) {
    seen.add(s.key);
    const prev = state.series[s.key];
    if (!prev && state.at !== undefined && state.at < now - 1) {
      const start = state.at + 1;
      points.push({ ...s, value: 0, startMs: start, endMs: start, reset: false });
      points.push({ ...s, startMs: start, endMs: now, reset: false });
      next.series[s.key] = { start, last: s.value };
      continue;
    }
    // a float a hair below the last value sent is the same total: send the last value, not a reset
    const value = prev && !fell(s.value, prev.last) && s.value < prev.last ? prev.last : s.value;
    const reset = !!prev && fell(s.value, prev.last);
    // a new run starts now, and strictly after the old one (two exports in the same millisecond)
    const start = !prev ? now : reset ? Math.max(prev.start + 1, now) : prev.start;
    points.push({ ...s, value, startMs: start, endMs: now, reset });
    next.series[s.key] = { start, last: value };
  }
  for (const [key, prev] of Object.entries(state.series)) {
    if (seen.has(key) || prev.last === 0) continue;
    const gone = parseKey(key);
    if (!gone) continue;
    points.push({ key, metric: gone.metric, attributes: gone.attributes, value: 0, startMs: Math.max(prev.start + 1, now), endMs: now, reset: true });
  }
  return { points, next };
}

/**
 * Start times for a backfill: every series starts at `start` (the first day's start) unless the state
 * already has an earlier start for it; last values are the final totals.
 */
export function backfillState(state: ExportState, finals: readonly Series[], start: number): ExportState {
  const next: ExportState = { version: STATE_VERSION, at: state.at, series: { ...state.series } };
  for (const s of finals) next.series[s.key] = { start: Math.min(start, state.series[s.key]?.start ?? start), last: s.value };
  return next;
}

/** The metric and attributes of a key made by `seriesKey`. */
export function parseKey(key: string): { metric: Series['metric']; attributes: Record<string, string> } | null {
  const i = key.indexOf('[');
  if (i < 0) return null;
  const metric = key.slice(0, i);
  if (metric !== 'tokenomics.token.usage' && metric !== 'tokenomics.cost.usage') return null;
  try {
    const pairs = JSON.parse(key.slice(i)) as unknown;
    if (!Array.isArray(pairs)) return null;
    const attributes: Record<string, string> = {};
    for (const p of pairs) {
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') return null;
      attributes[p[0]] = p[1];
    }
    return { metric, attributes };
  } catch { return null; }
}
