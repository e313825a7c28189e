// Repeated paragraphs and list items. Exact repeats (same text once list markers and line-end spaces
// are ignored) are safe to delete; near repeats (same words after case and whitespace folding, or a
// high word-shingle Jaccard overlap) are reported for a human to merge. Candidate pairs come from
// MinHash bands, so the rule stays linear in the number of blocks instead of comparing every pair.
import { textHash } from './textHash';

export interface DupSignature {
  /** Key of the text with list markers and line-end spaces dropped: equal keys are exact repeats. */
  exact: number;
  /** Key of the lower-cased, whitespace-folded words. */
  normal: number;
  words: number;
  /**
   * MinHash signature (the first HASHES entries), then the smallest BOTTOM_K 3-word shingle hashes,
   * sorted: one small typed array per paragraph, because an engine holding 20 large prompts keeps
   * one per block. Null for blocks too short or too long to compare.
   */
  sketch: Int32Array | null;
}

export const MIN_DUP_WORDS = 6;
export const NEAR_DUP_JACCARD = 0.65;
/** Shingle overlap says little about short items: "use tabs" and "use spaces" differ in one word. */
export const MIN_NEAR_DUP_WORDS = 10;
const MAX_SHINGLE_CHARS = 20_000;
const HASHES = 12;
const ROWS = 2; // 6 bands of 2 rows: a pair at Jaccard 0.65 meets in some band with probability > 0.95
const BOTTOM_K = 24;

const SEEDS_A = Array.from({ length: HASHES }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const SEEDS_B = Array.from({ length: HASHES }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);

const LIST_MARKER = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/gm;

export function dupSignature(text: string): DupSignature {
  const stripped = text.length > 200_000 ? text : text.replace(LIST_MARKER, '').replace(/[ \t]+$/gm, '');
  const exact = textHash(stripped);
  const words: number[] = [];
  // words: runs of letters/digits, lower-cased; everything else folds away. The normal key hashes
  // the word hashes, so no folded copy of the text is built.
  let normal = 0x3c6ef372 | 0, normal2 = 0;
  // hashed straight from the character codes (ASCII case folded): no per-word strings are made
  let h = 0, inWord = false;
  const limit = Math.min(stripped.length, MAX_SHINGLE_CHARS * 10);
  for (let i = 0; i <= limit; i++) {
    let c = i < limit ? stripped.charCodeAt(i) : 32;
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
    if (word) {
      if (c <= 90 && c >= 65) c += 32;
      h = inWord ? Math.imul(h ^ c, 0x01000193) : Math.imul(0x811c9dc5 ^ c, 0x01000193);
      inWord = true;
    } else if (inWord) {
      const wh = h >>> 0;
      words.push(wh);
      normal = Math.imul(normal ^ wh, 0x01000193);
      normal2 = (Math.imul(normal2, 31) + wh) | 0;
      inWord = false;
    }
  }
  let sketch: Int32Array | null = null;
  if (words.length >= MIN_NEAR_DUP_WORDS && stripped.length <= MAX_SHINGLE_CHARS) {
    const set = new Set<number>();
    for (let i = 0; i + 2 < words.length; i++) set.add((Math.imul(words[i]!, 31) ^ Math.imul(words[i + 1]!, 17) ^ words[i + 2]!) >>> 2);
    const shingles = [...set].sort((a, b) => a - b);
    const kept = Math.min(BOTTOM_K, shingles.length);
    sketch = new Int32Array(HASHES + kept).fill(0x3fffffff, 0, HASHES);
    for (const s of shingles) {
      for (let k = 0; k < HASHES; k++) {
        const h = (Math.imul(s ^ SEEDS_B[k]!, SEEDS_A[k]!) ^ (s >>> 13)) >>> 2;
        if (h < sketch[k]!) sketch[k] = h;
      }
    }
    for (let i = 0; i < kept; i++) sketch[HASHES + i] = shingles[i]!;
  }
  return { exact, normal: (normal >>> 0) * 0x200000 + ((normal2 ^ words.length) & 0x1fffff), words: words.length, sketch };
}

/**
 * Jaccard similarity estimated from two bottom-k sketches: among the k smallest shingles of the
 * union, the share present in both. Exact when both blocks have at most k shingles.
 */
export function jaccard(a: Int32Array, b: Int32Array): number {
  let i = HASHES, j = HASHES, seen = 0, both = 0;
  const k = Math.max(a.length, b.length) - HASHES;
  while (seen < k && (i < a.length || j < b.length)) {
    const x = i < a.length ? a[i]! : Infinity, y = j < b.length ? b[j]! : Infinity;
    if (x === y) { both++; i++; j++; } else if (x < y) i++; else j++;
    seen++;
  }
  return seen ? both / seen : 0;
}

export interface DupPair { original: number; duplicate: number; exact: boolean; similarity: number }

/**
 * Each later block that repeats an earlier one, paired with the first occurrence. `sigs[i]` is null
 * for blocks that do not take part (headings, short items).
 */
export function findDuplicates(sigs: readonly (DupSignature | null)[]): DupPair[] {
  const out: DupPair[] = [];
  const byExact = new Map<number, number>();
  const byNormal = new Map<number, number>();
  const bands = new Map<number, number>();
  for (let i = 0; i < sigs.length; i++) {
    const s = sigs[i];
    if (!s || s.words < MIN_DUP_WORDS) continue;
    const e = byExact.get(s.exact);
    if (e !== undefined) { out.push({ original: e, duplicate: i, exact: true, similarity: 1 }); continue; }
    byExact.set(s.exact, i);
    const n = byNormal.get(s.normal);
    if (n !== undefined) { out.push({ original: n, duplicate: i, exact: false, similarity: 1 }); continue; }
    byNormal.set(s.normal, i);
    const sk = s.sketch;
    if (!sk) continue;
    let best = -1, bestSim = 0;
    for (let b = 0; b < HASHES / ROWS; b++) {
      // numeric keys, first block only: a collision costs one Jaccard check, and near copies of a
      // block all meet its first occurrence
      const key = (Math.imul(sk[b * ROWS]! ^ Math.imul(b + 1, 0x9e3779b1), 0x85ebca6b) ^ sk[b * ROWS + 1]!) >>> 0;
      const j = bands.get(key);
      if (j === undefined) { bands.set(key, i); continue; }
      if (j === best) continue;
      const sim = jaccard(sk, sigs[j]!.sketch!);
      if (sim > bestSim) { bestSim = sim; best = j; }
    }
    if (best >= 0 && bestSim >= NEAR_DUP_JACCARD) out.push({ original: best, duplicate: i, exact: false, similarity: bestSim });
  }
  return out;
}
