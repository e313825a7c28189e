// The engine's copy of open documents. Small ones are the library's `TextDocument`; a large one
// (a 19 MB prompt) is kept in pieces. The library's document rebuilds the whole text on every edit
// (`substring + text + substring`, then reading a character flattens it: a 19 MB copy a keystroke) and
// shifts every later line offset, which held the engine's one thread for tens of milliseconds per
// keystroke and left a 19 MB string for the collector each time. In pieces, an edit copies one piece
// and adjusts a few dozen sums; the whole text is joined only when something asks for it (a count),
// once per version.
import type { TextDocumentsConfiguration } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Position, Range, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';

/** Documents at least this long are kept in pieces. */
export const BIG_DOCUMENT_CHARS = 1 << 20;
/** A piece's target length; one grown past twice this is cut again. */
const PIECE = 1 << 16;

const CR = 13, LF = 10;

interface Piece {
  text: string;
  /** Offsets in `text` where a line starts (after `\n`, `\r\n` or a lone `\r`); `text.length` when the piece ends with a line break. */
  starts: number[];
}

function piece(text: string): Piece {
  const starts: number[] = [];
  if (!text.includes('\r')) {
    // the usual text: `\n` only, found natively rather than a character at a time
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return { text, starts };
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) starts.push(i + 1);
    else if (c === CR) {
      if (text.charCodeAt(i + 1) === LF) i++;
      starts.push(i + 1);
    }
  }
  return { text, starts };
}

/** Cuts text into pieces of about PIECE characters, never between a `\r` and its `\n`. */
function cut(text: string, size: number): Piece[] {
  const out: Piece[] = [];
  let pos = 0;
  while (text.length - pos > 2 * size) {
    let end = pos + size;
    if (text.charCodeAt(end - 1) === CR && text.charCodeAt(end) === LF) end++;
    out.push(piece(text.slice(pos, end)));
    pos = end;
  }
  out.push(piece(text.slice(pos)));
  return out;
}

const isEOL = (c: number) => c === CR || c === LF;

/** A text document kept in pieces: what `TextDocument` answers, without rebuilding the text on an edit. */
export class PieceDocument implements TextDocument {
  private pieces: Piece[];
  private joined: string | undefined;
  private total = 0;
  private lines = 1;

  /** `pieceChars`: the pieces' target length (tests make it small to put many edits across pieces). */
  constructor(readonly uri: string, readonly languageId: string, private ver: number, content: string, private readonly pieceChars = PIECE) {
    this.pieces = cut(content, pieceChars);
    this.joined = content;
    this.sums();
  }

  get version(): number { return this.ver; }
  get lineCount(): number { return this.lines; }
  get length(): number { return this.total; }

  getText(range?: Range): string {
    if (!range) return (this.joined ??= this.pieces.map(p => p.text).join(''));
    const a = this.offsetAt(range.start), b = this.offsetAt(range.end);
    return this.slice(Math.min(a, b), Math.max(a, b)); // String.substring's order
  }

  getLineRange(line: number): Range {
    if (line >= this.lines) {
      const last = this.lines - 1;
      return { start: { line: last, character: 0 }, end: { line: last, character: this.total - this.lineStart(last) } };
    }
    if (line < 0) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    const start = this.lineStart(line);
    return { start: { line, character: 0 }, end: { line, character: this.beforeEOL(this.lineEnd(line), start) - start } };
  }

  getEOLCharacters(line: number): string {
    if (line >= this.lines || line < 0) return '';
    const next = this.lineEnd(line);
    return this.slice(this.beforeEOL(next, this.lineStart(line)), next);
  }

  offsetAt(position: Position): number {
    if (position.line >= this.lines) return this.total;
    if (position.line < 0) return 0;
    const lineStart = this.lineStart(position.line);
    if (position.character <= 0) return lineStart;
    return this.beforeEOL(Math.min(lineStart + position.character, this.lineEnd(position.line)), lineStart);
  }

  /** Where the next line starts, or the end of the text. */
  private lineEnd(line: number): number {
    return line + 1 < this.lines ? this.lineStart(line + 1) : this.total;
  }

  /** An offset never sits inside a line break: moved back to where it starts. */
  private beforeEOL(offset: number, lineStart: number): number {
    while (offset > lineStart && isEOL(this.charAt(offset - 1))) offset--;
    return offset;
  }

