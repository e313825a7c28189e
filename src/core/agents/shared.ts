// Small helpers several adapters need: folder checks for their log locations, and the size of a
// tool result's text in the content shapes the agents log.
import fs from 'node:fs';

export const isDir = (p: string): boolean => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };

/**
 * A small side file (Gemini's `.project_root`) as text, or null: only a regular file, at most `maxBytes`
 * read, opened non-blocking, so a FIFO, a device or a link to `/dev/zero` put there can neither hang a
 * read nor fill the memory.
 */
export function readSmallFile(p: string, maxBytes = 64 * 1024): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    if (!fs.fstatSync(fd).isFile()) return null;
    const buf = Buffer.allocUnsafe(maxBytes);
    const n = fs.readSync(fd, buf, 0, maxBytes, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Characters of text in a message's content: a string, or blocks with `text` (images count ~1.5k tokens). */
export function textLength(content: unknown): number {
  if (typeof content === 'string') return content.length;
  if (Array.isArray(content)) {
    let n = 0;
    for (const c of content) {
      if (c && typeof c === 'object') {
        const o = c as Record<string, unknown>;
        if (typeof o.text === 'string') n += o.text.length;
        else if (o.type === 'image') n += 6000; // images are ~1.5k tokens; their base64 says nothing useful
      }
    }
    return n;
  }
  return 0;
}
