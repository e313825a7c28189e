// Repeated paragraphs and list items. Exact repeats (same text once list markers and line-end spaces
// are ignored) are safe to delete; near repeats (same words after case and whitespace folding, or a
// high word-shingle Jaccard overlap) are reported for a human to merge. Candidate pairs come from
// MinHash bands, so the rule stays linear in the number of blocks instead of comparing every pair.
import { textKey } from './textHash';

export interface DupSignature {
  /** Key of the text with list markers and line-end spaces dropped: equal keys are exact repeats. */
  exact: string;
  /** Key of the lower-cased, whitespace-folded words. */
  normal: string;
  words: number;
  /** Sorted unique 3-word shingle hashes; null for blocks too short or too long to compare. */
  shingles: Uint32Array | null;
  /** MinHash signature over the shingles. */
  minhash: Uint32Array | null;
}

export const MIN_DUP_WORDS = 6;
export const NEAR_DUP_JACCARD = 0.8;
const MAX_SHINGLE_CHARS = 20_000;
const HASHES = 16;
const ROWS = 2; // 8 bands of 2 rows: a pair at Jaccard 0.8 meets in some band with probability > 0.999

const SEEDS_A = Array.from({ length: HASHES }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) | 1) >>> 0);
const SEEDS_B = Array.from({ length: HASHES }, (_, i) => Math.imul(i + 7, 0x85ebca6b) >>> 0);

const LIST_MARKER = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/gm;

export function dupSignature(text: string): DupSignature {
  const stripped = text.length > 200_000 ? text : text.replace(LIST_MARKER, '').replace(/[ \t]+$/gm, '');
  const exact = textKey(stripped);
  const words: number[] = [];
  let normalText = '';
  // words: runs of letters/digits, lower-cased; folding everything else away
  let w = '';
  const limit = Math.min(stripped.length, MAX_SHINGLE_CHARS * 10);
  for (let i = 0; i <= limit; i++) {
    const ch = i < limit ? stripped[i]! : ' ';
    const c = ch.charCodeAt(0);
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0;
    if (word) w += ch;
    else if (w) { const lw = w.toLowerCase(); normalText += `${lw} `; words.push(hashWord(lw)); w = ''; }
  }
  const normal = textKey(normalText);
  let shingles: Uint32Array | null = null, minhash: Uint32Array | null = null;
  if (words.length >= MIN_DUP_WORDS && stripped.length <= MAX_SHINGLE_CHARS) {
    const set = new Set<number>();
    for (let i = 0; i + 2 < words.length; i++) set.add((Math.imul(words[i]!, 31) ^ Math.imul(words[i + 1]!, 17) ^ words[i + 2]!) >>> 0);
    shingles = Uint32Array.from(set).sort();
    minhash = new Uint32Array(HASHES).fill(0xffffffff);
    for (const s of shingles) {
      for (let k = 0; k < HASHES; k++) {
        const h = (Math.imul(s ^ SEEDS_B[k]!, SEEDS_A[k]!) ^ (s >>> 13)) >>> 0;
        if (h < minhash[k]!) minhash[k] = h;
      }
    }
  }
  return { exact, normal, words: words.length, shingles, minhash };
}

function hashWord(w: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0, j = 0, inter = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { inter++; i++; j++; } else if (a[i]! < b[j]!) i++; else j++;
  }
  const union = a.length + b.length - inter;
  return union ? inter / union : 0;
}

export interface DupPair { original: number; duplicate: number; exact: boolean; similarity: number }

/**
 * Each later block that repeats an earlier one, paired with the first occurrence. `sigs[i]` is null
 * for blocks that do not take part (headings, short items).
 */
export function findDuplicates(sigs: readonly (DupSignature | null)[]): DupPair[] {
  const out: DupPair[] = [];
  const byExact = new Map<string, number>();
  const byNormal = new Map<string, number>();
  const bands = new Map<string, number[]>();
  for (let i = 0; i < sigs.length; i++) {
    const s = sigs[i];
    if (!s || s.words < MIN_DUP_WORDS) continue;
    const e = byExact.get(s.exact);
    if (e !== undefined) { out.push({ original: e, duplicate: i, exact: true, similarity: 1 }); continue; }
    byExact.set(s.exact, i);
    const n = byNormal.get(s.normal);
    if (n !== undefined) { out.push({ original: n, duplicate: i, exact: false, similarity: 1 }); continue; }
    byNormal.set(s.normal, i);
    if (!s.minhash || !s.shingles) continue;
    let best = -1, bestSim = 0;
    const seen = new Set<number>();
    for (let b = 0; b < HASHES / ROWS; b++) {
      const key = `${b}:${s.minhash[b * ROWS]}:${s.minhash[b * ROWS + 1]}`;
      const list = bands.get(key);
      if (list) {
        for (const j of list) {
          if (seen.has(j)) continue;
          seen.add(j);
          const sim = jaccard(s.shingles, sigs[j]!.shingles!);
          if (sim > bestSim) { bestSim = sim; best = j; }
        }
        if (list.length < 64) list.push(i);
      } else bands.set(key, [i]);
    }
    if (best >= 0 && bestSim >= NEAR_DUP_JACCARD) out.push({ original: best, duplicate: i, exact: false, similarity: bestSim });
  }
  return out;
}
