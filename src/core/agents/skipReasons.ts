// Why a line that looked like a request was not counted. Every skipped line is counted under one of
// these ids (in `report --json`'s `skipped.byReason`, in `report --explain`), so a total can be
// audited: nothing that looked like usage disappears without a word. The ids are stable: scripts key on them.
import type { TokenUsage } from '../cost';

export const SKIP_REASONS = [
  /** Not JSON, or usage fields of the wrong type. */
  'malformed',
  /** Usage on a line without the `type` that says it is a model response (Claude Code). */
  'no-type',
  /** Counted, but its model has no price: its cost is unknown (reported, not skipped, by the report). */
  'unpriced',
  /** A log too large to be a chat record (whole-file formats). */
  'too-large',
  /** Token counts no single request can have. */
  'implausible',
  /** A timestamp before 2000 or after tomorrow. */
  'out-of-range-time',
  /** History a fork or sub-agent copied from its parent: the parent made those requests. */
  'replay',
  /** A copy of a request already counted (re-emitted event, resumed session, archived copy). */
  'duplicate',
  /** A compressed log that could not be decoded. */
  'undecodable',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type SkipCounts = Partial<Record<SkipReason, number>>;

export function isSkipReason(v: unknown): v is SkipReason {
  return typeof v === 'string' && (SKIP_REASONS as readonly string[]).includes(v);
}

// The index's own bound (before 2000, see usage/usageIndex.ts); a time past 2100 is a unit mix-up
// (seconds read as ms, or worse). The index also skips what is stamped after tomorrow.
const EARLIEST = Date.UTC(2000, 0, 1), LATEST = Date.UTC(2100, 0, 1);
export function plausibleTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST && ms < LATEST;
}

// The largest context windows are a few million tokens; a count past this is a corrupt or foreign
// field, and stored as is it would dwarf every real total (and overflow the index's 32-bit columns).
const MAX_TOKENS_PER_FIELD = 100_000_000;
export function plausibleUsage(u: TokenUsage): boolean {
  return u.input <= MAX_TOKENS_PER_FIELD && u.output <= MAX_TOKENS_PER_FIELD && u.cacheRead <= MAX_TOKENS_PER_FIELD
    && u.cacheWrite5m <= MAX_TOKENS_PER_FIELD && u.cacheWrite1h <= MAX_TOKENS_PER_FIELD;
}

export function addSkip(counts: SkipCounts, reason: SkipReason, n = 1): void {
  counts[reason] = (counts[reason] ?? 0) + n;
}

/** Counts in the order of SKIP_REASONS, zeros left out: stable output for JSON and tests. */
export function orderedSkips(counts: SkipCounts): SkipCounts {
  const out: SkipCounts = {};
  for (const r of SKIP_REASONS) if (counts[r]) out[r] = counts[r];
  return out;
}
