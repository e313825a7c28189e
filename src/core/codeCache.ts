// V8's compiled code for our own bundles, kept between runs (what Node 22's module compile cache does,
// on the Node 20 we support). A short-lived process such as the CLI or a scan worker spends tens of
// milliseconds compiling its bundle, and runs most of its functions only a few times before exiting:
// with the code of the last run's functions at hand it starts on bytecode instead. Measured on the
// 368 MB Codex bench tree: cold report 590 -> 550 ms (CPU 1,020 -> 950 ms); warm report 197 -> 169 ms.
//
// The file holds nothing but what V8 compiled from the bundle's source: no path, log or count. It is
// checked before V8 sees it (V8 checks only that it came from a source of the same length, and in a
// release build never checks its own checksum), and written atomically, so a torn, truncated or foreign
// file is never run: the bundle is then compiled as usual and the file replaced.
import crypto from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { readRegularFile, writeAtomic } from './persist';

const MAGIC = Buffer.from('TKCC');
const FORMAT = 1;
const HEADER = MAGIC.length + 4 + 32; // magic, format, SHA-256 of the payload
/** More than this is no code cache of ours (the CLI's is ~0.5 MB): not read. */
const MAX_BYTES = 32 * 1024 * 1024;
/** A temporary file this old was left by a process that died while writing it. */
const STALE_TEMP_MS = 60_000;

/** What became of the cache when the bundle was loaded. */
export type CodeCacheState = 'off' | 'none' | 'loaded' | 'invalid' | 'rejected';

export interface LoadedBundle<T> {
  exports: T;
  state: CodeCacheState;
  /**
   * Keeps the code compiled so far for the next run, unless it came from a valid cache: call when the
   * work is done, so the functions it ran are in it. Never throws; false when nothing was written.
   */
  save(): boolean;
}

/**
 * Loads the CommonJS bundle `file` as `require` would, with the compiled code kept in `dir` under
 * `name` (one file per bundle, source, V8 version and CPU). `dir` null: no cache, a plain `require`.
 */
export function loadBundle<T>(file: string, dir: string | null, name: string): LoadedBundle<T> {
  if (!dir) return { exports: require(file) as T, state: 'off', save: () => false };
  const source = fs.readFileSync(file, 'utf8').replace(/^#!.*/, ''); // a shebang is not JavaScript
  const id = crypto.createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cacheFile = path.join(dir, safe(`${name}.${id}.${process.versions.v8}.${process.arch}.bin`));
  const read = readCache(cacheFile);
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(read.data ? { cachedData: read.data } : {}) });
  const state: CodeCacheState = read.data ? (script.cachedDataRejected ? 'rejected' : 'loaded') : read.state;
  const mod = new Module(file, module);
  mod.filename = file;
  const req = Module.createRequire(file); // resolves from the bundle's folder, as its own require would
  const run = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: Module, filename: string, dirname: string) => void;
  run.call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  mod.loaded = true;
  let saved = false;
  return {
    exports: mod.exports as T,
    state,
    save: () => {
      if (state === 'loaded' || saved) return false;
      saved = true;
      return writeCache(dir, cacheFile, name, script);
    },
  };
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

function readCache(file: string): { data: Buffer | null; state: CodeCacheState } {
  let size: number;
  try { size = fs.statSync(file).size; } catch { return { data: null, state: 'none' }; }
  if (size > MAX_BYTES) return { data: null, state: 'invalid' };
  let buf: Buffer;
  // a folder or a FIFO there is refused, and never waited on (persist.ts)
  try { buf = readRegularFile(file); } catch { return { data: null, state: 'invalid' }; }
  if (buf.length <= HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC) || buf.readUInt32LE(MAGIC.length) !== FORMAT) return { data: null, state: 'invalid' };
  const payload = buf.subarray(HEADER);
  const sum = crypto.createHash('sha256').update(payload).digest();
  return sum.equals(buf.subarray(MAGIC.length + 4, HEADER)) ? { data: payload, state: 'none' } : { data: null, state: 'invalid' };
}

function writeCache(dir: string, file: string, name: string, script: vm.Script): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch { return false; } // a read-only folder: no code is serialized for nothing, and the next run compiles as this one did
  try {
    const payload = script.createCachedData();
    const head = Buffer.alloc(HEADER);
    MAGIC.copy(head);
    head.writeUInt32LE(FORMAT, MAGIC.length);
    crypto.createHash('sha256').update(payload).digest().copy(head, MAGIC.length + 4);
    writeAtomic(file, Buffer.concat([head, payload]), 0o600);
  } catch { return false; } // a full disk: writeAtomic leaves nothing half-written
  try { removeOthers(dir, file, name); } catch { /* the folder listing failed: the old files go next time */ }
  return true;
}

/** The same bundle's files from other builds (or Node versions), and temporaries left by a crash. */
function removeOthers(dir: string, keep: string, name: string): void {
  const prefix = safe(`${name}.`);
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (!f.startsWith(prefix) || p === keep) continue;
    try {
      if (f.endsWith('.tmp') && Date.now() - fs.statSync(p).mtimeMs < STALE_TEMP_MS) continue; // another run is writing it
      fs.rmSync(p, { force: true });
    } catch { /* gone already */ }
  }
}
