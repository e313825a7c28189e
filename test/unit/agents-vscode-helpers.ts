// Reads fixture trees through an adapter the way the usage index does (roots -> scanDirs -> isLogFile,
// then by line, whole file or database), without the index: the adapters of the agents inside VS Code
// are tested on their parsers before the index wires them in.
import fs from 'node:fs';
import path from 'node:path';
import type { AgentAdapter } from '../../src/core/agents/adapter';
import { scanLines } from '../../src/core/agents/lineScanner';
import { AgentReader, UsageRecord, betterCopy } from '../../src/core/agents/records';
import { Coverage } from '../../src/core/usage/coverage';
import { SqliteReadError, withSnapshot } from '../../src/core/agents/sqlite';

export const VSCODE_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/agent-logs');

/** Every file the adapter would read under `roots`, sorted. */
export function logFiles(adapter: AgentAdapter, roots: readonly string[]): string[] {
  const out = new Set<string>();
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 12) { if (!adapter.logs.prune?.(e.name, p)) walk(p, depth + 1); }
      else if (e.isFile() && adapter.logs.isLogFile(e.name, p)) out.add(p);
    }
  };
  for (const r of roots) for (const d of adapter.logs.scanDirs(r)) walk(d, 0);
  return [...out].sort();
}

export interface FileRead { file: string; records: UsageRecord[]; malformed: number; state?: unknown }

/** One file read from the start, as the index reads it; within the file a later copy replaces per the reader's rule. */
export function readFile(reader: AgentReader, file: string): FileRead {
  const byKey = new Map<string, UsageRecord>();
  const emit = (r: UsageRecord) => {
    const prev = byKey.get(r.key);
    if (!prev || reader.lastWinsInFile || betterCopy(r, prev)) byKey.set(r.key, r);
  };
  let malformed = 0;
  if (reader.isDatabase?.(file) && reader.database) {
    malformed = withSnapshot(file, db => reader.database!(db, file, emit)).malformed;
    return { file, records: [...byKey.values()], malformed };
  }
  if (reader.isWholeFile?.(file) && reader.wholeFile) {
    malformed = reader.wholeFile(fs.readFileSync(file, 'utf8'), file, emit).malformed;
    return { file, records: [...byKey.values()], malformed };
  }
  const state = reader.initState(file);
  const fd = fs.openSync(file, 'r');
  try {
    scanLines(fd, 0, reader.needles, (line, offset) => { if (reader.line(state, line, offset, file, emit) === 'malformed') malformed++; });
  } finally { fs.closeSync(fd); }
  return { file, records: [...byKey.values()], malformed, state };
}

/** All files, deduped across files by key (best copy wins) and exact sessions over lower bounds, by time. */
export function readAll(adapter: AgentAdapter, roots: readonly string[]) {
  const problems: { file: string; reason: string }[] = [];
  const files = logFiles(adapter, roots).flatMap(f => {
    try { return [readFile(adapter.usage, f)]; } catch (e) {
      if (!(e instanceof SqliteReadError)) throw e;
      problems.push({ file: e.file, reason: e.reason });
      return [];
    }
  });
  const best = new Map<string, UsageRecord>();
  for (const f of files) for (const r of f.records) { const cur = best.get(r.key); if (!cur || betterCopy(r, cur)) best.set(r.key, r); }
  const records = Coverage.build(best.values()).list.sort((a, b) => a.timestamp - b.timestamp || a.key.localeCompare(b.key));
  return { files, records, problems, malformed: files.reduce((n, f) => n + f.malformed, 0) };
}

export function totals(records: readonly UsageRecord[]) {
  const t = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0 };
  for (const r of records) {
    if (!r.aggregate) t.requests++;
    t.input += r.usage.input; t.output += r.usage.output; t.cacheRead += r.usage.cacheRead;
    t.cacheWrite += r.usage.cacheWrite5m + r.usage.cacheWrite1h; t.cost += r.cost ?? 0;
  }
  t.cost = Math.round(t.cost * 1e6) / 1e6;
  return t;
}
