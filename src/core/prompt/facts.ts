// What the rules need to know about one block, computed once per distinct block text and cached by
// content key: after a one-character edit only the edited block is looked at again.
import type { TextCounter } from '../incremental';
import { findBlobCandidates, BlobCandidate } from './blobs';
import { findCacheHostile, HostileHit } from './cacheHostile';
import { dupSignature, DupSignature, MIN_DUP_WORDS } from './duplicates';
import { findFiller, FillerHit, FillerMatcher } from './filler';
import { findLogRuns, LogRun } from './logs';
import type { RawBlock } from './markdown';
import { textHash } from './textHash';

export interface TextFix { start: number; end: number; newText: string; saving: number }

/** What few blocks have (filler, blobs, logs, whitespace, constraints): kept apart so plain blocks stay small. */
interface Extras {
  filler: FillerHit[];
  blobs: (BlobCandidate & { raw: number })[];
  logs: LogRun[];
  logSavings: Map<string, number> | null;
  trailing: { start: number; end: number }[];
  trailingSaving: number;
  dedent: TextFix | null;
  constraint: boolean;
  hostile: HostileHit | null;
}

/**
 * Facts about one block. An engine with 20 large prompts open keeps one per paragraph, so the
 * common case (a plain paragraph) is three fields and a small duplicate sketch.
 */
export class BlockFacts {
  constructor(
    /** Raw tokens of the block (encoding count, no model factor). */
    readonly raw: number,
    readonly dup: DupSignature | null,
    private readonly extra: Extras | null,
  ) {}

  get filler(): readonly FillerHit[] { return this.extra?.filler ?? NONE; }
  get blobs(): readonly (BlobCandidate & { raw: number })[] { return this.extra?.blobs ?? NONE; }
  get logs(): readonly LogRun[] { return this.extra?.logs ?? NONE; }
  /** Trailing spaces of the block's lines (relative ranges) and what removing them saves, raw. */
  get trailing(): readonly { start: number; end: number }[] { return this.extra?.trailing ?? NONE; }
  get trailingSaving(): number { return this.extra?.trailingSaving ?? 0; }
  /** A uniformly over-indented block (or fenced block content) brought back to the margin. */
  get dedent(): TextFix | null { return this.extra?.dedent ?? null; }
  /** A phrase that changes between sessions (cache-hostile), relative to the block. */
  get hostile(): HostileHit | null { return this.extra?.hostile ?? null; }
  /** Holds a hard constraint (MUST, NEVER, ...). */
  get constraint(): boolean { return this.extra?.constraint ?? false; }
  /** Memo of log elision savings by `${run}:${kept}` (only blocks with logs have extras). */
  logMemo(): Map<string, number> {
    return (this.extra!.logSavings ??= new Map());
  }
}

