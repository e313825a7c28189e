// Reading the agents' SQLite stores (Copilot's agent-traces.db, OpenCode's and Kilo's session
// databases) without a native module: SQLite compiled to WebAssembly (node-sqlite3-wasm), which
// reads the database file through Node's fs page by page instead of loading it whole.
//
// A WASM build cannot take part in the producer's locking (no shared-memory WAL index), so we never
// open the producer's files: the database and its `-wal` are copied to a private temporary folder,
// and the copy is opened in exclusive locking mode, where SQLite keeps the WAL index in its own heap
// and still applies the `-wal` pages the producer has not checkpointed yet. The copy is deleted when
// the read ends. Only the engine and the CLI load this module; the extension host never does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Row = Record<string, unknown>;

/** What a reader may do with a database snapshot: read-only queries. */
export interface SqliteDb {
  /** Table names in the database. */
  tables(): Set<string>;
  /** Column names of `table` (empty when it does not exist). */
  columns(table: string): Set<string>;
  all(sql: string, params?: readonly (string | number | null)[]): Row[];
}

const PAGE = 2000;

/**
 * The rows of `select` (which must name the table's rowid as `_rowid` and end with a WHERE clause
 * ready for `AND <rowid> > ?`), a page at a time in rowid order, so a large table is never held in
 * memory whole. Pages, not a statement stepped row by row: the WASM binding's per-row stepping costs
 * about 50 µs a row, a page of rows about 4 µs each.
 */
export function* pagedRows(db: SqliteDb, select: string, rowid: string, params: readonly (string | number | null)[] = []): Generator<Row> {
  let after = -Infinity;
  for (;;) {
    const rows = db.all(`${select} AND ${rowid} > ? ORDER BY ${rowid} LIMIT ${PAGE}`, [...params, Number.isFinite(after) ? after : -9007199254740991]);
    for (const r of rows) yield r;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!._rowid;
    if (typeof last !== 'number' && typeof last !== 'bigint') return;
    after = Number(last);
  }
}

/** Why a database could not be read, for a message that names the file. */
export class SqliteReadError extends Error {
  constructor(readonly file: string, readonly reason: string) { super(`${file}: ${reason}`); }
}

interface WasmDatabase { exec(sql: string): void; all(sql: string, values?: unknown): Row[]; close(): void }
type WasmModule = { Database: new (file: string, options?: { fileMustExist?: boolean; readOnly?: boolean }) => WasmDatabase };

let wasm: WasmModule | undefined;
/** The WASM module is compiled on first use (about 1.3 MB), never at engine start. */
function sqliteModule(): WasmModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (wasm ??= require('node-sqlite3-wasm') as WasmModule);
}

/** Size and modification time of the database and its `-wal`: changes when either changes. */
export function databaseStamp(file: string): { size: number; mtimeMs: number } | null {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch { return null; }
  let size = st.size, mtimeMs = st.mtimeMs;
  try { const w = fs.statSync(`${file}-wal`); size += w.size; mtimeMs = Math.max(mtimeMs, w.mtimeMs); } catch { /* no WAL */ }
  return { size, mtimeMs };
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'EBUSY' || /locked|busy/i.test(msg)) return 'locked by its writer';
  if (/not a database|malformed|corrupt/i.test(msg)) return 'not a readable SQLite database (corrupt or mid-write)';
  return code ?? msg;
}

/**
 * Runs `fn` on a private snapshot of `file` (plus its `-wal`), then deletes the snapshot. Throws a
 * `SqliteReadError` naming the file when it cannot be copied or is not a database; the producer's
 * files are only ever read.
 */
export function withSnapshot<T>(file: string, fn: (db: SqliteDb) => T): T {
  let dir: string | undefined;
  let db: WasmDatabase | undefined;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-sqlite-'));
    const copy = path.join(dir, 'snapshot.db');
    // a reflink where the file system has them (btrfs, XFS, APFS): no bytes copied; else a plain copy
    fs.copyFileSync(file, copy, fs.constants.COPYFILE_FICLONE);
    try { fs.copyFileSync(`${file}-wal`, `${copy}-wal`, fs.constants.COPYFILE_FICLONE); } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    db = new (sqliteModule().Database)(copy, { fileMustExist: true });
    db.exec('PRAGMA locking_mode=EXCLUSIVE; PRAGMA query_only=1;');
    const open = db;
    const names = new Set(open.all("SELECT name FROM sqlite_master WHERE type='table'").map(r => String(r.name)));
    const snapshot: SqliteDb = {
      tables: () => names,
      columns: table => names.has(table) ? new Set(open.all(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).map(r => String(r.name))) : new Set(),
      all: (sql, params) => open.all(sql, params ? [...params] : undefined),
    };
    return fn(snapshot);
  } catch (e) {
    if (e instanceof SqliteReadError) throw e;
    throw new SqliteReadError(file, reasonOf(e));
  } finally {
    try { db?.close(); } catch { /* already closed */ }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A JSON column's value as an object, or null when it is not one (a bad row is skipped, not fatal). */
export function jsonColumn(v: unknown): Record<string, unknown> | null {
  if (typeof v !== 'string') return null;
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? o as Record<string, unknown> : null;
  } catch { return null; }
}
