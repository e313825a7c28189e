// A byte-pair-encoding token counter over tiktoken's ranks, exact against OpenAI's tiktoken (Rust).
// It exists because counting is all we need: no token arrays, pieces memoised by their text,
// and a heap-based merge so a long piece (a 100k-letter run, minified code) counts in
// O(n log n) instead of js-tiktoken's O(n^2) rescans.

import type { RankTable } from './ranks';

export { parseRanks, RankTable } from './ranks';
export type { RanksFile } from './ranks';

/**
 * Rust regex's `\s` (the Unicode White_Space property), which tiktoken's patterns mean. JavaScript's
 * `\s` differs: it includes U+FEFF and excludes U+0085, so a byte-order mark or a NEL would split
 * differently from OpenAI's tokenizer ("\ufeff#" is 1 token there, 2 with JavaScript's `\s`).
 */
export const WHITE_SPACE = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** A tiktoken split pattern with `\s` and `\S` spelled out as Rust means them. */
export function rustWhitespacePattern(patStr: string): string {
  let out = '', inClass = false;
  for (let i = 0; i < patStr.length; i++) {
    const c = patStr[i]!;
    if (c === '\\') {
      const e = patStr[i + 1];
      i++;
      if (e === 's') out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (e === 'S') {
        if (inClass) throw new Error('\\S inside a character class has no plain-class spelling');
        out += `[^${WHITE_SPACE}]`;
      } else out += c + (e ?? '');
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

// Pieces up to this many bytes use the simple rescanning merge: for short pieces it beats the heap.
const SHORT_PIECE = 48;
// Pieces longer than this (in UTF-16 units) are estimated from SAMPLES samples of SAMPLE_CHARS each.
export const HUGE_PIECE = 1 << 20;
const SAMPLES = 16;
const SAMPLE_CHARS = 1 << 16;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
// Enough for the distinct words of several large documents; ~60 bytes an entry.
const MEMO_LIMIT = 100_000;

export class BpeCounter {
  private readonly pattern: RegExp;
  private memo = new Map<string, number>();
  // the piece being merged, as UTF-8 bytes: one buffer reused for every piece
  private bytes = new Uint8Array(1024);
  private readonly maxTokenBytes: number;

  constructor(private readonly ranks: RankTable, patStr: string) {
    this.pattern = new RegExp(rustWhitespacePattern(patStr), 'gu');
    this.maxTokenBytes = ranks.maxTokenBytes;
  }

  /** Tokens of `text` as ordinary text (special-token strings are not special here). */
  count(text: string): number {
    return this.countText(text);
  }

  /**
   * The count and whether it is exact: it is not when the text holds a piece over HUGE_PIECE
   * characters (a run with no space, punctuation or digit), which is estimated from samples.
   */
  measure(text: string): { tokens: number; exact: boolean } {
    this.estimatedPieces = 0;
    const tokens = this.countText(text);
    return { tokens, exact: this.estimatedPieces === 0 };
  }

  private estimatedPieces = 0;

  private countText(text: string): number {
    const re = this.pattern;
    re.lastIndex = 0;
    let total = 0;
    let m: RegExpExecArray | null;
    const memo = this.memo;
    while ((m = re.exec(text)) !== null) {
      const piece = m[0];
      const hit = memo.get(piece);
      if (hit !== undefined) { total += hit; continue; }
      const n = piece.length > HUGE_PIECE ? this.estimatePiece(piece) : this.countPiece(piece);
      if (piece.length <= 256) {
        if (memo.size >= MEMO_LIMIT) this.memo = new Map();
        this.memo.set(piece, n);
      }
      total += n;
    }
    return total;
  }

  countPiece(piece: string): number {
    const n = this.encode(piece);
    if (this.ranks.rank(this.bytes, 0, n) >= 0) return 1;
    return n <= SHORT_PIECE ? this.mergeShort(n) : this.mergeHeap(n);
  }

  /**
   * A piece this long costs ~1 µs and ~50 bytes of memory per byte to merge exactly (a 300 MB run
   * would need 15 GB): count evenly spread samples exactly and scale by bytes. Real text never has
   * such pieces (base64 and minified code break at punctuation); a pasted blob of letters does.
   */
  private estimatePiece(piece: string): number {
    this.estimatedPieces++;
    const last = piece.length - SAMPLE_CHARS;
    let tokens = 0, bytes = 0;
    for (let k = 0; k < SAMPLES; k++) {
      let from = Math.floor((k * last) / (SAMPLES - 1)), to = from + SAMPLE_CHARS;
      // never split a surrogate pair: a half would encode as U+FFFD and change the bytes
      if (isLowSurrogate(piece.charCodeAt(from))) from++;
      if (isLowSurrogate(piece.charCodeAt(to))) to++;
      const sample = piece.slice(from, to);
      tokens += this.countPiece(sample);
      bytes += Buffer.byteLength(sample, 'utf8');
    }
    return Math.round((tokens * Buffer.byteLength(piece, 'utf8')) / bytes);
  }

  /** UTF-8 of `piece` into this.bytes (lone surrogates as U+FFFD, as Buffer.from does); returns the length. */
  private encode(piece: string): number {
    const len = piece.length;
    if (this.bytes.length < len * 3) this.bytes = new Uint8Array(len * 3);
    const b = this.bytes;
    for (let i = 0; i < len; i++) {
      const c = piece.charCodeAt(i);
      if (c >= 0x80) return ENCODER.encodeInto(piece, b).written;
      b[i] = c;
    }
    return len;
  }

  private rankOf(start: number, end: number): number {
    if (end - start > this.maxTokenBytes) return Infinity;
    const r = this.ranks.rank(this.bytes, start, end);
    return r < 0 ? Infinity : r;
  }

  /** The reference algorithm: repeatedly merge the lowest-ranked adjacent pair, leftmost first. */
  private mergeShort(length: number): number {
    const bounds: number[] = [];
    for (let i = 0; i <= length; i++) bounds.push(i);
    // ranks[i] is the rank of merging part i with part i+1
    const pairRanks: number[] = [];
    for (let i = 0; i + 2 < bounds.length; i++) pairRanks.push(this.rankOf(bounds[i]!, bounds[i + 2]!));
    while (pairRanks.length > 0) {
      let best = Infinity, at = -1;
      for (let i = 0; i < pairRanks.length; i++) if (pairRanks[i]! < best) { best = pairRanks[i]!; at = i; }
      if (at < 0) break;
      bounds.splice(at + 1, 1);
      pairRanks.splice(at, 1);
      if (at < pairRanks.length) pairRanks[at] = at + 2 < bounds.length ? this.rankOf(bounds[at]!, bounds[at + 2]!) : Infinity;
      if (at > 0) pairRanks[at - 1] = this.rankOf(bounds[at - 1]!, bounds[at + 1]!);
    }
    return bounds.length - 1;
  }

  /**
   * Same merge order as mergeShort (min rank, then leftmost), with a binary heap of candidate pairs
   * over a linked list of parts; stale heap entries are skipped on pop.
   */
  private mergeHeap(n: number): number {
    const start = new Int32Array(n + 1);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const pairRank = new Float64Array(n); // rank of merging part i with next[i], Infinity if none
    for (let i = 0; i < n; i++) { start[i] = i; next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
    const endOfNext = (i: number) => { const j = next[i]!; return next[j]! >= 0 ? start[next[j]!]! : n; };
    // heap of [rank, part index]; parts are identified by their first byte, which never changes
    const heapR: number[] = [], heapI: number[] = [];
    const less = (a: number, b: number) => heapR[a]! < heapR[b]! || (heapR[a] === heapR[b] && heapI[a]! < heapI[b]!);
    const swap = (a: number, b: number) => {
      const r = heapR[a]!; heapR[a] = heapR[b]!; heapR[b] = r;
      const x = heapI[a]!; heapI[a] = heapI[b]!; heapI[b] = x;
    };
    const push = (r: number, i: number) => {
      heapR.push(r); heapI.push(i);
      let c = heapR.length - 1;
      while (c > 0) { const p = (c - 1) >> 1; if (!less(c, p)) break; swap(c, p); c = p; }
    };
    const pop = () => {
      const last = heapR.length - 1;
      swap(0, last); heapR.pop(); heapI.pop();
      let p = 0;
      for (;;) {
        const l = 2 * p + 1, r = l + 1;
        let m = p;
        if (l < heapR.length && less(l, m)) m = l;
        if (r < heapR.length && less(r, m)) m = r;
        if (m === p) break;
        swap(p, m); p = m;
      }
    };
    const refresh = (i: number) => {
      const r = next[i]! >= 0 ? this.rankOf(start[i]!, endOfNext(i)) : Infinity;
      pairRank[i] = r;
      if (r !== Infinity) push(r, i);
    };
    const alive = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i++) refresh(i);
    let parts = n;
    while (heapR.length > 0) {
      const r = heapR[0]!, i = heapI[0]!;
      pop();
      if (!alive[i] || pairRank[i] !== r) continue; // stale
      const j = next[i]!;
      // merge j into i
      alive[j] = 0;
      next[i] = next[j]!;
      if (next[j]! >= 0) prev[next[j]!] = i;
      parts--;
      refresh(i);
      if (prev[i]! >= 0) refresh(prev[i]!);
    }
    return parts;
  }
}

const ENCODER = new TextEncoder();
