// Reads a log from a byte offset in fixed-size chunks and hands over only the lines that contain
// one of a few byte patterns: most of a transcript's bytes (file backups, tool output) are never
// decoded, and a line of hundreds of MB is never held whole unless it matters.
import fs from 'node:fs';
import { readFully } from '../fileBytes';

export type LineHandler = (line: string, offset: number) => void;

/** A line with a needle over this many bytes is reported (`onTooLarge`) instead of being read whole. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface ScanOptions {
  maxLineBytes?: number;
  /** A line with a needle that is too large to decode: where it starts and how long it is. The scan goes on after it. */
  onTooLarge?: (offset: number, bytes: number) => void;
  /**
   * The needles are always within this many bytes of a line's start (the writer puts the line's type
   * first): only line heads are searched, so large tool output is skipped at newline-search speed.
   */
  headBytes?: number;
  /**
   * Offered every matching line's bytes (`buf[start, end)`, valid only during the call) before it is
   * decoded: true when it dealt with the line, false to have it decoded and given to `onLine`.
   */
  onBytes?: (buf: Buffer, start: number, end: number, offset: number) => boolean;
}

const NL = 0x0a;
const DEFAULT_CHUNK = 2 * 1024 * 1024;
let shared: Buffer | undefined;

/**
 * Calls `onLine` for every complete line from `start` that contains one of `needles`.
 * Returns the offset just past the last complete line: a half-written last line is left for
 * the next call, which starts there.
 */
export function scanLines(fd: number, start: number, needles: readonly Buffer[], onLine: LineHandler, chunkSize = DEFAULT_CHUNK, opts: ScanOptions = {}): number {
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const buf = chunkSize === DEFAULT_CHUNK ? (shared ??= Buffer.allocUnsafe(DEFAULT_CHUNK)) : Buffer.allocUnsafe(chunkSize);
  const maxNeedle = Math.max(1, ...needles.map(n => n.length));
  let lineOff = start;   // file offset of the current, not yet complete, line
  let readPos = start;
  let carry = 0;         // buf[0, carry) holds the bytes just before readPos
  let seen = false;      // the current line's bytes read so far contain a needle
  const next = new Array<number>(needles.length);
  const find = needles.map(findNeedle);
  const onBytes = opts.onBytes;
  const deliver = (b: Buffer, from: number, to: number, offset: number): void => {
    if (!onBytes || !onBytes(b, from, to, offset)) onLine(b.toString('utf8', from, to), offset);
  };
  const head = opts.headBytes ?? 0;
  const inHead = head > 0 ? headSearch(needles) : null;

  // every search runs over the bytes read (a view of them), never over the rest of the 2 MiB buffer:
  // a small file costs what its bytes cost
  const hasNeedle = (from: number, to: number): boolean => {
    const view = buf.subarray(0, to);
    for (const f of find) if (f(view, from) >= 0) return true;
    return false;
  };

  for (;;) {
    const r = fs.readSync(fd, buf, carry, buf.length - carry, readPos);
    if (r <= 0) break;
    readPos += r;
    const n = carry + r;
    const base = readPos - n;
    const lastNl = buf.lastIndexOf(NL, n - 1);
    if (lastNl < 0) {
      if (!seen && hasNeedle(0, n)) seen = true;
      if (n < buf.length) { carry = n; continue; }
      // A line longer than the buffer: keep only enough tail to catch a needle split across reads.
      const keep = Math.min(maxNeedle - 1, n);
      buf.copyWithin(0, n - keep, n);
      carry = keep;
      continue;
    }
    let pos = 0;
    const end = lastNl + 1;
    const lines = buf.subarray(0, end); // the complete lines of this chunk
    if (lineOff < base) {
      // The line began in bytes already dropped; fetch it again only if it matters, and only if it fits.
      const nl = lines.indexOf(NL, 0);
      if (seen || hasNeedle(0, nl)) {
        const bytes = base + nl - lineOff;
        if (bytes > maxLine) opts.onTooLarge?.(lineOff, bytes);
        else { const whole = readFully(fd, Buffer.allocUnsafe(base + nl - lineOff), lineOff); deliver(whole, 0, whole.length, lineOff); }
      }
      pos = nl + 1;
    }
    if (inHead) {
      // line by line (a newline search is several times faster than a needle search), looking only at heads
      while (pos < end) {
        const le = lines.indexOf(NL, pos);
        if (inHead(buf, pos, Math.min(le, pos + head))) deliver(buf, pos, le, base + pos);
        pos = le + 1;
      }
    }
    // Needle by needle over the chunk, each search picking up where its last match was: every byte is
    // searched once per needle, and a line is looked at only where a needle is.
    for (let i = 0; i < needles.length; i++) next[i] = -2;
    while (pos < end) {
      let m = -1;
      for (let i = 0; i < needles.length; i++) {
        if (next[i]! !== -1 && next[i]! < pos) next[i] = find[i]!(lines, pos);
        const at = next[i]!;
        if (at >= 0 && (m < 0 || at < m)) m = at;
      }
      if (m < 0) break;
      const ls = lines.lastIndexOf(NL, m) + 1;
      const le = lines.indexOf(NL, m);
      deliver(buf, Math.max(ls, pos), le, base + Math.max(ls, pos));
      pos = le + 1;
    }
    lineOff = base + end;
    seen = false;
    carry = n - end;
    buf.copyWithin(0, end, n);
  }
  return lineOff;
}

