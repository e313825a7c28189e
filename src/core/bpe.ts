// A byte-pair-encoding token counter over tiktoken's ranks, exact against js-tiktoken.
// It exists because counting is all we need: no token arrays, pieces memoised by their text,
// and a heap-based merge so a long piece (a 100k-letter run, minified code) counts in
// O(n log n) instead of js-tiktoken's O(n^2) rescans.

export interface RanksFile {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

/** Token bytes (as a latin1 "binary" string) to rank. */
export type RankMap = Map<string, number>;

export function parseRanks(file: RanksFile): { ranks: RankMap; maxTokenBytes: number } {
  const ranks: RankMap = new Map();
  let maxTokenBytes = 1;
  for (const line of file.bpe_ranks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) {
      const bytes = Buffer.from(fields[i]!, 'base64').toString('latin1');
      if (bytes.length > maxTokenBytes) maxTokenBytes = bytes.length;
      ranks.set(bytes, offset + i - 2);
    }
  }
  return { ranks, maxTokenBytes };
}

// Pieces up to this many bytes use the simple rescanning merge: for short pieces it beats the heap.
const SHORT_PIECE = 48;
// Enough for the distinct words of several large documents; ~60 bytes an entry.
const MEMO_LIMIT = 100_000;

export class BpeCounter {
  private readonly pattern: RegExp;
  private memo = new Map<string, number>();

  constructor(private readonly ranks: RankMap, patStr: string, private readonly maxTokenBytes: number) {
    this.pattern = new RegExp(patStr, 'gu');
  }

  /** Tokens of `text` as ordinary text (special-token strings are not special here). */
  count(text: string): number {
    const re = this.pattern;
    re.lastIndex = 0;
    let total = 0;
    let m: RegExpExecArray | null;
    const memo = this.memo;
    while ((m = re.exec(text)) !== null) {
      const piece = m[0];
      const hit = memo.get(piece);
      if (hit !== undefined) { total += hit; continue; }
      const n = this.countPiece(piece);
      if (piece.length <= 256) {
        if (memo.size >= MEMO_LIMIT) this.memo = new Map();
        this.memo.set(piece, n);
      }
      total += n;
    }
    return total;
  }

  countPiece(piece: string): number {
    const bytes = Buffer.from(piece, 'utf8').toString('latin1');
    if (this.ranks.has(bytes)) return 1;
    return bytes.length <= SHORT_PIECE ? this.mergeShort(bytes) : this.mergeHeap(bytes);
  }

  private rankOf(bytes: string, start: number, end: number): number {
    if (end - start > this.maxTokenBytes) return Infinity;
    return this.ranks.get(bytes.slice(start, end)) ?? Infinity;
  }

  /** The reference algorithm: repeatedly merge the lowest-ranked adjacent pair, leftmost first. */
  private mergeShort(bytes: string): number {
    const bounds: number[] = [];
    for (let i = 0; i <= bytes.length; i++) bounds.push(i);
    // ranks[i] is the rank of merging part i with part i+1
    const pairRanks: number[] = [];
    for (let i = 0; i + 2 < bounds.length; i++) pairRanks.push(this.rankOf(bytes, bounds[i]!, bounds[i + 2]!));
    while (pairRanks.length > 0) {
      let best = Infinity, at = -1;
      for (let i = 0; i < pairRanks.length; i++) if (pairRanks[i]! < best) { best = pairRanks[i]!; at = i; }
      if (at < 0) break;
      bounds.splice(at + 1, 1);
      pairRanks.splice(at, 1);
      if (at < pairRanks.length) pairRanks[at] = at + 2 < bounds.length ? this.rankOf(bytes, bounds[at]!, bounds[at + 2]!) : Infinity;
      if (at > 0) pairRanks[at - 1] = this.rankOf(bytes, bounds[at - 1]!, bounds[at + 1]!);
    }
    return bounds.length - 1;
  }

  /**
   * Same merge order as mergeShort (min rank, then leftmost), with a binary heap of candidate pairs
   * over a linked list of parts; stale heap entries are skipped on pop.
   */
  private mergeHeap(bytes: string): number {
    const n = bytes.length;
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
      const r = next[i]! >= 0 ? this.rankOf(bytes, start[i]!, endOfNext(i)) : Infinity;
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
