// Reading a stretch of an open file whole: a read may return fewer bytes than asked for, so every
// reader of whole stretches (a long log line, a compressed log, a persisted cache) loops the same way.
import fs from 'node:fs';

/** Fills `buf` from `position` of `fd` until it is full or the file ends: the bytes read, a view of `buf`. */
export function readFully(fd: number, buf: Buffer, position: number): Buffer {
  let got = 0;
  while (got < buf.length) {
    const r = fs.readSync(fd, buf, got, buf.length - got, position + got);
    if (r <= 0) break;
    got += r;
  }
  return buf.subarray(0, got);
}
