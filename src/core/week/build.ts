// The weekly personal usage summary: what the week cost, where it went, what it bought and what was
// wasted. Pure over usage records, transcript facts and the catalog, so the engine, the CLI and tests
// compute the same numbers; the webview, Markdown, CSV and text only format them.
//
// A section is one pure function of the gathered week (`gather.ts`) in `sections/`, and one line here.
import type { Catalog } from '../catalog';
import { agentNames } from '../agents/index';
import type { UsageRecord } from '../agents/records';
import type { ActivityCache } from '../activity';
import { weekRange } from '../time';
import { ActivityOf, gatherWeek } from './gather';
import { breakdowns } from './sections/breakdowns';
import { cache } from './sections/cache';
import { cheaperTier } from './sections/cheaperTier';
import { contextBloat } from './sections/bloat';
import { days } from './sections/days';
import { headline } from './sections/headline';
import { instructionFiles, measureInstructionFiles, weekProjects } from './sections/instructionFiles';
import { leaks } from './sections/leaks';
import { quotas } from './sections/quotas';
import { sessionValues, topSessions, value } from './sections/value';
import { waste } from './sections/waste';
import { WEEK_SUMMARY_VERSION, WeekOptions, WeekSummary } from './types';

/**
 * The summary of one week. `activity(file, agent)` returns a transcript's facts (an ActivityCache's
 * `get`); it is asked only for files that hold this week's requests, and only the facts timed inside
 * the week (in `opts.timezone`) are counted.
 */
export function buildWeek(records: readonly UsageRecord[], activity: ActivityOf, catalog: Catalog, opts: WeekOptions): WeekSummary {
  const input = gatherWeek(records, activity, catalog, opts);
  const values = sessionValues(input);
  const { totals, models, agents, projects } = breakdowns(input);
  const perDay = days(input);
  return {
    version: WEEK_SUMMARY_VERSION,
    generatedAt: input.now,
    range: input.range,
    agentNames: agentNames(),
    headline: headline(input),
    totals,
    days: perDay.days,
    dayRows: perDay.dayRows,
    models, agents, projects,
    cache: cache(input),
    value: value(input, values),
    waste: waste(input, values),
    contextBloat: contextBloat(input),
    cheaperTier: cheaperTier(input),
    instructionFiles: instructionFiles(input),
    topSessions: topSessions(values),
    ...quotas(input),
    leaks: leaks(records, input),
    skipped: { unpricedRequests: input.records.reduce((n, w) => n + (w.cost === null ? 1 : 0), 0), malformedLines: opts.malformedLines ?? 0 },
  };
}

/**
 * Everything the summary needs beyond the records: transcript facts from the cache, instruction files
 * measured (and cached) with o200k. The tokenizer loads only when an instruction file is new or changed.
 */
export async function computeWeek(records: readonly UsageRecord[], catalog: Catalog, activityCache: ActivityCache, opts: WeekOptions): Promise<WeekSummary> {
  const range = weekRange(opts.weekStart, opts.timezone, opts.weekStartsOn ?? 'monday', opts.now ?? Date.now());
  const projects = weekProjects(records, range);
  const count = async (text: string) => (await (await import('../tokenizer')).getCounter('o200k_base')).count(text);
  const instructionFiles = opts.instructionFiles ?? await measureInstructionFiles(projects.keys(), f => activityCache.fileTokens(f, count), projects);
  return buildWeek(records, (file, agent) => activityCache.get(file, agent), catalog, { ...opts, weekStart: range.weekStart, instructionFiles });
}
