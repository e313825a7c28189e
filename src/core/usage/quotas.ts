// Weekly quotas by use case (`tokenomics.quotas`): which projects a quota covers, and what they spent
// this week. `quotaStatus` is the one rule the spend meter and the weekly summary share.
import * as z from 'zod';
import type { UsageRecord } from '../agents/records';
// the linear-time matcher of patterns from settings: a backtracking regex froze `week` on a hostile quota
import { globListProblem, projectMatcher } from '../glob';
import type { WeekRange } from '../time';
import { round6 } from './totals';


export interface QuotaSpec { name: string; projects: string[]; weeklyUSD: number }
export interface QuotaProblem { name: string; field: string; message: string }
export interface QuotaResult extends QuotaSpec {
  spentUSD: number;
  /** spent / weeklyUSD (1 = the quota is used up). */
  share: number;
  status: 'ok' | 'warning' | 'over';
  /** Sessions of the week in the quota's projects (0 when the caller passed none). */
  sessions: number;
}

const QuotaSchema = z.object({
  name: z.string().trim().min(1),
  projects: z.array(z.string().trim().min(1)).min(1),
  weeklyUSD: z.number().positive().finite(),
});

/** Valid quotas, and each invalid entry by name (or position) and field. */
export function parseQuotas(raw: unknown): { quotas: QuotaSpec[]; problems: QuotaProblem[] } {
  const quotas: QuotaSpec[] = [], problems: QuotaProblem[] = [];
  if (raw === undefined || raw === null) return { quotas, problems };
  if (!Array.isArray(raw)) return { quotas, problems: [{ name: 'tokenomics.quotas', field: '*', message: 'must be a list of { name, projects, weeklyUSD }' }] };
  raw.forEach((entry, i) => {
    const r = QuotaSchema.safeParse(entry);
    const name = entry && typeof entry === 'object' && typeof (entry as { name?: unknown }).name === 'string' && (entry as { name: string }).name.trim()
      ? (entry as { name: string }).name.trim() : `#${i + 1}`;
    if (r.success) {
      const tooMuch = globListProblem(`tokenomics.quotas[${i}].projects`, r.data.projects);
      if (quotas.some(q => q.name === r.data.name)) problems.push({ name, field: 'name', message: 'duplicate quota name; this entry is ignored' });
      else if (tooMuch) problems.push({ name, field: 'projects', message: `${tooMuch}; this entry is ignored` });
      else quotas.push(r.data);
      return;
    }
    const issue = r.error.issues[0];
    problems.push({ name, field: issue?.path.length ? issue.path.join('.') : '*', message: issue?.message ?? 'invalid' });
  });
  return { quotas, problems };
}

/** What each project spent in the week of `range` (unpriced requests count $0). */
export function projectCosts(records: Iterable<UsageRecord>, cost: (r: UsageRecord) => number | null, range: Pick<WeekRange, 'startMs' | 'endMs'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    if (r.timestamp < range.startMs || r.timestamp >= range.endMs) continue;
    const c = cost(r);
    if (c !== null) out.set(r.project, (out.get(r.project) ?? 0) + c);
  }
  return out;
}

/**
 * Each quota's spend from per-project costs (`projectCosts`), its share and status. `sessionProjects`
 * (the project of each session of the week) counts the quota's sessions for the summary.
 */
export function quotaStatus(specs: readonly QuotaSpec[], costs: ReadonlyMap<string, number>, opts: { warnAtPercent?: number; sessionProjects?: Iterable<string> } = {}): QuotaResult[] {
  const warnAt = (opts.warnAtPercent ?? 80) / 100;
  const sessionProjects = opts.sessionProjects ? [...opts.sessionProjects] : [];
  return specs.map(spec => {
    const match = projectMatcher(spec.projects);
    let spent = 0;
    for (const [project, cost] of costs) if (match(project)) spent += cost;
    const share = spent / spec.weeklyUSD;
    return { ...spec, spentUSD: round6(spent), share, status: share >= 1 ? 'over' : share >= warnAt ? 'warning' : 'ok',
      sessions: sessionProjects.filter(match).length };
  });
}
