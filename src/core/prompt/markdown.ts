// Markdown structure of a prompt, in one linear pass over its lines: headings, paragraphs, list
// items, fenced blocks and tables as blocks with offsets, plus the blank-line gaps between them.
// Deliberately forgiving: a prompt is not a CommonMark test suite, and an unclosed fence simply runs
// to the end of the file.
import type { BlockKind } from './types';

export interface RawBlock {
  kind: BlockKind;
  start: number;
  end: number;
  level?: number;
  lang?: string;
  innerStart?: number;
  innerEnd?: number;
}

/** A run of lines between blocks that holds only whitespace (one or more line breaks). */
export interface Gap { start: number; end: number; newlines: number }

export interface Structure { blocks: RawBlock[]; gaps: Gap[] }

const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
const FENCE = /^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)/;

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The first characters of a line: enough for every line-start pattern, bounded for 1 MB lines. */
function head(text: string, start: number, end: number): string {
  return text.slice(start, Math.min(end, start + 64));
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
      const h = head(text, pos, contentEnd);
      const m = FENCE.exec(h);
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

    const h = head(text, pos, contentEnd);
    const f = FENCE.exec(h);
    if (f) {
      close(lastContentEnd(text, pos));
      open = { kind: 'fence', start: pos, end: contentEnd, lang: f[2]!.toLowerCase() || undefined, innerStart: next, innerEnd: text.length };
      fence = { char: f[1]![0]!, len: f[1]!.length };
      if (nl < 0) { open.innerStart = text.length; }
      pos = next;
      continue;
    }
    const hd = HEADING.exec(h);
    if (hd) {
      close(lastContentEnd(text, pos));
      blocks.push({ kind: 'heading', start: pos, end: contentEnd, level: hd[1]!.length });
      pos = next;
      continue;
    }
    const trimmedStart = h.trimStart();
    if (trimmedStart.startsWith('|')) {
      if (!open || (open as RawBlock).kind !== 'table') { close(lastContentEnd(text, pos)); open = { kind: 'table', start: pos, end: contentEnd }; }
      pos = next;
      continue;
    }
    if (LIST_ITEM.test(h)) {
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

/** The extent of a block when it is removed: its line break and one blank line after it go too. */
export function removalRange(text: string, start: number, end: number): { start: number; end: number } {
  let e = end;
  if (text[e] === '\r') e++;
  if (text[e] === '\n') e++;
  // swallow one following blank line, so removing a paragraph does not leave two blank lines
  let p = e;
  while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\r')) p++;
  if (text[p] === '\n') e = p + 1;
  else if (e === text.length) {
    // last block: take the blank lines before it instead
    let s = start;
    while (s > 0 && (text[s - 1] === '\n' || text[s - 1] === '\r')) s--;
    return { start: s === 0 ? start : s, end: text.length };
  }
  return { start, end: e };
}
