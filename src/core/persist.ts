// Files Tokenomics persists (the usage index, the activity and leak-facts caches): written whole or not
// at all, the temp files of a writer that was killed cleaned up later, cached entries checked on first use.
import fs from 'node:fs';
import path from 'node:path';
import { readFully } from './fileBytes';

/**
 * Temp file in the same folder, then rename: readers see the old index or the new one, never half of one.
 * `mode`: the new file's permissions (default: the process's usual ones).
 */
export function writeAtomic(file: string, data: Buffer | string, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    fs.writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
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

/**
 * The whole of a persisted file, in a fresh buffer starting at offset 0 (the usage index's record
 * columns are viewed in place). Only a regular file is read, and it is opened without blocking: a FIFO
 * at a cache path must not hang the engine or the CLI. Throws when it is missing or not a regular file.
 */
export function readRegularFile(file: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error(`${file} is not a regular file`), { code: 'ENOTFILE' });
    return readFully(fd, Buffer.from(new ArrayBuffer(st.size)), 0);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A persisted JSON cache read through its schema, after the temp files a killed writer left beside it
 * are cleaned up. Null when it is missing, not a regular file, corrupt, or of another version or shape:
 * the cache is then rebuilt as files are read.
 */
export function readPersisted<T>(file: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | null {
  removeStaleTemps(file);
  try {
    const parsed = schema.safeParse(JSON.parse(readRegularFile(file).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch { return null; }
}

/**
 * Entries of a persisted cache, keyed by file, each checked against its schema the first time it is
 * used rather than all at load: a warm start validates only what it reads. An entry that does not fit
 * is forgotten (and the cache marked changed), never trusted.
 */
export class CheckedEntries<T> {
  private raw: Map<string, unknown>;
  private checked = new Set<string>();
  /** Set by every change; the owner clears it when it has saved. */
  dirty = false;

  constructor(private readonly schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, stored: Iterable<[string, unknown]> = []) {
    this.raw = new Map(stored);
  }

  get(key: string): T | undefined {
    const raw = this.raw.get(key);
    if (raw === undefined) return undefined;
    if (this.checked.has(key)) return raw as T;
    const ok = this.schema.safeParse(raw);
    if (!ok.success) { this.raw.delete(key); this.dirty = true; return undefined; }
    this.raw.set(key, ok.data);
    this.checked.add(key);
    return ok.data;
  }

  set(key: string, value: T): void {
    this.raw.set(key, value);
    this.checked.add(key);
    this.dirty = true;
  }

  delete(key: string): void {
    if (this.raw.delete(key)) this.dirty = true;
  }

  /** Forgets the entries whose file no longer exists: a cache must not grow forever. */
  dropMissing(onDrop?: (key: string) => void): void {
    for (const key of [...this.raw.keys()]) if (!fs.existsSync(key)) { this.raw.delete(key); onDrop?.(key); }
  }

  /** As stored: [key, entry] pairs for JSON. */
  toJSON(): [string, unknown][] {
    return [...this.raw];
  }
}
