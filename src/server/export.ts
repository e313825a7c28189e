// The OpenTelemetry export for the engine (exportService.ts) and `tokenomics export`: which process
// of the machine exports (a lock file), what it remembers between exports (the state file), the
// machine's salt, retries. The OpenTelemetry packages live in ./otlp (dist/otlp.js) and are loaded
// only when an export sends something.
//
// Correctness never rests on the lock: every export sends all-time totals of the same series, so two
// exporters at once (a lock taken over from a process that was only slow) send the same values, and a
// receiver keeps the latest, never a sum. The lock only keeps one window from doing the work of all.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import type { UsageRecord } from '../core/agents/records';
import type { Catalog } from '../core/catalog';
import { BASES, DaySeries, ProjectMode, Series, dailySeries, usageSeries } from '../core/export/series';
import { ExportState, Point, advance, backfillState, parseState, serializeState } from '../core/export/state';
import { dayNumberer } from '../core/time';
import { UsageColumns, columnsOf } from '../core/usage/columns';
import { readRegularFile, writeAtomic } from '../core/persist';
import { cacheDir } from '../core/cacheDir';

/** Where the machine's export files live: beside the CLI's usage index, shared by every window and the CLI. */
export function exportDir(env: NodeJS.ProcessEnv): string {
  return path.join(cacheDir(env), 'otlp');
}

// ---- files ----------------------------------------------------------------------------------------------

// a FIFO at the salt or state path must not hang the export: only regular files are read, without blocking
const readText = (file: string): string | null => { try { return readRegularFile(file).toString('utf8'); } catch { return null; } };

/**
 * The machine's secret salt for project hashes and the host id: created once, never sent. Kept apart
 * from the state so a damaged state file never changes the hashes (new hashes would be new series,
 * and sums over the receiver's series would count a project twice).
 */
