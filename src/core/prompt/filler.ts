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

/** `tokenomics.fillerPhrases` entries: "phrase" (removed) or "phrase => replacement". */
export function parseFillerSetting(entries: readonly string[]): FillerPhrase[] {
  const out: FillerPhrase[] = [];
  for (const e of entries) {
    const i = e.indexOf('=>');
    const phrase = (i >= 0 ? e.slice(0, i) : e).trim();
    if (phrase.length >= 2 && phrase.length <= 200) out.push({ phrase, replacement: i >= 0 ? e.slice(i + 2).trim() : '' });
  }
  return out;
}

export interface FillerMatcher { re: RegExp; replacements: Map<string, string> }

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').replace(/[’]/g, "'");

export function fillerMatcher(phrases: readonly FillerPhrase[]): FillerMatcher | null {
  const replacements = new Map<string, string>();
  for (const p of phrases) if (!replacements.has(norm(p.phrase))) replacements.set(norm(p.phrase), p.replacement);
  if (!replacements.size) return null;
  // longest first, so "please make sure that" wins over a shorter phrase inside it
  const alts = [...replacements.keys()].sort((a, b) => b.length - a.length).map(p =>
    p.split(' ').map(w => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['’]")).join('[ \\t]+'));
  // word boundaries only where the phrase starts or ends with a word character
  const re = new RegExp(`(?<![\\w'])(?:${alts.join('|')})(?![\\w'])`, 'gi');
  return { re, replacements };
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
  const re = m.re;
  re.lastIndex = 0;
  let parityPos = 0, inCode = false;
  let hit: RegExpExecArray | null;
  while ((hit = re.exec(text)) !== null) {
    for (; parityPos < hit.index; parityPos++) {
      const c = text.charCodeAt(parityPos);
      if (c === 96) inCode = !inCode;
      else if (c === 10 && parityPos > 0 && text.charCodeAt(parityPos - 1) === 10) inCode = false;
    }
    if (inCode) continue;
    const phrase = norm(hit[0]);
    const replacement = m.replacements.get(phrase) ?? '';
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
