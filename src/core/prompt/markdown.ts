// Markdown structure of a prompt, in one linear pass over its lines: headings, paragraphs, list
// items, fenced blocks and tables as blocks with offsets, plus the blank-line gaps between them.
// Deliberately forgiving: a prompt is not a CommonMark test suite, and an unclosed fence simply runs
// to the end of the file.
import type { RawBlock } from './types';

export type { RawBlock };

/** A run of lines between blocks that holds only whitespace (one or more line breaks). */
export interface Gap { start: number; end: number; newlines: number }

export interface Structure { blocks: RawBlock[]; gaps: Gap[] }

// Sticky patterns run at a line start in the whole text: no per-line substring is ever made.
const LIST_ITEM = /[ \t]*(?:[-*+]|\d{1,9}[.)])(?=[ \t\r\n]|$)/y;
const HEADING = / {0,3}(#{1,6})(?=[ \t\r\n]|$)/y;
const FENCE = /[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)/y;

function at(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

/** The first character of a line that is not a space or tab (its code), or -1 at the line end. */
function firstCode(text: string, pos: number, end: number): number {
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return c;
  }
  return -1;
}
// `  #  -  *  +  |  ~  0-9: only lines starting with one of these can open a block other than a paragraph
function mayOpen(c: number): boolean {
  return c === 96 || c === 35 || c === 45 || c === 42 || c === 43 || c === 124 || c === 126 || (c >= 48 && c <= 57);
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}


export function parseStructure(text: string, from = 0): Structure {
  const blocks: RawBlock[] = [];
  const gaps: Gap[] = [];
  let open: RawBlock | null = null;
  let fence: { char: string; len: number } | null = null;
  let gap: Gap | null = null;
  const close = (end: number) => { if (open) { open.end = end; blocks.push(open); open = null; } };

  let pos = from;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    const lineEnd = nl < 0 ? text.length : nl;
    const contentEnd = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
    const next = nl < 0 ? text.length : nl + 1;

    if (fence) {
      const fc = firstCode(text, pos, contentEnd);
      const m = fc === 96 || fc === 126 ? at(FENCE, text, pos) : null;
      if (m && m[1]![0] === fence.char && m[1]!.length >= fence.len && isBlank(text, pos + m[0].length, contentEnd)) {
        open!.innerEnd = pos;
        close(contentEnd);
        fence = null;
      }
      pos = next;
      continue;
    }

    if (isBlank(text, pos, contentEnd)) {
      close(lastContentEnd(text, pos));
      if (gap && gap.end === pos) { gap.end = next; gap.newlines += nl < 0 ? 0 : 1; }
      else { gap = { start: pos, end: next, newlines: nl < 0 ? 0 : 1 }; gaps.push(gap); }
      pos = next;
      continue;
    }

    const fc = firstCode(text, pos, contentEnd);
    if (!mayOpen(fc)) {
      if (!open || (open as RawBlock).kind === 'table') {
        close(lastContentEnd(text, pos));
        open = { kind: 'paragraph', start: pos, end: contentEnd };
      }
      pos = next;
      continue;
    }
    const f = fc === 96 || fc === 126 ? at(FENCE, text, pos) : null;
    if (f) {
      close(lastContentEnd(text, pos));
      open = { kind: 'fence', start: pos, end: contentEnd, lang: f[2]!.toLowerCase() || undefined, innerStart: next, innerEnd: text.length };
      fence = { char: f[1]![0]!, len: f[1]!.length };
      if (nl < 0) { open.innerStart = text.length; }
      pos = next;
      continue;
    }
    const hd = fc === 35 ? at(HEADING, text, pos) : null;
    if (hd) {
      close(lastContentEnd(text, pos));
      blocks.push({ kind: 'heading', start: pos, end: contentEnd, level: hd[1]!.length });
      pos = next;
      continue;
    }
    if (fc === 124) {
      if (!open || (open as RawBlock).kind !== 'table') { close(lastContentEnd(text, pos)); open = { kind: 'table', start: pos, end: contentEnd }; }
      pos = next;
      continue;
    }
    if (fc !== 35 && fc !== 124 && at(LIST_ITEM, text, pos)) {
      close(lastContentEnd(text, pos));
      open = { kind: 'list-item', start: pos, end: contentEnd };
      pos = next;
      continue;
    }
    // a continuation line: it belongs to the open paragraph or list item; a table ends here
    if (!open || (open as RawBlock).kind === 'table') {
      close(lastContentEnd(text, pos));
      open = { kind: 'paragraph', start: pos, end: contentEnd };
    }
    pos = next;
  }
  if (open) {
    const o = open as RawBlock;
    if (o.kind === 'fence') { o.innerEnd = text.length; blocks.push({ ...o, end: text.length }); open = null; }
    else close(lastContentEnd(text, text.length));
  }
  return { blocks, gaps };
}

/** End of the content of the line before `lineStart` (before its `\r\n`). */
function lastContentEnd(text: string, lineStart: number): number {
  let e = lineStart;
  if (e > 0 && text.charCodeAt(e - 1) === 10) e--;
  if (e > 0 && text.charCodeAt(e - 1) === 13) e--;
  return e;
}

/** Heading text without the `#` marks and closing hashes. */
export function headingTitle(line: string): string {
  return line.replace(/^ {0,3}#{1,6}[ \t]*/, '').replace(/[ \t]+#+[ \t]*$/, '').trim().slice(0, 200);
}

/**
 * The extent of a block when it is removed: its own line break goes too, and the blank line after
 * it when one also precedes it (so paragraphs stay separated, and a list never swallows the next
 * paragraph as a lazy continuation).
 */
export function removalRange(text: string, start: number, end: number): { start: number; end: number } {
  let e = end;
  if (text[e] === '\r') e++;
  if (text[e] === '\n') e++;
  else {
    // the last line, without a line break: take the one before it instead
    let s = start;
    if (s > 0 && text[s - 1] === '\n') s--;
    if (s > 0 && text[s - 1] === '\r') s--;
    return { start: s, end };
  }
  const blankBefore = start === 0 || (text[start - 1] === '\n' && blankLineEndsAt(text, start - 1));
  if (blankBefore) {
    let p = e;
    while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\r')) p++;
    if (text[p] === '\n') e = p + 1;
  }
  return { start, end: e };
}

/** True when the line ending with the line break at `nl` is blank (or is the start of the text). */
function blankLineEndsAt(text: string, nl: number): boolean {
  let i = nl - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i--;
  return i < 0 || text[i] === '\n';
}
