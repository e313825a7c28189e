// Politeness and filler phrases: tokens the model reads on every call that change nothing it does.
// Each phrase is removed, or replaced by its short form ("in order to" -> "to").

export interface FillerPhrase { phrase: string; replacement: string }

export const BUILT_IN_FILLER: readonly FillerPhrase[] = [
  ...[
    'I want you to', 'I would like you to', "I'd like you to", 'I need you to', 'please make sure that',
    'please make sure to', 'please ensure that', 'please note that', 'it is important to note that',
    "it's important to note that", 'it should be noted that', 'as an AI language model,', 'as an AI language model',
    'as a large language model,', 'as a large language model', 'feel free to', 'could you please', 'can you please',
    'would you kindly', 'thank you in advance', 'thanks in advance', 'I hope this helps', 'without further ado',
    'needless to say,', 'needless to say', 'at the end of the day,', 'if you don\'t mind,', 'kindly',
  ].map(phrase => ({ phrase, replacement: '' })),
  { phrase: 'in order to', replacement: 'to' },
  { phrase: 'due to the fact that', replacement: 'because' },
  { phrase: 'for the purpose of', replacement: 'for' },
  { phrase: 'in the event that', replacement: 'if' },
  { phrase: 'at this point in time', replacement: 'now' },
  { phrase: 'each and every', replacement: 'every' },
];

/**
 * Limits on `tokenomics.fillerPhrases`: far above any real list, low enough that the phrase trie stays
 * small (≤ 400,000 nodes) and a walk from a word start is at most `length` characters.
 */
export const FILLER_LIMITS = { count: 2000, length: 200 } as const;

/** Why the `tokenomics.fillerPhrases` list is refused (too many or too long entries), or null. */
export function fillerSettingProblem(entries: readonly string[]): string | null {
  if (entries.length > FILLER_LIMITS.count) return `tokenomics.fillerPhrases: ${entries.length} phrases, more than the ${FILLER_LIMITS.count} allowed`;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const arrow = e.indexOf('=>');
    const phrase = (arrow >= 0 ? e.slice(0, arrow) : e).trim();
    if (phrase.length > FILLER_LIMITS.length) return `tokenomics.fillerPhrases[${i}]: a phrase of ${phrase.length} characters is longer than the ${FILLER_LIMITS.length} allowed`;
  }
  return null;
}

// keyed by the settings array: a settings change brings a new one, and the same phrase objects
// coming back let fillerMatcher reuse its trie
const parsed = new WeakMap<readonly string[], FillerPhrase[]>();

/** `tokenomics.fillerPhrases` entries: "phrase" (removed) or "phrase => replacement"; past the limits, ignored. */
export function parseFillerSetting(entries: readonly string[]): FillerPhrase[] {
  const hit = parsed.get(entries);
  if (hit) return hit;
  const out: FillerPhrase[] = [];
  for (const e of entries.slice(0, FILLER_LIMITS.count)) {
    if (typeof e !== 'string') continue;
    const i = e.indexOf('=>');
    const phrase = (i >= 0 ? e.slice(0, i) : e).trim();
    if (phrase.length >= 2 && phrase.length <= FILLER_LIMITS.length) out.push({ phrase, replacement: i >= 0 ? e.slice(i + 2).trim() : '' });
  }
  parsed.set(entries, out);
  return out;
}

/**
 * The phrases as a trie over normalised characters (lower case, ’ as ', a run of spaces and tabs as
 * one space). Matching walks it from each word start, so a text costs at most one step per character
 * per trie level, whatever the number of phrases: 10,000 phrases as one regex alternation cost 7.4 s
 * per keystroke.
 */
export class FillerMatcher {
  /** Child of a node by character: key node * 65536 + UTF-16 unit. */
  private readonly edges = new Map<number, number>();
  /** Per node, the index of the phrase ending there, or -1. */
  private readonly ends: number[] = [-1];
  /** The root's children by character, as an array: most word starts end there, at one read. */
  private readonly root = new Int32Array(65536);
  readonly replacements: string[] = [];

  constructor(phrases: readonly FillerPhrase[]) {
    const seen = new Set<string>();
    for (const p of phrases) {
      const key = norm(p.phrase);
      if (!key || seen.has(key)) continue; // the first spelling of a phrase wins, as before
      seen.add(key);
      let node = 0;
      for (let i = 0; i < key.length; i++) {
        const edge = node * 65536 + fold(key.charCodeAt(i));
        let child = this.edges.get(edge);
        if (child === undefined) {
          child = this.ends.length;
          this.ends.push(-1);
          this.edges.set(edge, child);
          if (node === 0) this.root[edge] = child;
        }
        node = child;
      }
      this.ends[node] = this.replacements.length;
      this.replacements.push(p.replacement);
    }
  }

  get size(): number { return this.replacements.length; }