/**
 * Printable ASCII from the rarest byte to the most frequent in what agents log (JSON around code and
 * prose): counted over 800 JavaScript/TypeScript, 600 JSON and 400 Markdown files of npm packages,
 * weighted 40/40/20. The idea is the memchr crate's "rare byte" table (BurntSushi/memchr, memmem).
 */
const BY_FREQUENCY = '~%^!&@+?\\|<$78#Kq>P6][BUMDO9LJ\'jS3*Q4T5AXHzC}{EYFV;-`RkWN1x2wZ0:G,v()/yfgb_.Ih"mup=dclrisonate ';
const RANK = new Uint8Array(256); // 0 for every byte outside the table: rarer than any in it
for (let i = 0; i < BY_FREQUENCY.length; i++) RANK[BY_FREQUENCY.charCodeAt(i)] = i + 1;

/**
 * The search for one needle: where it next occurs in `buf` from `from`, or -1. Node's search looks
 * for the needle's first byte and compares from there, so it is as fast as that byte is rare: the
 * needle is searched for from its rarest byte on, then the bytes before it checked. On the Claude
 * tree `"usage"` is found from its `g` at 6.0 GB/s instead of 3.6 GB/s from its quote (`"tool_use"`
 * from `_`: 11.4 against 2.5), the same matches.
 */
function findNeedle(needle: Buffer): (buf: Buffer, from: number) => number {
  let k = 0;
  for (let i = 1; i < needle.length; i++) if (RANK[needle[i]!]! < RANK[needle[k]!]!) k = i;
  if (k === 0) return (buf, from) => buf.indexOf(needle, from);
  const tail = needle.subarray(k);
  return (buf, from) => {
    for (let at = from + k; ; at++) {
      at = buf.indexOf(tail, at);
      if (at < 0) return -1;
      const s = at - k;
      let j = 0;
      while (j < k && buf[s + j] === needle[j]) j++;
      if (j === k) return s;
    }
  };
}

/**
 * Whether `buf[from, to)` (a line's head) holds one of `needles`. Every line's head is searched, so this
 * is a Horspool search over all the needles at once, in JS: a native search per needle and a view per
 * line cost more than the search itself.
 */
function headSearch(needles: readonly Buffer[]): (buf: Buffer, from: number, to: number) => boolean {
  const min = Math.min(...needles.map(n => n.length));
  if (!(min > 0)) return () => false;
  // how far the window may move when its last byte is c: no needle can start in between
  const shift = new Uint8Array(256).fill(Math.min(min, 255));
  const last = new Uint8Array(256); // bytes that end some needle's first `min` bytes
  for (const nd of needles) {
    for (let k = 0; k < min - 1; k++) shift[nd[k]!] = Math.min(shift[nd[k]!]!, min - 1 - k);
    last[nd[min - 1]!] = 1;
  }
  return (buf, from, to) => {
    for (let j = from + min - 1; j < to;) {
      const c = buf[j]!;
      if (last[c]) {
        const start = j - min + 1;
        for (const nd of needles) {
          if (start + nd.length > to) continue;
          let k = 0;
          while (k < nd.length && buf[start + k] === nd[k]) k++;
          if (k === nd.length) return true;
        }
      }
      j += shift[c]!;
    }
    return false;
  };
}

