// Compressed logs: Codex replaces a cold `rollout-*.jsonl` by `rollout-*.jsonl.zst` (openai/codex
// codex-rs/rollout/src/compression.rs). A compressed log is never appended to, so it is read whole,
// decoded as a stream, and only the lines holding a needle are decoded to text, as for plain logs.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import type { LineHandler } from './lineScanner';
import { readFully } from '../fileBytes';

export const ZSTD_SUFFIX = '.zst';

export function isCompressedLog(file: string): boolean {
  return file.endsWith(ZSTD_SUFFIX);
}

/** The plain log a compressed one was made from: the same file for dedupe and history. */
export function plainLogPath(file: string): string {
  return isCompressedLog(file) ? file.slice(0, -ZSTD_SUFFIX.length) : file;
}

const NL = 0x0a;
const READ_CHUNK = 1024 * 1024;
// Node 22.15+ has zstd in zlib; older Nodes (and VS Code hosts on them) use the pure-JS decoder.
const nativeZstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;

/**
 * Calls `onLine` for every line of a zstd-compressed log that contains one of `needles`, with its
 * offset in the decompressed text. A last line without a newline counts too: a compressed log is
 * complete. Throws when the data is not valid zstd.
 */
export function scanCompressedLines(fd: number, needles: readonly Buffer[], onLine: LineHandler): void {
  if (nativeZstd) {
    scanBuffer(nativeZstd(readFully(fd, Buffer.allocUnsafe(fs.fstatSync(fd).size), 0)), 0, needles, onLine, true);
    return;
  }
  let carry: Buffer | null = null; // the start of a line not yet complete
  let base = 0;                    // decompressed offset of carry (or of the next chunk when there is none)
  const dec = new Decompress((chunk: Uint8Array) => {
    if (!chunk.length) return;
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const lastNl = data.lastIndexOf(NL);
    if (lastNl < 0) { carry = carry ? Buffer.concat([carry, data]) : Buffer.from(data); return; }
    if (carry) {
      // the line begun in earlier chunks ends in this one: join just that line
      const firstNl = data.indexOf(NL);
      const line = Buffer.concat([carry, data.subarray(0, firstNl + 1)]);
      scanBuffer(line, base, needles, onLine, false);
      base += line.length;
      data = data.subarray(firstNl + 1);
      carry = null;
      const rest = data.lastIndexOf(NL);
      if (rest >= 0) { scanBuffer(data.subarray(0, rest + 1), base, needles, onLine, false); base += rest + 1; }
      if (rest + 1 < data.length) carry = Buffer.from(data.subarray(rest + 1));
      return;
    }
    scanBuffer(data.subarray(0, lastNl + 1), base, needles, onLine, false);
    base += lastNl + 1;
    if (lastNl + 1 < data.length) carry = Buffer.from(data.subarray(lastNl + 1));
  });
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  let pos = 0;
  for (;;) {
    const r = fs.readSync(fd, buf, 0, buf.length, pos);
    if (r <= 0) break;
    pos += r;
    // fzstd keeps references to pushed input until a block is decoded: hand it a copy
    dec.push(Uint8Array.prototype.slice.call(buf, 0, r));
  }
  dec.push(new Uint8Array(0), true);
  const tail = carry as Buffer | null;
  if (tail) scanBuffer(tail, base, needles, onLine, true);
}

/** Lines of `buf` holding a needle; `last` says a final line without a newline counts. */
function scanBuffer(buf: Buffer, base: number, needles: readonly Buffer[], onLine: LineHandler, last: boolean): void {
  const end = last ? buf.length : buf.lastIndexOf(NL) + 1;
  let pos = 0;
  while (pos < end) {
    let m = -1;
    for (const n of needles) {
      const at = buf.indexOf(n, pos);
      if (at >= 0 && at < end && (m < 0 || at < m)) m = at;
    }
    if (m < 0) return;
    const ls = Math.max(buf.lastIndexOf(NL, m) + 1, pos);
    let le = buf.indexOf(NL, m);
    if (le < 0 || le > end) le = end;
    onLine(buf.toString('utf8', ls, le), base + ls);
    pos = le + 1;
  }
}

