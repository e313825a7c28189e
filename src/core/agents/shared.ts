// Small helpers several adapters need: folder checks for their log locations, and the size of a
// tool result's text in the content shapes the agents log.
import fs from 'node:fs';

export const isDir = (p: string): boolean => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };

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
