// Files Tokenomics persists (the usage index, the activity cache): written whole or not at all, and the
// temp files of a writer that was killed cleaned up later.
import fs from 'node:fs';
import path from 'node:path';

/** Temp file in the same folder, then rename: readers see the old index or the new one, never half of one. */
export function writeAtomic(file: string, data: Buffer | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch { /* never created */ }
    throw e;
  }
}

/**
 * Removes temp files a killed writer left beside `file` (`<file>.<pid>.<random>.tmp`). Only old ones:
 * a younger one may belong to a writer that is still at work.
 */
export function removeStaleTemps(file: string, olderThanMs = 10 * 60_000): void {
  const dir = path.dirname(file), prefix = `${path.basename(file)}.`;
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith(prefix) || !n.endsWith('.tmp')) continue;
    const p = path.join(dir, n);
    try { if (now - fs.lstatSync(p).mtimeMs > olderThanMs) fs.unlinkSync(p); } catch { /* gone already */ }
  }
}
