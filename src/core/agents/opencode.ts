// OpenCode, and Kilo Code 7.x which keeps its sessions in a database of the same schema.
//  - SQLite (OpenCode 1.2+): `<data>/opencode.db`, and release-channel `opencode-<channel>.db` files
//    holding other sessions (counted too); Kilo: `~/.local/share/kilo/kilo.db`. Table
//    `message(id, session_id, time_created, data)`, `data` JSON {role, modelID, providerID,
//    tokens {input, output, reasoning, cache {read, write}, total?}, cost, time {created}, path};
//    `session(id, parent_id, directory, version, time_archived, ...)`.
//  - Legacy JSON: `<data>/storage/message/<sessionID>/<messageID>.json`, left after the migration
//    with the same message ids.
// Sub-task and archived sub-sessions were billed: every assistant message counts, whatever its
// session. `Session.fork` clones messages with new ids but the same `time.created`, model and usage
// (anomalyco/opencode packages/opencode/src/session/index.ts), so a message is keyed by what it
// holds, not by its id: a fork's copy, the legacy copy and the database row are one request.
// Session-level usage columns and `step-finish` parts repeat message usage and are not read.
// Reasoning: up to OpenCode 1.3.15 `tokens.output` included it; since anomalyco/opencode#21047
// (1.3.16) it is separate and must be added. A row's `tokens.total` says which (it sums the parts);
// without one, the session's `version` does.
import fs from 'node:fs';
import path from 'node:path';
import type { AgentAdapter } from './adapter';
import type { Agent, AgentReader, UsageRecord } from './records';
import { tokens } from './records';
import type { SqliteDb } from './sqlite';
import { jsonColumn, pagedRows } from './sqlite';
import { isDir } from './shared';

export const OPENCODE: Agent = 'opencode' as unknown as Agent; // a plain string id once AgentId lands
export const KILO: Agent = 'kilo' as unknown as Agent;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v as Obj : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** True when `version` is 1.3.16 or later: reasoning is no longer inside `tokens.output`. */
export function reasoningSeparate(version: string | undefined): boolean | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return undefined;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return a > 1 || (a === 1 && (b > 3 || (b === 3 && c >= 16)));
}

export interface MessageContext { agent: Agent; prefix: string; file: string; rank: number; sessionId?: string; directory?: string; version?: string }

/** One message's record, or null for user messages, zero-usage rows (Kilo's imported `legacy` tasks) and junk. */
export function messageRecord(data: Obj, ctx: MessageContext): UsageRecord | null {
  if (data.role !== 'assistant') return null;
  const t = obj(data.tokens), cache = obj(t.cache);
  const input = tokens(t.input), output = tokens(t.output), reasoning = tokens(t.reasoning);
  const cacheRead = tokens(cache.read), cacheWrite = tokens(cache.write);
  if (input + output + reasoning + cacheRead + cacheWrite === 0) return null;
  const total = typeof t.total === 'number' ? t.total : undefined;
  const separate = total !== undefined
    ? total >= input + output + reasoning + cacheRead + cacheWrite
    : reasoningSeparate(ctx.version) ?? false;
  const model = obj(data.model);
  const modelID = str(data.modelID) ?? str(model.modelID) ?? 'unknown';
  const providerID = str(data.providerID) ?? str(model.providerID) ?? '';
  const created = obj(data.time).created;
  const ts = typeof created === 'number' && Number.isFinite(created) ? created : 0;
  const out = separate ? output + reasoning : Math.max(output, reasoning);
  const p = obj(data.path);
  const r: UsageRecord = {
    agent: ctx.agent, sessionId: ctx.sessionId ?? str(data.sessionID) ?? 'unknown',
    project: str(p.root) ?? str(p.cwd) ?? ctx.directory ?? '(no folder)', model: modelID, timestamp: ts,
    usage: { input, output: out, cacheRead, cacheWrite5m: cacheWrite, cacheWrite1h: 0 },
    contextTokens: input + cacheRead + cacheWrite, file: ctx.file,
    // what a fork's clone, the legacy JSON copy and the database row share
    key: `${ctx.prefix}:${providerID}/${modelID}:${ts}:${input}:${output}:${reasoning}:${cacheRead}:${cacheWrite}`,
    rank: ctx.rank,
  };
  const cost = data.cost;
  if (typeof cost === 'number' && Number.isFinite(cost) && cost > 0) r.cost = cost;
  return r;
}

/**
 * Every assistant message of an OpenCode-schema database, streamed row by row in table order (no sort:
 * sorting would copy every row's JSON into a temporary b-tree). A fork's clones are inserted after
 * their originals, so the original comes first and keeps the request (`lastWinsInFile: false`).
 */