  positionAt(offset: number): Position {
    offset = Math.max(Math.min(offset, this.total), 0);
    // the piece holding the offset, and the lines before it
    let base = 0, linesBefore = 0, i = 0;
    for (; i < this.pieces.length - 1; i++) {
      const p = this.pieces[i]!;
      if (base + p.text.length > offset) break;
      base += p.text.length; linesBefore += p.starts.length;
    }
    // the last line start at or before the offset: in this piece, else an earlier one
    const starts = this.pieces[i]!.starts;
    let lo = 0, hi = starts.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (base + starts[mid]! > offset) hi = mid; else lo = mid + 1; }
    const line = linesBefore + lo;
    const lineStart = this.lineStart(line);
    return { line, character: this.beforeEOL(offset, lineStart) - lineStart };
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      if ('range' in change && change.range) {
        const r = wellFormed(change.range);
        this.replace(this.offsetAt(r.start), this.offsetAt(r.end), change.text);
      } else {
        this.pieces = cut(change.text, this.pieceChars);
        this.joined = change.text;
        this.sums();
      }
    }
    this.ver = version;
  }

  /** Replaces [start, end) by `text`: the pieces it touches are rebuilt, the others stay. */
  private replace(start: number, end: number, text: string): void {
    this.joined = undefined;
    // first and last piece touched (an edit at a boundary belongs to the piece before it)
    let first = 0, base = 0;
    while (first < this.pieces.length - 1 && base + this.pieces[first]!.text.length < start) base += this.pieces[first++]!.text.length;
    let last = first, lastBase = base;
    while (last < this.pieces.length - 1 && lastBase + this.pieces[last]!.text.length < end) lastBase += this.pieces[last++]!.text.length;
    const head = this.pieces[first]!.text.slice(0, start - base);
    const tail = this.pieces[last]!.text.slice(end - lastBase);
    const merged = head + text + tail;
    const fresh = merged.length ? cut(merged, this.pieceChars) : [];
    this.pieces.splice(first, last - first + 1, ...fresh);
    // a `\r` ending one piece and a `\n` starting the next are one line break: joined into one piece
    this.join(first + fresh.length);
    this.join(first);
    if (!this.pieces.length) this.pieces.push(piece(''));
    this.sums();
  }

  private join(k: number): void {
    const a = this.pieces[k - 1], b = this.pieces[k];
    if (a && b && a.text.endsWith('\r') && b.text.charCodeAt(0) === LF) this.pieces.splice(k - 1, 2, piece(a.text + b.text));
  }

  private sums(): void {
    let total = 0, lines = 1;
    for (const p of this.pieces) { total += p.text.length; lines += p.starts.length; }
    this.total = total; this.lines = lines;
  }

  /** Offset where line `line` (0 < line < lines) starts. */
  private lineStart(line: number): number {
    if (line <= 0) return 0;
    let base = 0, before = 0;
    for (const p of this.pieces) {
      if (before + p.starts.length >= line) return base + p.starts[line - before - 1]!;
      before += p.starts.length; base += p.text.length;
    }
    return this.total;
  }

  private charAt(offset: number): number {
    let base = 0;
    for (const p of this.pieces) {
      if (offset < base + p.text.length) return p.text.charCodeAt(offset - base);
      base += p.text.length;
    }
    return NaN;
  }

  private slice(start: number, end: number): string {
    if (this.joined !== undefined) return this.joined.slice(start, end);
    let out = '', base = 0;
    for (const p of this.pieces) {
      const len = p.text.length;
      if (base + len > start && base < end) out += p.text.slice(Math.max(0, start - base), Math.min(len, end - base));
      base += len;
      if (base >= end) break;
    }
    return out;
  }
}

function wellFormed(r: Range): Range {
  const s = r.start, e = r.end;
  return s.line > e.line || (s.line === e.line && s.character > e.character) ? { start: e, end: s } : r;
}

/** What `TextDocuments` is made with: the library's document for ordinary texts, pieces for large ones. */
export const ENGINE_DOCUMENTS: TextDocumentsConfiguration<TextDocument> = {
  create: (uri, languageId, version, content) => content.length >= BIG_DOCUMENT_CHARS
    ? new PieceDocument(uri, languageId, version, content) : TextDocument.create(uri, languageId, version, content),
  update: (doc, changes, version) => {
    if (doc instanceof PieceDocument) { doc.update(changes, version); return doc; }
    // a document that grew large by edits moves into pieces once a whole new text arrives, or now
    const updated = TextDocument.update(doc, changes, version);
    return updated.offsetAt({ line: updated.lineCount, character: 0 }) >= 2 * BIG_DOCUMENT_CHARS
      ? new PieceDocument(updated.uri, updated.languageId, version, updated.getText()) : updated;
  },
};
