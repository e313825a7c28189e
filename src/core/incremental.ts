// Incremental counting: a document is cut into chunks at places where the tokenizer's split pattern
// always breaks, so the sum of the chunks' counts equals the count of the whole text exactly, and an
// edit re-counts only the chunks it touched.
//
// Safe cut points for o200k_base and cl100k_base (no pattern piece can span them, and the piece that
// follows starts fresh):
// - after a '\n' when the next character is not whitespace (Unicode White_Space, as the pattern means it): every alternative that consumes a newline
//   ends at the last newline of its run, and no piece starts with a newline followed by a non-space;
//   except '/': o200k's punctuation piece ` ?[^\s\p{L}\p{N}]+[\r\n/]*` runs on through "\n//";
// - before a ' ' that follows a non-whitespace character and precedes a letter: pieces never contain
//   an inner space, and " word" is always one piece starting at the space.
// The property test in test/unit/incremental.test.ts checks this against a full count.

import { WHITE_SPACE } from './bpe';

export interface TextCounter {
  count(text: string): number;
  /** The count and whether it is exact (BpeCounter estimates pieces over a million characters). */
  measure?(text: string): { tokens: number; exact: boolean };
}

interface Chunk { text: string; tokens: number; exact: boolean }

// Whitespace as tiktoken's (Rust) pattern means it, not JavaScript's \s: see WHITE_SPACE in bpe.ts.
const WS = new RegExp(`[${WHITE_SPACE}]`);
const LETTER = /\p{L}/u;
const TARGET = 2048;

function isSafeCut(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return true;
  const before = text[i - 1]!, at = text[i]!;
  if (before === '\n') return at !== '/' && !WS.test(at);
  if (at === ' ') return !WS.test(before) && i + 1 < text.length && LETTER.test(text[i + 1]!);
  return false;
}

/** Cut points in [from, to): `from` and `to` must themselves be safe. */
export function cutChunks(text: string, from: number, to: number, target = TARGET): string[] {
  const out: string[] = [];
  let pos = from;
  while (to - pos > target * 1.5) {
    let cut = -1;
    // prefer line starts; fall back to word starts on very long lines; never cut inside a word run
    for (let nl = text.indexOf('\n', pos + target - 1); nl >= 0 && nl + 1 < to; nl = text.indexOf('\n', nl + 1)) {
      if (isSafeCut(text, nl + 1)) { cut = nl + 1; break; }
      if (nl + 1 - pos > target * 8) break;
    }
    if (cut < 0) {
      for (let sp = text.indexOf(' ', pos + target); sp >= 0 && sp < to; sp = text.indexOf(' ', sp + 1)) {
        if (isSafeCut(text, sp)) { cut = sp; break; }
        if (sp - pos > target * 64) break;
      }
    }
    if (cut < 0 || cut >= to) break;
    out.push(text.slice(pos, cut));
    pos = cut;
  }
  if (to > pos) out.push(text.slice(pos, to));
  return out;
}

export class IncrementalCounter {
  private chunks: Chunk[] = [];
  private total = 0;
  /** Characters re-counted by the last update: what an edit cost. */
  lastRecounted = 0;

  constructor(private readonly counter: TextCounter, private readonly target = TARGET) {}

  get tokens(): number { return this.total; }

  update(text: string): number {
    const old = this.chunks;
    // unchanged chunks at the front
    let head = 0, headLen = 0;
    while (head < old.length && text.startsWith(old[head]!.text, headLen)) headLen += old[head++]!.text.length;
    // unchanged chunks at the back, not overlapping the front
    let tail = old.length, tailLen = 0;
    while (tail > head && text.length - tailLen - old[tail - 1]!.text.length >= headLen
      && text.endsWith(old[tail - 1]!.text, text.length - tailLen)) tailLen += old[--tail]!.text.length;
    // A cut stays safe only while the characters around it are unchanged, so give back one chunk on
    // each side: its outer edge sits in unchanged text.
    // (Two characters at least on the front side: a cut before a space also looks one character ahead.)
    for (let given = 0; head > 0 && given < 2;) { const len = old[--head]!.text.length; headLen -= len; given += len; }
    if (tail < old.length) tailLen -= old[tail++]!.text.length;
    const from = headLen, to = text.length - tailLen;
    const fresh = from < to ? cutChunks(text, from, to, this.target).map(t => this.chunk(t)) : [];
    this.lastRecounted = to - from;
    this.chunks = [...old.slice(0, head), ...fresh, ...old.slice(tail)];
    this.total = 0;
    this.allExact = true;
    for (const c of this.chunks) { this.total += c.tokens; if (!c.exact) this.allExact = false; }
    return this.total;
  }

  /** False when a chunk holds a piece that was estimated: the total is then an estimate too. */
  get exact(): boolean { return this.allExact; }

  private allExact = true;

  private chunk(text: string): Chunk {
    if (this.counter.measure) return { text, ...this.counter.measure(text) };
    return { text, tokens: this.counter.count(text), exact: true };
  }
}