export function readSessionDb(db: SqliteDb, file: string, emit: (r: UsageRecord) => void, agent: Agent, prefix: string): { malformed: number } {
  if (!db.tables().has('message')) return { malformed: 0 };
  // sessions apart (a few hundred rows): joining them per message would page the session index in and
  // out of SQLite's small cache through the WASM file layer, ten times slower than the scan itself
  const sessionCols = db.tables().has('session') ? db.columns('session') : new Set<string>();
  const sessions = new Map<string, { directory?: string; version?: string }>();
  if (sessionCols.has('id')) {
    const cols = ['id', ...['directory', 'version'].filter(c => sessionCols.has(c))].join(', ');
    for (const r of pagedRows(db, `SELECT rowid AS _rowid, ${cols} FROM session WHERE 1`, 'rowid')) {
      if (typeof r.id === 'string') sessions.set(r.id, { directory: str(r.directory), version: str(r.version) });
    }
  }
  // user messages carry no "tokens": filtered in SQL, never copied out of the database
  const sql = `SELECT rowid AS _rowid, session_id, CAST(data AS TEXT) AS data FROM message WHERE CAST(data AS TEXT) LIKE '%"tokens"%'`;
  let malformed = 0;
  for (const row of pagedRows(db, sql, 'rowid')) {
    const text = typeof row.data === 'string' ? row.data : '';
    const session = str(row.session_id), meta = session ? sessions.get(session) : undefined;
    const data = jsonColumn(text);
    if (!data) { malformed++; continue; }
    const r = messageRecord(data, { agent, prefix, file, rank: 0, sessionId: session, directory: meta?.directory, version: meta?.version });
    if (r) emit(r);
  }
  return { malformed };
}

/** A legacy `storage/message/<session>/<message>.json`. */
export function readLegacyMessage(text: string, file: string, emit: (r: UsageRecord) => void, agent: Agent, prefix: string): { malformed: number } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { malformed: 1 }; }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { malformed: 1 };
  const r = messageRecord(raw as Obj, { agent, prefix, file, rank: 1, sessionId: path.basename(path.dirname(file)) });
  if (r) emit(r);
  return { malformed: 0 };
}

const isLegacyMessage = (full: string): boolean => {
  const parts = full.split(path.sep);
  return full.endsWith('.json') && parts[parts.length - 3] === 'message' && parts[parts.length - 4] === 'storage';
};

/** An adapter for one OpenCode-schema agent. */
function sessionDbReader(agent: Agent, prefix: string, isDb: (name: string) => boolean): AgentReader {
  return {
    agent,
    needles: [],
    // a fork's clone comes after its original (ascending ids): the original keeps the request
    lastWinsInFile: false,
    initState: () => null,
    line: () => 'ignored',
    isWholeFile: () => true,
    wholeFile: (text, file, emit) => readLegacyMessage(text, file, emit, agent, prefix),
    isDatabase: file => isDb(path.basename(file)),
    database: (db, file, emit) => readSessionDb(db, file, emit, agent, prefix),
  };
}

const OPENCODE_DB = /^opencode(-[A-Za-z0-9._-]+)?\.db$/;
/** Only `storage/message` holds usage: the part, session_diff and snapshot trees are never walked. */
const prune = (name: string, full: string): boolean => path.basename(path.dirname(full)) === 'storage' && name !== 'message'
  || name === 'snapshot' || name === 'log' || name === 'bin';

/** `$XDG_DATA_HOME/<app>` (default `~/.local/share/<app>`), as OpenCode's xdg-basedir resolves it. */
const dataDir = (env: NodeJS.ProcessEnv, home: string, app: string) => path.join(env.XDG_DATA_HOME?.trim() || path.join(home, '.local', 'share'), app);

export const opencodeReader = sessionDbReader(OPENCODE, 'oc', name => OPENCODE_DB.test(name));

export const opencodeAdapter: AgentAdapter = {
  id: 'opencode',
  displayName: 'OpenCode',
  logs: {
    setting: 'opencodeDirs',
    cliFlag: 'opencode-dir',
    settingDescription: "OpenCode data folders (holding `opencode*.db` and the legacy `storage/`), replacing the default `$XDG_DATA_HOME/opencode` (`~/.local/share/opencode`).",
    defaultRoots: (env, home) => [env.OPENCODE_DATA_DIR?.trim() || dataDir(env, home, 'opencode')],
    scanDirs: root => [isDir(path.join(root, 'opencode')) && !fs.existsSync(path.join(root, 'opencode.db')) ? path.join(root, 'opencode') : root],
    isLogFile: (name, full) => OPENCODE_DB.test(name) || isLegacyMessage(full),
    prune,
  },
  usage: opencodeReader,
  instructionFiles: ['AGENTS.md'],
  basis: 'exact',
};

export const kiloDbReader = sessionDbReader(KILO, 'kilo', name => name === 'kilo.db');
export { dataDir as xdgDataDir, prune as pruneSessionStore, isLegacyMessage };
