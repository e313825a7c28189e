// High-entropy text: base64 and data URIs, long hex strings, minified code, lockfile content. Such
// text costs two to three times more tokens per character than prose (o200k: prose ~0.25 tokens per
// character, base64 ~0.68, hex ~0.6), and a model gets nothing out of reading it.
// Every scan here is a manual, linear pass: blobs are exactly the 1 MB single lines regexes choke on.

export type BlobKind = 'base64' | 'data-uri' | 'hex' | 'minified' | 'lockfile';

export interface BlobCandidate { kind: BlobKind; start: number; end: number }

/** Prose costs about this many tokens per character on o200k; blobs must cost well above it. */
export const PROSE_TOKENS_PER_CHAR = 0.25;
export const BLOB_MIN_TOKENS_PER_CHAR = 0.45;
export const BLOB_MIN_TOKENS = 40;

const MIN_RUN = 64;
const MIN_WRAPPED_LINE = 40;

function isB64(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || c === 61 || c === 45 || c === 95;
}
function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

const DATA_URI = /data:[\w.+-]{1,40}\/[\w.+-]{1,60}(?:;[\w.+-]{1,40}=[\w.+-]{1,40})*;base64,$/;

export function findBlobCandidates(text: string): BlobCandidate[] {
  const out: BlobCandidate[] = [];
  // 1. long runs of base64/hex characters inside a line
  let runStart = -1, allHex = true, hasDigit = false, hasUpperAndLower = 0;
  const flush = (end: number) => {
    const len = end - runStart;
    if (len >= MIN_RUN && hasDigit) {
      let start = runStart;
      let kind: BlobKind = allHex ? 'hex' : 'base64';
      const before = text.slice(Math.max(0, start - 160), start);
      const d = DATA_URI.exec(before);
      if (d) { start -= d[0].length; kind = 'data-uri'; }
      // a path or a slug made of words is not a blob: require mixed case or hex
      if (allHex || hasUpperAndLower === 3 || kind === 'data-uri') out.push({ kind, start, end });
    }
    runStart = -1;
  };
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 10;
    if (isB64(c)) {
      if (runStart < 0) { runStart = i; allHex = true; hasDigit = false; hasUpperAndLower = 0; }
      if (allHex && !isHex(c)) allHex = false;
      if (c >= 48 && c <= 57) hasDigit = true;
      else if (c >= 65 && c <= 90) hasUpperAndLower |= 1;
      else if (c >= 97 && c <= 122) hasUpperAndLower |= 2;
    } else if (runStart >= 0) flush(i);
  }
  // 2. base64 wrapped over lines (PEM, MIME): three or more lines made only of base64 characters
  let lineStart = 0, wrapStart = -1, wrapLines = 0, wrapEnd = 0;
  while (lineStart <= text.length) {
    let nl = text.indexOf('\n', lineStart);
    if (nl < 0) nl = text.length;
    let s = lineStart, e = nl;
    while (s < e && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
    while (e > s && (text.charCodeAt(e - 1) === 32 || text.charCodeAt(e - 1) === 13)) e--;
    let ok = e - s >= MIN_WRAPPED_LINE;
    for (let i = s; ok && i < e; i++) if (!isB64(text.charCodeAt(i))) ok = false;
    if (ok && e - s < MIN_RUN * 4) {
      if (wrapStart < 0) { wrapStart = s; wrapLines = 0; }
      wrapLines++; wrapEnd = e;
    } else {
      if (wrapStart >= 0 && wrapLines >= 3) out.push({ kind: 'base64', start: wrapStart, end: wrapEnd });
      wrapStart = -1;
    }
    lineStart = nl + 1;
  }
  if (wrapStart >= 0 && wrapLines >= 3) out.push({ kind: 'base64', start: wrapStart, end: wrapEnd });
  // 3. minified code: very long lines with almost no spaces and dense punctuation
  lineStart = 0;
  while (lineStart < text.length) {
    let nl = text.indexOf('\n', lineStart);
    if (nl < 0) nl = text.length;
    const len = nl - lineStart;
    if (len >= 400) {
      let spaces = 0, punct = 0;
      for (let i = lineStart; i < nl; i++) {
        const c = text.charCodeAt(i);
        if (c === 32 || c === 9) spaces++;
        else if (c === 59 || c === 123 || c === 125 || c === 40 || c === 41 || c === 44 || c === 61) punct++;
      }
      if (spaces / len < 0.08 && punct / len > 0.06) out.push({ kind: 'minified', start: lineStart, end: nl });
    }
    lineStart = nl + 1;
  }
  // 4. lockfile content: many integrity / resolved lines
  const lock = lockfileSpan(text);
  if (lock) out.push(lock);
  return mergeCandidates(out);
}

const LOCK_LINE = /"integrity"|\bintegrity[ :]|sha512-|sha1-|"resolved"|^\s*resolved "|lockfileVersion|^\s*checksum:|"node_modules\//;

function lockfileSpan(text: string): BlobCandidate | null {
  let lines = 0, hits = 0, first = -1, last = -1, pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    lines++;
    if (LOCK_LINE.test(text.slice(pos, Math.min(nl, pos + 300)))) {
      hits++;
      if (first < 0) first = pos;
      last = nl;
    }
    pos = nl + 1;
  }
  if (hits >= 8 && hits / lines >= 0.15) {
    // the whole block: a lockfile excerpt is bloat from its first line to its last
    return { kind: 'lockfile', start: 0, end: trimEnd(text) };
  }
  return null;
  void first; void last;
}

function trimEnd(text: string): number {
  let e = text.length;
  while (e > 0 && /\s/.test(text[e - 1]!)) e--;
  return e;
}

/** Overlapping candidates: the larger one wins (a lockfile span swallows its sha512 strings). */
function mergeCandidates(c: BlobCandidate[]): BlobCandidate[] {
  c.sort((a, b) => a.start - b.start || (b.end - b.start) - (a.end - a.start));
  const out: BlobCandidate[] = [];
  for (const x of c) {
    const prev = out[out.length - 1];
    if (prev && x.start < prev.end) {
      if (x.end - x.start > prev.end - prev.start) out[out.length - 1] = x;
      continue;
    }
    out.push(x);
  }
  return out;
}

export function describeBlob(kind: BlobKind): string {
  switch (kind) {
    case 'base64': return 'base64 data';
    case 'data-uri': return 'a base64 data URI';
    case 'hex': return 'a long hex string';
    case 'minified': return 'minified code';
    case 'lockfile': return 'lockfile content';
  }
}

export function blobExtension(kind: BlobKind): string {
  switch (kind) {
    case 'base64': case 'data-uri': return 'b64';
    case 'hex': return 'hex';
    case 'minified': return 'min.js';
    case 'lockfile': return 'lock';
  }
}
