// Reads a log from a byte offset in fixed-size chunks and hands over only the lines that contain
// one of a few byte patterns: most of a transcript's bytes (file backups, tool output) are never
// decoded, and a line of hundreds of MB is never held whole unless it matters.
import fs from 'node:fs';

export type LineHandler = (line: string, offset: number) => void;

const NL = 0x0a;
const DEFAULT_CHUNK = 2 * 1024 * 1024;
let shared: Buffer | undefined;

/**
 * Calls `onLine` for every complete line from `start` that contains one of `needles`.
 * Returns the offset just past the last complete line: a half-written last line is left for
 * the next call, which starts there.
 */
export function scanLines(fd: number, start: number, needles: readonly Buffer[], onLine: LineHandler, chunkSize = DEFAULT_CHUNK, headBytes = 0): number {
  const buf = chunkSize === DEFAULT_CHUNK ? (shared ??= Buffer.allocUnsafe(DEFAULT_CHUNK)) : Buffer.allocUnsafe(chunkSize);
  const maxNeedle = Math.max(1, ...needles.map(n => n.length));
  let lineOff = start;   // file offset of the current, not yet complete, line
  let readPos = start;
  let carry = 0;         // buf[0, carry) holds the bytes just before readPos
  let seen = false;      // the current line's bytes read so far contain a needle
  const next = new Array<number>(needles.length);

  // Searches run over a view of the bytes just read, never over the stale rest of the buffer: a short
  // read (an append, a small file) then costs what it holds, not 2 MiB per needle.
  let view = buf;
  const hasNeedle = (from: number, to: number): boolean => {
    for (const n of needles) { const i = view.indexOf(n, from); if (i >= 0 && i + n.length <= to) return true; }
    return false;
  };

  for (;;) {
    const r = fs.readSync(fd, buf, carry, buf.length - carry, readPos);
    if (r <= 0) break;
    readPos += r;
    const n = carry + r;
    const base = readPos - n;
    view = buf.subarray(0, n);
    const lastNl = view.lastIndexOf(NL, n - 1);
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
    if (lineOff < base) {
      // The line began in bytes already dropped; fetch it again only if it matters.
      const nl = view.indexOf(NL, 0);
      if (seen || hasNeedle(0, nl)) onLine(readRange(fd, lineOff, base + nl), lineOff);
      pos = nl + 1;
    }
    const end = lastNl + 1;
    if (headBytes > 0) {
      // The needles sit at the start of a line (Codex's `type` fields): walk the newlines and look only
      // at each line's head, instead of searching every byte of every tool output for every needle.
      while (pos < end) {
        const le = view.indexOf(NL, pos);
        const head = view.subarray(pos, Math.min(le, pos + headBytes));
        for (const nd of needles) if (head.indexOf(nd) >= 0) { onLine(view.toString('utf8', pos, le), base + pos); break; }
        pos = le + 1;
      }
    }
    for (let i = 0; i < needles.length; i++) next[i] = -2;
    while (pos < end) {
      let m = -1;
      for (let i = 0; i < needles.length; i++) {
        if (next[i]! !== -1 && next[i]! < pos) next[i] = view.indexOf(needles[i]!, pos);
        const at = next[i]!;
        if (at >= 0 && at < end && (m < 0 || at < m)) m = at;
      }
      if (m < 0) break;
      const ls = view.lastIndexOf(NL, m) + 1;
      const le = view.indexOf(NL, m);
      onLine(buf.toString('utf8', Math.max(ls, pos), le), base + Math.max(ls, pos));
      pos = le + 1;
    }
    lineOff = base + end;
    seen = false;
    carry = n - end;
    buf.copyWithin(0, end, n);
  }
  return lineOff;
}

function readRange(fd: number, from: number, to: number): string {
  const out = Buffer.allocUnsafe(to - from);
  let got = 0;
  while (got < out.length) {
    const r = fs.readSync(fd, out, got, out.length - got, from + got);
    if (r <= 0) break;
    got += r;
  }
  return out.toString('utf8', 0, got);
}
