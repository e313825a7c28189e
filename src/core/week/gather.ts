// What every section of the weekly summary reads: the week's requests (priced once, with their local
// day), the previous week's, and the week's sessions with their transcript facts. Gathered in one
// pass over the records; the sections (`sections/*.ts`) are pure functions of it.
import type { Catalog, ModelInfo } from '../catalog';
import { basisOf } from '../agents/index';
import { recordCost } from '../usage/recordCost';
import type { AgentId, UsageRecord } from '../agents/records';
import { FileActivity, mergeActivity, SessionActivity } from '../activity';
import { dayKeyer, startOfDay, weekRange, WeekRange } from '../time';
import { Accumulator } from '../usage/totals';
import type { WeekOptions } from './types';

/** One request of the week (or of the previous week), priced once. */
export interface WeekRecord {
  r: UsageRecord;
  /** The catalog's model, null when unpriced. */
  model: ModelInfo | null;
  cost: number | null;
  /** Its calendar day in the summary's time zone. */
  date: string;
}

/** One agent session's requests this week, with what its transcripts say it did this week. */
export interface WeekSession {
  agent: AgentId;
  sessionId: string;
  /** The folder of its main transcript (a sub-agent's own folder only when there is nothing else). */
  project: string;
  acc: Accumulator;
  /** Cost per model id, in first-use order. */
  models: Map<string, number>;
  /** The model it spent most on. */
  topModel: string;
  files: Set<string>;
  /** The main transcript (not a sub-agent's), else the first one. */
  mainFile: string;
  start: number;
  end: number;
  /** Its requests this week, oldest first. */
  records: UsageRecord[];
  activity: SessionActivity;
}

export interface WeekInput {
  range: WeekRange;
  now: number;
  opts: WeekOptions;
  catalog: Catalog;
  modelOf(id: string): ModelInfo | null;
  /** This week's requests, in the order given. */
  records: WeekRecord[];
  /** The previous week's requests, for the headline's change. */
  previous: WeekRecord[];
  /** This week's sessions, in order of their first request as given. */
  sessions: WeekSession[];
  projectName(project: string): string;
}

/** Transcript facts of one file (an ActivityCache's `get`); undefined when it cannot be read. */
export type ActivityOf = (file: string, agent: AgentId) => FileActivity | undefined;

/** Stands in until the session's transcripts are read (never shown: every session gets its own). */
const NO_ACTIVITY: SessionActivity = Object.freeze(mergeActivity([])) as SessionActivity;

export const isSubagent = (file: string): boolean => /[\\/]subagents[\\/]/.test(file);

/** The name a project is shown by: the workspace folder's name (plus the subfolder), else its last folder. */
export function projectName(project: string, names?: Record<string, string>): string {
  if (names) {
    // own keys only: a project folder named 'constructor' or '__proto__' is a folder, not Object's
    const exact = Object.hasOwn(names, project) ? names[project] : undefined;
    if (exact) return exact;
    // a session in a subfolder of a workspace folder belongs to it
    let best = '';
    for (const folder of Object.keys(names)) if (project.startsWith(folder + '/') || project.startsWith(folder + '\\')) if (folder.length > best.length) best = folder;
    if (best) return `${names[best]}${project.slice(best.length).replace(/\\/g, '/')}`;
  }
  const base = project.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
  return base || project;
}

/**
 * The week's inputs. `activity` is asked only for files that hold this week's requests, and only
 * the facts timed inside the week (in `opts.timezone`) are counted.
 */
export function gatherWeek(records: readonly UsageRecord[], activity: ActivityOf, catalog: Catalog, opts: WeekOptions): WeekInput {
  const now = opts.now ?? Date.now();
  const tz = opts.timezone;
  const range = weekRange(opts.weekStart, tz, opts.weekStartsOn ?? 'monday', now);
  const prevStart = startOfDay(range.previousWeek, tz);
  const modelOf = (id: string) => catalog.resolve(id);
  const dayOf = dayKeyer(tz);
  const week: WeekRecord[] = [], previous: WeekRecord[] = [];
  const byKey = new Map<string, WeekSession>();
  for (const r of records) {
    if (r.timestamp < prevStart || r.timestamp >= range.endMs) continue;
    const model = modelOf(r.model);
    // the agent's own figure or prices first (Cline's cost, Copilot's credits), web searches included
    const cost = recordCost(r, catalog);
    if (r.timestamp < range.startMs) { previous.push({ r, model, cost, date: '' }); continue; }
    week.push({ r, model, cost, date: dayOf(r.timestamp) });
    const sk = `${r.agent}\0${r.sessionId}`;
    let s = byKey.get(sk);
    if (!s) {
      byKey.set(sk, (s = { agent: r.agent, sessionId: r.sessionId, project: r.project, acc: new Accumulator(), models: new Map(), topModel: '',
        files: new Set(), mainFile: '', start: r.timestamp, end: r.timestamp, records: [], activity: NO_ACTIVITY }));
    }
    s.acc.add(r.usage, cost, basisOf(r), !r.aggregate);
    s.models.set(r.model, (s.models.get(r.model) ?? 0) + (cost ?? 0));
    s.files.add(r.file);
    if (r.timestamp < s.start) s.start = r.timestamp;
    if (r.timestamp > s.end) s.end = r.timestamp;
    if (!isSubagent(r.file)) { if (isSubagent(s.project) || s.records.length === 0) s.project = r.project; }
    s.records.push(r);
  }
  // transcript facts, each file read once even when several sessions share it
  const facts = new Map<string, FileActivity | undefined>();
  const factsOf = (file: string, agent: AgentId) => {
    if (!facts.has(file)) facts.set(file, activity(file, agent));
    return facts.get(file);
  };
  for (const s of byKey.values()) {
    const parts = [...s.files].map(f => factsOf(f, s.agent)).filter((x): x is FileActivity => !!x);
    // only what happened this week: a session spanning two weeks reports each fact once, in its own week
    s.activity = mergeActivity(parts, range);
    let topCost = -1;
    for (const [m, c] of s.models) if (c > topCost) { s.topModel = m; topCost = c; }
    s.mainFile = [...s.files].find(f => !isSubagent(f)) ?? [...s.files][0] ?? '';
    s.records.sort((a, b) => a.timestamp - b.timestamp);
  }
  const names = opts.projectNames;
  return { range, now, opts, catalog, modelOf, records: week, previous, sessions: [...byKey.values()], projectName: p => projectName(p, names) };
}

/** The fullest context of a session's main conversation this week (sub-agents have their own, smaller ones). */
export function peakContext(s: WeekSession, modelOf: (id: string) => ModelInfo | null): { share: number; tokens: number; window: number } | null {
  let peak: { share: number; tokens: number; window: number } | null = null;
  for (const r of s.records) {
    if (isSubagent(r.file)) continue;
    const w = modelOf(r.model)?.contextWindow;
    if (!w) continue;
    const share = r.contextTokens / w;
    if (!peak || share > peak.share) peak = { share, tokens: r.contextTokens, window: w };
  }
  return peak;
}
