// The engine's side of the weekly summary: `tokenomics/week` requests over the usage index's records,
// with transcript facts cached per file (in memory, and beside the usage index when a path is given).
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import type { UsageRecord } from '../core/agents/records';
import { requestCost } from '../core/cost';
import { ActivityCache } from '../core/activity';
import { TranscriptFactsCache } from '../core/leaks/facts';
import { addDays, isValidDate, weekRange } from '../core/time';
import { parseQuotas, projectCosts, quotaStatus as quotaSpend } from '../core/usage/quotas';
import { computeWeek } from '../core/week/build';
import type { WeekSummary } from '../core/week/types';
import type { Engine } from './engine';
import { QuotaStatus, WeekParams, WeekRequest } from './protocol';
import { onRequest, schemas } from './requests';
import type { Shutdown } from './shutdown';

export type { WeekParams };

export interface WeekService {
  summary(params?: WeekParams): Promise<WeekSummary>;
  /** Each valid quota's spend in the week of `weekStart` (the spend meter computes the same with `core/usage/quotas`). */
  quotaStatus(records: readonly UsageRecord[], weekStart: string): QuotaStatus[];
}

export function registerWeek(connection: Connection, engine: Engine, getRecords: () => Promise<readonly UsageRecord[]>, opts: { storagePath?: string; shutdown: Shutdown }): WeekService {
  let cache: ActivityCache | undefined;
  let leakFacts: TranscriptFactsCache | undefined;
  let cacheDir: string | undefined;
  let saveTimer: NodeJS.Timeout | undefined;
  const activity = () => {
    const dir = opts.storagePath;
    if (!cache || dir !== cacheDir) {
      cacheDir = dir; cache = new ActivityCache(dir ? path.join(dir, 'activity.json') : null);
      leakFacts = new TranscriptFactsCache(dir ? path.join(dir, 'leaks.json') : null);
    }
    return cache;
  };
  let reportedQuotaProblems = '';

  const summary = async (params: WeekParams = {}): Promise<WeekSummary> => {
    if (params.week !== undefined && (typeof params.week !== 'string' || !isValidDate(params.week))) throw new Error(`not a date (YYYY-MM-DD): ${String(params.week)}`);
    const s = engine.settings;
    const tz = engine.timezone;
    let week = params.week;
    if (params.offset) {
      week = addDays(weekRange(week, tz, s.weekStartsOn).weekStart, 7 * Math.trunc(params.offset));
    }
    const t0 = performance.now();
    const records = await getRecords();
    const t1 = performance.now();
    const c = activity();
    const w = await computeWeek(records, engine.catalog, c, {
      weekStart: week, timezone: tz, weekStartsOn: s.weekStartsOn, wasteThresholdUSD: s.wasteThresholdUSD,
      quotas: s.quotas, warnAtPercent: s['budget.warnAtPercent'], projectNames: params.projectNames, leakFacts: leakFacts?.get,
    });
    const problems = JSON.stringify(w.quotaProblems);
    if (w.quotaProblems.length && problems !== reportedQuotaProblems) {
      reportedQuotaProblems = problems;
      for (const p of w.quotaProblems) connection.console.warn(`Invalid setting tokenomics.quotas entry "${p.name}" (${p.field}): ${p.message}; ignored`);
    }
    if (!saveTimer) saveTimer = setTimeout(() => { saveTimer = undefined; c.save(); leakFacts?.save(); }, 1000);
    connection.console.log(`week of ${w.range.weekStart}: records ${(t1 - t0).toFixed(0)} ms, summary ${(performance.now() - t1).toFixed(0)} ms`);
    return w;
  };

  onRequest(connection, WeekRequest, schemas.week, async params => summary(params ?? {}));

  const quotaStatus = (records: readonly UsageRecord[], weekStart: string): QuotaStatus[] => {
    const { quotas } = parseQuotas(engine.settings.quotas);
    if (!quotas.length) return [];
    const range = weekRange(weekStart, engine.timezone, engine.settings.weekStartsOn);
    const costs = projectCosts(records, r => requestCost(engine.catalog.resolve(r.model), r.usage), range);
    return quotaSpend(quotas, costs).map(q => ({ name: q.name, weeklyUSD: q.weeklyUSD, spentUSD: q.spentUSD, share: q.share }));
  };

  opts.shutdown.add(() => { if (saveTimer) { clearTimeout(saveTimer); cache?.save(); leakFacts?.save(); } });
  return { summary, quotaStatus };
}