  /**
   * The next phrase at or after `from`: the leftmost start, and there the longest phrase, with no
   * word character or apostrophe on either side (the old regex's `(?<![\w'])` and `(?![\w'])`).
   */
  next(text: string, from: number): { start: number; end: number; phrase: number } | null {
    const n = text.length, edges = this.edges, ends = this.ends;
    for (let s = from; s < n; s++) {
      fillerWork.steps++;
      if (s > 0 && isWordOrQuote(text.charCodeAt(s - 1))) continue;
      let node = 0, j = s, bestEnd = -1, bestPhrase = -1;
      while (j < n) {
        let c = text.charCodeAt(j);
        if (c === 32 || c === 9) {
          while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
          c = 32;
        } else j++;
        fillerWork.steps++;
        const child = node === 0 ? this.root[fold(c)] || undefined : edges.get(node * 65536 + fold(c));
        if (child === undefined) break;
        node = child;
        if (ends[node]! >= 0 && (j >= n || !isWordOrQuote(text.charCodeAt(j)))) { bestEnd = j; bestPhrase = ends[node]!; }
      }
      if (bestEnd >= 0) return { start: s, end: bestEnd, phrase: bestPhrase };
    }
    return null;
  }
}

/** Work done by filler matching so far (positions scanned plus trie steps): tests bound it. */
export const fillerWork = { steps: 0 };

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').replace(/[’]/g, "'");

/** One UTF-16 unit, case-folded as the trie stores it (’ as '). */
function fold(c: number): number {
  if (c < 128) return c >= 65 && c <= 90 ? c + 32 : c;
  if (c === 0x2019) return 39;
  const lower = String.fromCharCode(c).toLowerCase();
  return lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** `[\w']` without the u flag: ASCII letters, digits, underscore, apostrophe. */
function isWordOrQuote(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 39;
}

let last: { phrases: readonly FillerPhrase[]; matcher: FillerMatcher } | null = null;

/** The matcher for these phrases; the same phrase objects as last time give the same matcher back. */
export function fillerMatcher(phrases: readonly FillerPhrase[]): FillerMatcher | null {
  if (last && last.phrases.length === phrases.length && last.phrases.every((p, i) => p === phrases[i])) {
    return last.matcher.size ? last.matcher : null;
  }
  const matcher = new FillerMatcher(phrases);
  last = { phrases: [...phrases], matcher };
  return matcher.size ? matcher : null;
}

export interface FillerHit {
  /** The edit: the phrase with the space after it (and the next letter, re-capitalised). */
  start: number; end: number; newText: string;
  /** Where the phrase sits: what the diagnostic underlines (no string kept: it would pin the text). */
  phraseStart: number; phraseEnd: number;
}

/**
 * Filler in one block of prose (offsets relative to it). Inline code (between backticks) is left
 * alone: it is quoted text, not the author's words.
 */
export function findFiller(text: string, m: FillerMatcher): FillerHit[] {
  const out: FillerHit[] = [];
  let parityPos = 0, inCode = false;
  for (let found = m.next(text, 0); found; found = m.next(text, found.end)) {
    const hit = { index: found.start, 0: text.slice(found.start, found.end) };
    for (; parityPos < hit.index; parityPos++) {
      const c = text.charCodeAt(parityPos);
      if (c === 96) inCode = !inCode;
      else if (c === 10 && parityPos > 0 && text.charCodeAt(parityPos - 1) === 10) inCode = false;
    }
    if (inCode) continue;
    const replacement = m.replacements[found.phrase] ?? '';
    let start = hit.index, end = hit.index + hit[0].length;
    let newText = replacement;
    if (!replacement) {
      // take the space after the phrase along, and keep the sentence capitalised
      while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
      const atSentenceStart = isSentenceStart(text, start);
      const next = text[end];
      if (atSentenceStart && next && /[a-z]/.test(next)) { newText = next.toUpperCase(); end++; }
      else if (!atSentenceStart && start > 0 && text[start - 1] === ' ' && (end >= text.length || /[.,;:!?\n]/.test(text[end]!))) start--;
    } else if (isSentenceStart(text, start) && /^[A-Z]/.test(hit[0])) {
      newText = replacement[0]!.toUpperCase() + replacement.slice(1);
    }
    out.push({ start, end, newText, phraseStart: hit.index, phraseEnd: hit.index + hit[0].length });
  }
  return out;
}

function isSentenceStart(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  if (j < 0 || text[j] === '\n') return true;
  if (/[.!?:]/.test(text[j]!)) return true;
  // after a list marker: "- Please make sure that ..."
  const lineStart = text.lastIndexOf('\n', j) + 1;
  return j - lineStart < 12 && /^[ \t]*(?:[-*+]|\d{1,9}[.)]|>)$/.test(text.slice(lineStart, j + 1));
}
