// Which deduped requests count, and the state that lets the index say for one more request whether it
// counts without going over every request again. Two rules:
// - the exact source wins over a lower bound for every session it covers, and is never added to it
//   (Copilot: its trace store against its session journal): a session with an `exact` record drops its
//   `lower-bound` records of the same agent; other sessions keep theirs;
// - a `standsIn` record (UsageRecord.standsIn) is dropped when its session has records from another file. The index
// builds the counted list once, then appends what an append added; anything this state cannot decide
// alone (a session's first exact record when the session already has lower-bound ones, a stand-in
// whose session changed files) asks for the list to be built again.
import type { UsageRecord } from '../agents/records';

const MANY = '\0many';

export type Verdict = 'counted' | 'not-counted' | 'rebuild';

const sessionOf = (r: UsageRecord): string => `${r.agent}\0${r.sessionId}`;

export class Coverage {
  /** Sessions with an `exact` record: their `lower-bound` records do not count. */
  private readonly exact = new Set<string>();
  /** Sessions with `lower-bound` records (Copilot's journal: few next to all requests). */
  private readonly lower = new Set<string>();
  /** Per session, the file of its counted records that do not stand in (MANY for several): kept only while stand-ins exist. */
  private fileOf: Map<string, string> | null = null;
  private readonly standInSessions = new Set<string>();

  private constructor() { /* see build */ }

  /** The counted records of `winners`, in their order, and the state to extend them. */
  static build(winners: Iterable<UsageRecord>): { list: UsageRecord[]; coverage: Coverage } {
    const c = new Coverage();
    const all = Array.isArray(winners) ? winners as UsageRecord[] : [...winners];
    for (const r of all) {
      if (r.basis === 'exact') c.exact.add(sessionOf(r));
      else if (r.basis === 'lower-bound') c.lower.add(sessionOf(r));
    }
    let list = c.exact.size ? all.filter(r => r.basis !== 'lower-bound' || !c.exact.has(sessionOf(r))) : all.slice();
    if (list.some(r => r.standsIn)) {
      const files = c.fileOf = new Map();
      for (const r of list) {
        if (r.standsIn) { c.standInSessions.add(sessionOf(r)); continue; }
        const k = sessionOf(r), f = files.get(k);
        if (f === undefined) files.set(k, r.file); else if (f !== r.file) files.set(k, MANY);
      }
      list = list.filter(r => !r.standsIn || c.standInCounts(r));
    }
    return { list, coverage: c };
  }

  /** Whether a request new to the index counts, given everything added so far. */
  add(r: UsageRecord): Verdict {
    const k = sessionOf(r);
    if (r.basis === 'exact' && !this.exact.has(k)) {
      // the session's lower-bound requests stop counting: which ones, only the whole list knows
      if (this.lower.has(k)) return 'rebuild';
      this.exact.add(k);
    }
    if (r.basis === 'lower-bound') {
      this.lower.add(k);
      if (this.exact.has(k)) return 'not-counted';
    }
    if (r.standsIn) {
      if (!this.fileOf) return 'rebuild';
      this.standInSessions.add(k);
      return this.standInCounts(r) ? 'counted' : 'not-counted';
    }
    if (this.fileOf) {
      const f = this.fileOf.get(k);
      const next = f === undefined ? r.file : f === r.file ? f : MANY;
      if (next !== f) {
        // a stand-in of this session may stop counting
        if (this.standInSessions.has(k)) return 'rebuild';
        this.fileOf.set(k, next);
      }
    }
    return 'counted';
  }

  private standInCounts(r: UsageRecord): boolean {
    const f = this.fileOf!.get(sessionOf(r));
    return f === undefined || f === r.file;
  }
}

/** A later copy of a request that counts exactly where the earlier one did (same session, basis, file, stand-in). */
export function sameCoverage(a: UsageRecord, b: UsageRecord): boolean {
  return a.agent === b.agent && a.sessionId === b.sessionId && a.basis === b.basis && a.file === b.file && !!a.standsIn === !!b.standsIn;
}