export function machineSalt(dir: string): string {
  const file = path.join(dir, 'salt');
  const ok = (s: string | null) => s !== null && /^[0-9a-f]{32}$/.test(s.trim());
  let s = readText(file);
  if (ok(s)) return s!.trim();
  fs.mkdirSync(dir, { recursive: true });
  const fresh = crypto.randomBytes(16).toString('hex');
  try {
    fs.writeFileSync(file, fresh, { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch {
    s = readText(file); // another process made it first
    if (ok(s)) return s!.trim();
    writeAtomic(file, fresh); // unreadable garbage: replaced
    return fresh;
  }
}

/** `host.id`: the machine (its machine id, else its host name) hashed with the salt. */
export function hostId(salt: string): string {
  const machine = (readText('/etc/machine-id') ?? readText('/var/lib/dbus/machine-id') ?? os.hostname()).trim();
  let user = '';
  try { user = os.userInfo().username; } catch { /* a uid without a passwd entry (containers) */ }
  return crypto.createHash('sha256').update(`${salt}\0host\0${machine}\0${user}`).digest('hex').slice(0, 16);
}

// ---- the lock -------------------------------------------------------------------------------------------

const LockBody = z.object({ pid: z.number().int().positive(), host: z.string(), token: z.string(), at: z.number() });
type LockBody = z.infer<typeof LockBody>;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * One exporter per machine: a lock file whose holder touches it on every export. A lock is stale when
 * its holder's process is gone (same host) or it has not been touched for `staleMs`; a stale lock is
 * taken over. A holder that finds someone else's token in the file has lost it and stops exporting.
 */
export class ExportLock {
  private readonly token = crypto.randomBytes(8).toString('hex');
  private held = false;
  constructor(readonly file: string, private readonly staleMs: number) {}

  /** Takes the lock if it is free or stale, keeps it if held; false while another live process holds it. */
  acquire(): boolean {
    if (this.held) {
      if (this.owner()?.token === this.token) {
        const now = new Date();
        try { fs.utimesSync(this.file, now, now); } catch { /* checked on the next call */ }
        return true;
      }
      this.held = false; // taken over while this process looked stale
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      try {
        const body: LockBody = { pid: process.pid, host: os.hostname(), token: this.token, at: Date.now() };
        fs.writeFileSync(this.file, JSON.stringify(body), { flag: 'wx' });
        this.held = true;
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (!this.staleLock()) return false;
      try { fs.unlinkSync(this.file); } catch { /* someone else removed it */ }
    }
    return false;
  }

  /** The current holder, if the file names one. */
  owner(): LockBody | null {
    const text = readText(this.file);
    if (text === null) return null;
    try {
      const b = LockBody.safeParse(JSON.parse(text));
      return b.success ? b.data : null;
    } catch { return null; }
  }

  private staleLock(): boolean {
    let mtime: number;
    try { mtime = fs.statSync(this.file).mtimeMs; } catch { return true; }
    const b = this.owner();
    if (!b) return Date.now() - mtime > 5_000; // half-written by a process starting right now, or garbage
    if (b.host === os.hostname() && !alive(b.pid)) return true;
    return Date.now() - mtime > this.staleMs;
  }

  get isHeld(): boolean { return this.held; }

  release(): void {
    if (!this.held) return;
    this.held = false;
    if (this.owner()?.token === this.token) { try { fs.unlinkSync(this.file); } catch { /* gone */ } }
  }
}

// ---- exporting --------------------------------------------------------------------------------------------

let version: string | undefined;
/** Tokenomics' version, from the package.json above the running bundle (dist/ or out/src/server/). */
export function tokenomicsVersion(): string {
  if (version) return version;
  for (let dir = __dirname, i = 0; i < 5; i++, dir = path.dirname(dir)) {
    try {
      const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'tokenomics' && typeof p.version === 'string') return (version = p.version);
    } catch { /* not here */ }
  }
  return (version = '0.0.0');
}

export interface ExportTarget {
  url: string;
  headers: Record<string, string>;
  attributes: Record<string, string>;
  includeProjects: ProjectMode;
}

export interface ExportOutcome { ok: boolean; points: number; error?: string; attempts: number }

export type Log = (level: 'info' | 'warn', message: string) => void;

/** What an export reads: the index's counted requests as columns, and per row its basis if known. */
export interface UsageData {
  cols: UsageColumns;
  /** Per row, an index into BASES (any other value: its agent's basis); absent: each agent's basis. */
  basis?: ArrayLike<number>;
}

/** From records (the engine's live index): the basis of each record, when any record carries one. */
export function usageData(records: readonly UsageRecord[]): UsageData {
  return { cols: columnsOf(records), basis: basisColumn(records) };
}

/**
 * From the index's columns, straight from its persisted form: no object per request (the CLI). A
 * basis column is used when the index's columns carry one.
 */
export function usageDataOf(cols: UsageColumns): UsageData {
  return { cols, basis: (cols as { basis?: ArrayLike<number> }).basis };
}

/** The series of a set of records: the index's counted requests, as the report counts them. */
export function seriesOf(records: readonly UsageRecord[], catalog: Catalog, projects: ProjectMode, salt: string): Series[] {
  const { cols, basis } = usageData(records);
  return usageSeries(cols, catalog, { projects, salt, basis });
}

/** Per record, its own basis (index into BASES, 255 for none), when any record carries one. */
function basisColumn(records: readonly UsageRecord[]): Uint8Array | undefined {
  const basisOf = (r: UsageRecord) => (r as { basis?: unknown }).basis;
  if (!records.some(r => basisOf(r) !== undefined)) return undefined;
  return Uint8Array.from(records, r => { const i = BASES.indexOf(basisOf(r) as (typeof BASES)[number]); return i < 0 ? 255 : i; });
}

/**
 * The export of one machine's usage to one receiver: state, salt and lock under `dir`. Used by the
 * engine on a timer and by `tokenomics export`.
 */
export class Exporter {
  readonly salt: string;
  readonly lock: ExportLock;
  private readonly stateFile: string;
  constructor(readonly dir: string, private readonly log: Log, staleMs = 180_000) {
    this.salt = machineSalt(dir);
    this.lock = new ExportLock(path.join(dir, 'export.lock'), staleMs);
    this.stateFile = path.join(dir, 'state.json');
  }

  /**
   * `service.instance.id` is the host id too: Prometheus makes it the `instance` label, so two machines
   * never collide there, while two processes of one machine (which send the same totals) do coincide.
   */
  resource(target: ExportTarget): Record<string, string> {
    const host = hostId(this.salt);
    return { ...target.attributes, 'service.name': 'tokenomics', 'service.version': tokenomicsVersion(), 'service.instance.id': host, 'host.id': host };
  }

  readState(): ExportState {
    const { state, problem } = parseState(readText(this.stateFile));
    if (problem) this.log('warn', `export state ${this.stateFile} is invalid (${problem}); series start anew`);
    return state;
  }

  private writeState(state: ExportState): void {
    try { writeAtomic(this.stateFile, serializeState(state)); } catch (e) {
      this.log('warn', `cannot write ${this.stateFile}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }

  /**
   * Sends points; a receiver that cannot be reached (or answers 408, 429, 5xx) is tried `attempts`
   * times with growing pauses, each retry logged. A rejection (another 4xx) is not retried: sending
   * the same data again gets the same answer. The final failure is the caller's to report.
   */
  async send(target: ExportTarget, points: readonly Point[], attempts: number, pauseMs = 1000): Promise<ExportOutcome> {
    if (!points.length) return { ok: true, points: 0, attempts: 0 }; // no logs yet: nothing to say
    const { send } = await import('./otlp');
    for (let i = 1; ; i++) {
      const r = await send(points, { url: target.url, headers: target.headers, resource: this.resource(target), version: tokenomicsVersion() });
      if (r.ok) return { ok: true, points: points.length, attempts: i };
      if (!r.retryable || i >= attempts) return { ok: false, points: points.length, error: r.error, attempts: i };
      const pause = pauseMs * 2 ** (i - 1);
      this.log('warn', `export to ${target.url} failed (attempt ${i} of ${attempts}): ${r.error}; trying again in ${pause / 1000} s`);
      await new Promise(res => setTimeout(res, pause));
    }
  }

  /**
   * Sends the all-time totals now. The state (start times, last values) is kept only once the
   * receiver accepted them, and only by the lock holder (`persist`).
   */
  async exportTotals(data: UsageData, catalog: Catalog, target: ExportTarget, opts: { attempts: number; persist: boolean; now?: number }): Promise<ExportOutcome> {
    const series = usageSeries(data.cols, catalog, { projects: target.includeProjects, salt: this.salt, basis: data.basis });
    const { points, next } = advance(this.readState(), series, opts.now ?? Date.now());
    for (const p of points) if (p.reset && p.value > 0) this.log('info', `series ${p.key} fell below its last value: sent as a reset`);
    const r = await this.send(target, points, opts.attempts);
    if (r.ok && opts.persist) this.writeState(next);
    return r;
  }

  /**
   * Per-day cumulative points for the days in the logs, each stamped at the end of its day, then the
   * totals now. Receivers that accept old samples (VictoriaMetrics) get the history; the series keep
   * one start time, the first day's.
   */
  async backfill(data: UsageData, catalog: Catalog, target: ExportTarget, opts: { attempts: number; persist: boolean; timezone: string }): Promise<ExportOutcome & { days: number }> {
    const now = Date.now();
    const days: DaySeries[] = dailySeries(data.cols, catalog, { projects: target.includeProjects, salt: this.salt,
      basis: data.basis, timezone: opts.timezone, through: dayNumberer(opts.timezone)(now) });
    if (!days.length) return { ...(await this.exportTotals(data, catalog, target, opts)), days: 0 };
    const start = days[0]!.startMs;
    // A month of days per request: each point still carries its own day's end as its time.
    let sent = 0;
    const seen = new Set<string>();
    for (let i = 0; i < days.length; i += BACKFILL_DAYS_PER_REQUEST) {
      const batch = days.slice(i, i + BACKFILL_DAYS_PER_REQUEST);
      // A series' first point is preceded by an explicit 0 at the start of its first day: without it a
      // receiver's increase() cannot tell a new series from one first seen late, and may drop its value.
      const points: Point[] = batch.flatMap(d => d.series.flatMap(s => {
        const p: Point = { ...s, startMs: start, endMs: Math.min(d.endMs, now - 1), reset: false };
        if (seen.has(s.key)) return [p];
        seen.add(s.key);
        return [{ ...p, value: 0, endMs: Math.max(start, d.startMs) }, p];
      }));
      const r = await this.send(target, points, opts.attempts);
      if (!r.ok) return { ...r, error: `days from ${batch[0]!.date}: ${r.error}`, days: sent };
      sent += batch.length;
    }
    if (opts.persist) this.writeState(backfillState(this.readState(), days[days.length - 1]!.series, start));
    const last = await this.exportTotals(data, catalog, target, { ...opts, now: now + 1 });
    return { ...last, days: sent };
  }
}

const BACKFILL_DAYS_PER_REQUEST = 31;

/** Headers from the environment, as the OpenTelemetry SDKs read them. */
export function envHeaders(env: NodeJS.ProcessEnv): string | undefined {
  return env.OTEL_EXPORTER_OTLP_METRICS_HEADERS || env.OTEL_EXPORTER_OTLP_HEADERS || undefined;
}