const NONE = Object.freeze([]) as unknown as never[];
const CONSTRAINT = /\b(?:MUST|NEVER|IMPORTANT|ALWAYS|CRITICAL|REQUIRED|DO NOT|DON'T)\b/;
const MIN_DEDENT_COLUMNS = 8;

export class FactCache {
  private current = new Map<number, BlockFacts>();
  private next = new Map<number, BlockFacts>();
  private fillerKey = '';

  constructor(private readonly counter: TextCounter) {}

  /** Call before a new analysis: facts of blocks that no longer exist are dropped after it. */
  begin(fillerKey: string): void {
    if (fillerKey !== this.fillerKey) { this.current.clear(); this.fillerKey = fillerKey; }
    this.next = new Map();
  }

  end(): void { this.current = this.next; this.next = new Map(); }

  /** Drops every cached fact: the next analysis is a cold one. */
  clear(): void { this.current = new Map(); this.next = new Map(); }

  count(text: string): number { return this.counter.count(text); }

  facts(text: string, b: RawBlock, filler: FillerMatcher | null): BlockFacts {
    const key = textHash(text, b.start, b.end, b.kind.charCodeAt(0) * 0x10001 + b.kind.length);
    let f = this.current.get(key) ?? this.next.get(key);
    if (!f) f = this.compute(text.slice(b.start, b.end), b, filler);
    this.next.set(key, f);
    return f;
  }

  private compute(t: string, b: RawBlock, filler: FillerMatcher | null): BlockFacts {
    const raw = this.counter.count(t);
    const prose = b.kind === 'paragraph' || b.kind === 'list-item';
    const trailing = findTrailing(t, prose);
    let trailingSaving = 0;
    if (trailing.length) trailingSaving = Math.max(0, raw - this.counter.count(removeRanges(t, trailing)));
    const dedent = findDedent(t, b);
    if (dedent) dedent.saving = Math.max(0, this.counter.count(t.slice(dedent.start, dedent.end)) - this.counter.count(dedent.newText));
    const extra: Extras = {
      filler: filler && b.kind !== 'fence' ? findFiller(t, filler) : NONE,
      blobs: b.kind === 'heading' ? NONE : findBlobCandidates(t).map(c => ({ ...c, raw: this.counter.count(t.slice(c.start, c.end)) })),
      logs: b.kind === 'fence' || b.kind === 'paragraph' ? findLogRuns(t) : NONE,
      logSavings: null,
      trailing, trailingSaving,
      dedent: dedent && dedent.saving > 0 ? dedent : null,
      constraint: prose && CONSTRAINT.test(t),
      hostile: prose || b.kind === 'table' ? findCacheHostile(t) : null,
    };
    const plain = !extra.filler.length && !extra.blobs.length && !extra.logs.length && !trailingSaving && !extra.dedent && !extra.constraint && !extra.hostile;
    const dup = prose || b.kind === 'fence' || b.kind === 'table' ? dupSignature(t) : null;
    return new BlockFacts(raw, dup && dup.words >= MIN_DUP_WORDS ? dup : null, plain ? null : extra);
  }
}

/**
 * Trailing spaces and tabs of each line. In prose, exactly two spaces before a line break inside the
 * block are a Markdown hard line break: meaning, not waste.
 */
function findTrailing(t: string, prose: boolean): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let pos = 0;
  while (pos <= t.length) {
    let nl = t.indexOf('\n', pos);
    if (nl < 0) nl = t.length;
    let e = nl;
    if (e > pos && t.charCodeAt(e - 1) === 13) e--;
    let s = e;
    while (s > pos && (t.charCodeAt(s - 1) === 32 || t.charCodeAt(s - 1) === 9)) s--;
    const hardBreak = prose && nl < t.length && e - s === 2 && t.charCodeAt(s) === 32 && t.charCodeAt(s + 1) === 32 && s > pos;
    if (s < e && !hardBreak) out.push({ start: s, end: e });
    pos = nl + 1;
  }
  return out;
}

export function removeRanges(t: string, ranges: readonly { start: number; end: number }[]): string {
  let out = '', pos = 0;
  for (const r of ranges) { out += t.slice(pos, r.start); pos = r.end; }
  return out + t.slice(pos);
}

/** Common leading whitespace of the lines in [start, end) that are not blank. */
function commonIndent(t: string, start: number, end: number): string | null {
  let prefix: string | null = null;
  let pos = start;
  while (pos < end) {
    let nl = t.indexOf('\n', pos);
    if (nl < 0 || nl > end) nl = end;
    let i = pos;
    while (i < nl && (t[i] === ' ' || t[i] === '\t')) i++;
    if (i < nl && t[i] !== '\r') {
      const ind = t.slice(pos, i);
      if (prefix === null) prefix = ind;
      else {
        let k = 0;
        while (k < prefix.length && k < ind.length && prefix[k] === ind[k]) k++;
        prefix = prefix.slice(0, k);
      }
      if (!prefix) return '';
    }
    pos = nl + 1;
  }
  return prefix;
}

function columns(indent: string): number {
  let c = 0;
  for (const ch of indent) c += ch === '\t' ? 4 : 1;
  return c;
}

function findDedent(t: string, b: RawBlock): TextFix | null {
  if (b.kind !== 'fence' && b.kind !== 'paragraph') return null;
  // a fence indented inside a list item: its content's indentation keeps it in the item
  if (b.kind === 'fence' && t[0] !== '`' && t[0] !== '~') return null;
  const start = b.kind === 'fence' ? Math.min(t.length, (b.innerStart ?? b.start) - b.start) : 0;
  const end = b.kind === 'fence' ? Math.max(start, Math.min(t.length, (b.innerEnd ?? b.end) - b.start)) : t.length;
  if (end - start > 200_000) return null;
  const prefix = commonIndent(t, start, end);
  if (!prefix || columns(prefix) < MIN_DEDENT_COLUMNS) return null;
  const body = t.slice(start, end);
  const lines = body.split('\n').map(l => (l.startsWith(prefix) ? l.slice(prefix.length) : l.trimStart()));
  return { start, end, newText: lines.join('\n'), saving: 0 };
}
