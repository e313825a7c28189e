// Small helpers several adapters need: folder checks for their log locations, and the size of a
// tool result's text in the content shapes the agents log.
import fs from 'node:fs';

/** Side files (metadata, settings) larger than this are not read: no real one comes near it. */
export const MAX_SIDE_FILE_BYTES = 4 * 1024 * 1024;

export const isDir = (p: string): boolean => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };

/**
 * A small side file (Gemini's `.project_root`, a workspace's `workspace.json`, a task's metadata, a
 * `settings.json`) as text, or null: only a regular file, at most `maxBytes` read, opened non-blocking,
 * so a FIFO, a device or a link to `/dev/zero` put there can neither hang a read nor fill the memory.
 * `scratch` (at least `maxBytes` long) is reused instead of a new buffer, for callers that read thousands.
 */
export function readSmallFile(p: string, maxBytes = 64 * 1024, scratch?: Buffer): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    // no more than the file holds (a cap of megabytes must not cost megabytes per small file); a size of
    // 0 (an empty file, or one the kernel makes up as it is read) reads up to the cap
    const want = Math.min(maxBytes, st.size > 0 ? st.size : maxBytes);
    const buf = scratch && scratch.length >= want ? scratch : Buffer.allocUnsafe(want);
    const n = fs.readSync(fd, buf, 0, want, 0);
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
