// Agent-session usage in the engine: the persisted usage index over the agents' log folders, kept
// live by folder watchers plus a cheap stat poll, and summarised for the spend meter.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { ADAPTERS, adapterOf, agentNames } from '../core/agents/index';
import { agentRoots, AgentRoot, expand, scanDirs } from '../core/agents/locations';
import { userDirFromGlobalStorage } from '../core/agents/vscodeUserDirs';
import { mayBeLossy, shownPath } from '../core/agents/fileNames';
import type { RateLimitWindow, UsageRecord } from '../core/agents/records';
import type { Catalog } from '../core/catalog';
import { inputCost, requestCost, ZERO_USAGE } from '../core/cost';
import type { Settings } from '../core/settings';
import * as z from 'zod';
import { dayKeyer, isValidDate } from '../core/time';
import { parseQuotas, QuotaSpec, quotaStatus } from '../core/usage/quotas';
import { inside, SpendBreakdown, SpendState } from '../core/usage/spend';
import { SKIP_TEXT, UsageIndex, atLines } from '../core/usage/usageIndex';
import { keepWorkerCode } from '../core/usage/scanPool';
import type { Engine } from './engine';
import { afterHeavyWork } from './idleGc';
import { AgentContextRequest, ForgetHistoryRequest, PeriodSpend, QuotaStatus, RateWindow, UsageChangedNotification, UsageRequest, UsageSummary } from './protocol';
import { onRequest, onRequest0, sendNotification } from './requests';
import { contextView, mainStream } from '../core/leaks/live';
import { defaultFactsCache } from '../core/leaks/facts';
import type { Workspace } from './workspace';
import type { Shutdown } from './shutdown';

/**
 * The poll that catches what watchers miss: every second while logs change, then backing off while
 * nothing does, to POLL_MAX_MS once a watcher has shown it reports changes (else POLL_BLIND_MS).
 * With watchers, a poll only stats the folders (a folder whose modification time did not change has
 * the same files) and the logs a watcher named; the full sweep, which stats every log, runs every
 * FULL_MIN_MS at first, backing off to FULL_MAX_MS while it finds nothing the watchers missed.
 * Idle means idle: a tree of thousands of logs is not stat-ed every few seconds for nothing.
 */
const POLL_MS = 1000;
const POLL_BLIND_MS = 4000;
const POLL_MAX_MS = 30_000;
const FULL_MIN_MS = 30_000;
const FULL_MAX_MS = 300_000;
/**
 * A refresh gives the event loop back every ~20 ms, and waits before its next slice: a moment always,
 * longer while the client is at work. Messages are taken one per turn of the loop and a large one
 * (a 19 MB document) arrives in hundreds of reads: behind an at-once yield each would wait out a
 * slice, and a burst of 2,000 settings notifications, or the 19 MB open, would wait out the whole sweep.
 */
const IDLE_PAUSE_MS = 1;
const BUSY_PAUSE_MS = 20;

/** The next sweep's delay: back to 1 s after a change, else twice the last, capped by what watchers cover. */
export function nextPollMs(lastMs: number, changed: boolean, watchersWork: boolean): number {
  return changed ? POLL_MS : Math.min(lastMs * 2, watchersWork ? POLL_MAX_MS : POLL_BLIND_MS);
}

/** The next full sweep's delay: twice the last while it found nothing the watchers had missed. */
export function nextFullMs(lastMs: number, foundMissed: boolean): number {
  return foundMissed ? FULL_MIN_MS : Math.min(lastMs * 2, FULL_MAX_MS);
}

export interface UsageService {
  records(): Promise<readonly UsageRecord[]>;
  /** Requests agents made in a project folder (or below it) in the last 7 days; undefined with no logs for it. */
  weeklyRequests(projectPath: string): number | undefined;
  /** Per agent, the requests and sessions of the last 7 days in a project, and the share of input read from the cache. */
  weeklyUsage(projectPath: string): WeeklyProjectUsage | undefined;
}

export interface WeeklyProjectUsage {
  /** Agent id ('claude', 'codex', ...) -> requests and distinct sessions in the last 7 days. */
  byAgent: Map<string, { requests: number; sessions: number; input: number; cacheRead: number; cacheWrite: number }>;
}

export interface UsageDeps {
  storagePath: string | undefined;
  /** The spend meter prefers the session of a workspace folder, and follows folder changes. */
  workspace: Workspace;
  shutdown: Shutdown;
}

export function registerUsage(connection: Connection, engine: Engine, opts: UsageDeps): UsageService {
  let roots: AgentRoot[] = [];
  let index: UsageIndex | undefined;
  let watchers: fs.FSWatcher[] = [];
  let refreshing: Promise<void> | undefined;
  let again = false;
  /**
   * A sweep of thousands of logs runs in slices and can outlive the client. From shutdown on, nothing
   * new starts, a sweep under way ends at its next slice, and a failure of work still under way is not
   * logged to the connection: vscode-languageserver's own "log message failed" on a closed connection
   * goes through the console it patched and throws, which crashed the engine on its way out.
   */
  const stopped = () => opts.shutdown.done;
  const logError = (text: string) => { if (!stopped()) connection.console.error(text); };
  let lastSummaryJson = '';
  let reportedProblems = new Set<string>();
  const malformedReported = new Map<string, number>();
  let saidNoLogs = false;
  let pollMs = POLL_MS;
  let watcherEvent = false;
  let watchersProven = false;
  /** Log paths the watchers named since the last refresh; `watcherVague` when one named none. */
  let touched = new Set<string>();
  let watcherVague = false;
  let fullMs = FULL_MIN_MS;
  let fullAt = 0;
  let summaryStale = true;
  let summaryDay = '';
  /** The spend meter's numbers, kept as the index's records change (a change costs what changed). */
  let spend = new SpendState();
  let perProject: { at: number; counts: Map<string, number> } | undefined;
  let perAgent: { at: number; rows: { project: string; agent: string; session: string; input: number; cacheRead: number; cacheWrite: number }[] } | undefined;

  const configure = () => {
    const s = engine.settings;
    const dir = opts.storagePath;
    // the editor running us: its own user-data folder holds Copilot's and Cline's logs (globalStorage/<us> -> <User>)
    roots = agentRoots(process.env, s.agentDirs, { vscodeUserDir: userDirFromGlobalStorage(dir) });
    const cacheFile = dir ? path.join(dir, 'usage-index.json') : null;
    // a cold scan's workers start on the code they compiled last time (codeCache.ts)
    keepWorkerCode(dir ? path.join(dir, 'code') : null);
    // Saving costs tens of ms on a big tree: refreshes stay in the few-ms range, saves are batched.
    index = new UsageIndex({ roots, cacheFile, autoSave: false, workers: true });
    for (const w of watchers) w.close();
    watchers = [];
    pollMs = POLL_MS; watchersProven = false; fullMs = FULL_MIN_MS; fullAt = 0; touched = new Set(); watcherVague = false;
    for (const dir of roots.flatMap(r => scanDirs(r))) {
      try {
        // Only the log folders, not the agents' whole homes (todos, history, backups change all the time).
        // Recursive watching is not available everywhere, and a big tree can run out of watches: the
        // stat poll below covers whatever a watcher misses or gives up on.
        // a log named by itself (Copilot's OTel exporter file) is watched as the file: the name is its own
        const isFile = fs.statSync(dir).isFile();
        const w = fs.watch(dir, { recursive: !isFile, persistent: false }, (_event, name) => {
          watcherEvent = true;
          if (isFile) touched.add(dir);
          // a name that is not UTF-8 comes lossy (U+FFFD) and names no log: the sweep finds it by its bytes
          else if (typeof name === 'string' && name && !mayBeLossy(name)) touched.add(path.join(dir, name)); else watcherVague = true;
          schedule(50);
        });
        w.on('error', () => { w.close(); watchers = watchers.filter(x => x !== w); });
        watchers.push(w);
      } catch { /* missing folder or no recursive support: the poll still finds new logs */ }
    }
    summaryStale = true;
    spend = new SpendState();
    // a setting that names log files one by one (tokenomics.copilotOtelFiles) names files, not folders
    const namedFiles = new Set(ADAPTERS.flatMap(a => (a.logs.files ? s.agentDirs[a.logs.files.setting] ?? [] : []).map(f => expand(f, process.env.HOME || process.env.USERPROFILE || os.homedir()))));
    for (const r of roots.filter(r => r.explicit && !fs.existsSync(r.dir))) {
      connection.console.warn(`Agent log ${namedFiles.has(r.dir) ? 'file' : 'folder'} ${shownPath(r.dir)} (${r.agent}, from settings) does not exist.`);
    }
    schedule(0);
  };

  let saveTimer: NodeJS.Timeout | undefined;
  const scheduleSave = () => {
    if (saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      try { index?.save(); } catch (e) { connection.console.warn(`could not save the usage index: ${(e as Error).message}`); }
    }, 2000);
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = (ms: number) => {
    if (timer || stopped()) return;
    timer = setTimeout(() => { timer = undefined; void refresh(); }, ms);
  };

  // after shutdown a sweep under way ends at its next slice instead of running on without a client
  const pause = () => stopped() ? Promise.reject(new Error('the engine is shutting down'))
    : new Promise<void>(resolve => setTimeout(resolve, engine.busy() ? BUSY_PAUSE_MS : IDLE_PAUSE_MS));

  const refresh = async (): Promise<void> => {
    if (refreshing) { again = true; return refreshing; }
    refreshing = (async () => {
      try {
        // Without watchers every poll is a full sweep; with them, a poll stats folders and what they named.
        const now = Date.now();
        const full = watchers.length === 0 || watcherVague || now >= fullAt;
        const named = touched;
        touched = new Set();
        watcherVague = false;
        const r = await index!.refresh({ full, touched: named, pause });
        if (stopped()) return;
        if (full) {
          // a full sweep that found a change no watcher named: the watchers miss things, sweep more often
          fullMs = fullAt === 0 ? FULL_MIN_MS : nextFullMs(fullMs, r.changed && named.size === 0);
          fullAt = Date.now() + fullMs;
        }
        if (r.changed) { scheduleSave(); perProject = undefined; perAgent = undefined; if (r.ms > 100) afterHeavyWork(); }
        // a change a watcher announced proves the watchers work: the sweep may back off further
        if (r.changed && watcherEvent) watchersProven = true;
        watcherEvent = false;
        pollMs = nextPollMs(pollMs, r.changed, watchersProven && watchers.length > 0);
        if (r.cache && r.cache !== 'loaded' && r.cache !== 'disabled' && r.cache !== 'missing') {
          connection.console.info(`usage index was ${r.cache}; rebuilt from the logs on disk (the history of logs the agents deleted is lost)`);
        }
        // what was skipped changes only with what was read
        if (r.changed || r.cache !== null) for (const m of index!.malformedFiles()) {
          if ((malformedReported.get(m.path) ?? 0) >= m.lines) continue;
          malformedReported.set(m.path, m.lines);
          connection.console.warn(`skipped ${m.lines} malformed line${m.lines === 1 ? '' : 's'} in ${shownPath(m.path)}${atLines(m.at, m.lines)} (not JSON, or usage fields of the wrong type); the rest of the file is counted`);
        }
        if (r.changed || r.cache !== null) for (const s of index!.skippedFiles()) {
          const key = `${s.reason}\0${s.path}`;
          if ((malformedReported.get(key) ?? 0) >= s.count) continue;
          malformedReported.set(key, s.count);
          connection.console.warn(`skipped ${s.count} ${SKIP_TEXT[s.reason]![s.count === 1 ? 0 : 1]} in ${shownPath(s.path)}${atLines(s.at, s.count)}; the rest of the file is counted`);
        }
        for (const p of r.stats.unreadable) {
          const line = `cannot read ${shownPath(p.path)}: ${p.reason}`;
          if (!reportedProblems.has(line)) { reportedProblems.add(line); connection.console.warn(line); }
        }
        // The poll runs every second: with nothing new on disk and the same day, the summary stands.
        const day = dayKeyer(engine.timezone)(Date.now());
        if (!r.changed && !summaryStale && day === summaryDay) return;
        publish(day);
      } catch (e) {
        logError(`usage refresh failed: ${(e as Error)?.stack ?? e}`);
      } finally {
        refreshing = undefined;
        if (again) { again = false; schedule(0); }
      }
    })();
    return refreshing;
  };

  /** Builds the summary and sends it when it says something new. */
  const publish = (day = dayKeyer(engine.timezone)(Date.now())) => {
    summaryStale = false;
    summaryDay = day;
    const summary = buildSummary();
    if (!summary.hasLogs && !saidNoLogs) {
      saidNoLogs = true;
      connection.console.info(`No coding-agent usage found. Looked in: ${summary.folders.map(f => `${f.agent} ${f.path}${f.exists ? '' : ' (missing)'}`).join('; ')}. Set ${Object.keys(engine.settings.agentDirs).map(k => `tokenomics.${k}`).join(' / ')} if your agents log elsewhere.`);
    }
    if (summary.hasLogs) saidNoLogs = false;
    const json = JSON.stringify({ ...summary, generatedAt: 0 });
    if (json !== lastSummaryJson) {
      lastSummaryJson = json;
      void sendNotification(connection, UsageChangedNotification, summary);
    }
  };

  // A change of budgets, prices or the time zone changes what the summary says, not what is on disk:
  // the summary is rebuilt (once for a burst), the logs are not walked for it.
  let publishTimer: NodeJS.Timeout | undefined;
  const republishSoon = () => {
    summaryStale = true;
    if (publishTimer) return;
    publishTimer = setTimeout(() => {
      publishTimer = undefined;
      // a refresh under way publishes when it ends (summaryStale)
      if (refreshing || !index) return;
      try { publish(); } catch (e) { logError(`usage summary failed: ${(e as Error)?.stack ?? e}`); }
    }, 250);
  };

  const weeklyRequests = (projectPath: string): number | undefined => {
    const records = index?.records() ?? [];
    // rebuilt after a refresh that changed something, and each minute as the 7-day window moves
    if (!perProject || Date.now() - perProject.at > 60_000) {
      const since = Date.now() - 7 * 86_400_000;
      const counts = new Map<string, number>();
      for (const r of records) if (r.timestamp >= since) counts.set(r.project, (counts.get(r.project) ?? 0) + 1);
      perProject = { at: Date.now(), counts };
    }
    let n = 0, any = false;
    for (const [project, c] of perProject.counts) {
      if (inside(project, [projectPath])) { n += c; any = true; }
    }
    return any ? n : undefined;
  };

  // For the prompt lens: who reads an instruction file, how often, and how much of it comes from cache.
  const weeklyUsage = (projectPath: string): WeeklyProjectUsage | undefined => {
    if (!perAgent || Date.now() - perAgent.at > 60_000) {
      const since = Date.now() - 7 * 86_400_000;
      perAgent = { at: Date.now(), rows: (index?.records() ?? []).filter(r => r.timestamp >= since).map(r => ({
        project: r.project, agent: r.agent, session: r.sessionId, input: r.usage.input, cacheRead: r.usage.cacheRead, cacheWrite: r.usage.cacheWrite5m + r.usage.cacheWrite1h })) };
    }
    const byAgent: WeeklyProjectUsage['byAgent'] = new Map();
    const sessions = new Map<string, Set<string>>();
    for (const r of perAgent.rows) {
      if (!inside(r.project, [projectPath])) continue;
      let a = byAgent.get(r.agent);
      if (!a) byAgent.set(r.agent, (a = { requests: 0, sessions: 0, input: 0, cacheRead: 0, cacheWrite: 0 }));
      a.requests++; a.input += r.input; a.cacheRead += r.cacheRead; a.cacheWrite += r.cacheWrite;
      let s = sessions.get(r.agent);
      if (!s) sessions.set(r.agent, (s = new Set()));
      s.add(r.session);
    }
    for (const [agent, a] of byAgent) a.sessions = sessions.get(agent)?.size ?? 0;
    return byAgent.size ? { byAgent } : undefined;
  };

  const buildSummary = (): UsageSummary => usageSummary({
    index, spend, roots, settings: engine.settings, catalog: engine.catalog, timezone: engine.timezone, folders: opts.workspace.folders,
  });

  let configuredDirs = '';
  engine.onSettingsChanged(() => {
    reportedProblems = new Set();
    const s = engine.settings;
    const dirs = JSON.stringify(s.agentDirs);
    // Budgets, time zone or prices only change what the summary says: the index stands.
    if (dirs !== configuredDirs || !index) { configuredDirs = dirs; configure(); }
    // a burst of changes rebuilds the summary once (a rebuild over a big index takes tens of ms)
    else republishSoon();
  });
  // Another folder may hold the session to warn about: the summary is rebuilt, the index stands.
  opts.workspace.onDidChange(() => { summaryStale = true; schedule(0); });
  onRequest0(connection, UsageRequest, async () => { engine.flushSettings(); await refresh(); return buildSummary(); });
  onRequest0(connection, AgentContextRequest, async () => {
    await refresh();
    const records = index?.records() ?? [];
    const a = spend.update(records, engine.catalog, {
      timezone: engine.timezone, weekStartsOn: engine.settings.weekStartsOn, preferProjects: opts.workspace.folders, changesSince: older => index?.changesSince(older) ?? null,
    }).summary.activeSession;
    const stream = a ? mainStream(records, a.agent, a.sessionId) : [];
    return stream[0] ? contextView(stream, defaultFactsCache.get(stream[0].file, stream[0].agent), engine.catalog, null) : null;
  });
  // `Tokenomics: Forget Usage History…`: what `tokenomics forget --before` does, on the engine's index
  onRequest(connection, ForgetHistoryRequest, z.object({ before: z.string().refine(isValidDate, 'expected a date (YYYY-MM-DD)') }), async p => {
    await refresh();
    const day = dayKeyer(engine.timezone);
    const dropped = index?.forget(r => day(r.timestamp) < p.before) ?? 0;
    if (dropped) { index?.save(); summaryStale = true; schedule(0); }
    return { dropped };
  });
  let poll: NodeJS.Timeout | undefined;
  const sweep = () => { poll = setTimeout(() => { schedule(0); sweep(); }, pollMs); poll.unref(); };
  sweep();
  opts.shutdown.add(() => {
    if (timer) clearTimeout(timer);
    if (poll) clearTimeout(poll);
    if (publishTimer) clearTimeout(publishTimer);
    for (const w of watchers) w.close();
    if (saveTimer) { clearTimeout(saveTimer); try { index?.save(); } catch { /* best effort on the way out */ } }
  });

  return {
    records: async () => { if (!index) configure(); await refresh(); return index?.records() ?? []; },
    weeklyRequests,
    weeklyUsage,
  };
}

/** What the spend meter's summary is built from: the engine's state (or a benchmark's, built the same way). */
export interface SummarySource {
  index: UsageIndex | undefined;
  /** Kept from one summary to the next: it brings itself up to date with the index's records. */
  spend: SpendState;
  roots: readonly AgentRoot[];
  settings: Settings;
  catalog: Catalog;
  timezone: string;
  /** Workspace folders: their session is preferred as the one the context warning watches. */
  folders: readonly string[];
  now?: number;
}

let quotaSpecs: { raw: unknown; quotas: QuotaSpec[] } | undefined;

/**
 * The summary the spend meter shows. What goes over the records (`SpendState`) costs what changed since
 * the last summary built with the same `spend`, not a pass over every request.
 */
export function usageSummary(src: SummarySource): UsageSummary {
  const { index, settings: s, catalog, timezone: tz, folders } = src;
  const now = src.now ?? Date.now();
  const records = index?.records() ?? [];
  const rateLimits = [...(index?.latestRateLimits().values() ?? [])].sort((a, b) => b.at - a.at)[0] ?? null;
  const v = src.spend.update(records, catalog, {
    timezone: tz, weekStartsOn: s.weekStartsOn, preferProjects: folders, rateLimits, now, changesSince: older => index?.changesSince(older) ?? null,
  });
  const sum = v.summary;
  // this week's spend of each valid quota: the rule the weekly summary uses too (`core/usage/quotas.ts`)
  if (quotaSpecs?.raw !== s.quotas) quotaSpecs = { raw: s.quotas, quotas: parseQuotas(s.quotas).quotas };
  const quotas: QuotaStatus[] = quotaSpecs.quotas.length
    ? quotaStatus(quotaSpecs.quotas, v.projectCosts).map(q => ({ name: q.name, weeklyUSD: q.weeklyUSD, spentUSD: q.spentUSD, share: q.share })) : [];
  const period = (label: string, startDate: string, b: SpendBreakdown): PeriodSpend => ({
    label, startDate, costUSD: b.totals.costUSD, requests: b.totals.requests, unpricedRequests: b.unpricedRequests,
    tokens: { input: b.totals.inputTokens, output: b.totals.outputTokens, cacheRead: b.totals.cacheReadTokens, cacheWrite: b.totals.cacheCreationTokens },
    cacheHitRatio: b.cacheHitRatio, basis: b.totals.basis,
    byAgent: b.byAgent.map(a => ({ agent: a.agent, costUSD: a.costUSD, requests: a.requests, basis: a.basis })),
    byModel: b.byModel.map(m => ({ model: m.model, costUSD: m.costUSD, requests: m.requests, basis: m.basis })),
  });
  const a = sum.activeSession;
  const model = a ? catalog.resolve(a.model) : null;
  const problems = index?.problems ?? [];
  return {
    generatedAt: now, timezone: tz,
    today: period('Today', sum.today, sum.todaySpend),
    week: period('This week', sum.weekStart, sum.weekSpend),
    budgets: { dailyUSD: s['budget.dailyUSD'], weeklyUSD: s['budget.weeklyUSD'], warnAtPercent: s['budget.warnAtPercent'] },
    rateLimits: sum.rateLimits ? {
      primary: rateWindow(sum.rateLimits.primary), secondary: rateWindow(sum.rateLimits.secondary),
      plan: sum.rateLimits.planType, at: sum.rateLimits.reportedAt,
    } : undefined,
    context: a ? {
      agent: a.agent, sessionId: a.sessionId, project: a.project, model: a.model, contextTokens: a.contextTokens,
      contextWindow: a.contextWindow, share: a.contextShare,
      nextTurnCachedUSD: requestCost(model, { ...ZERO_USAGE, cacheRead: a.contextTokens }),
      nextTurnUncachedUSD: inputCost(model, a.contextTokens),
      lastActivity: a.lastActive,
      inWorkspace: inside(a.project, folders),
      cacheWarmUntil: v.cacheWarmUntil ?? undefined,
    } : undefined,
    contextWarning: { percent: s['contextWarning.percent'], notifyPercent: s['contextWarning.notifyPercent'] },
    quotas,
    agentNames: agentNames(),
    folders: src.roots.map(r => ({ agent: r.agent, path: r.dir, exists: fs.existsSync(r.dir), setting: `tokenomics.${adapterOf(r.agent).logs.setting}` })),
    hasLogs: records.length > 0,
    skipped: { malformedLines: index?.stats().malformedLines ?? 0, unreadable: problems.map(p => shownPath(p.path)) },
    burn: v.burn.slice(0, 5),
  };
}

/** The index keeps epoch ms and nulls; the protocol speaks epoch seconds and leaves unknowns out. */
function rateWindow(w: RateLimitWindow | undefined): RateWindow | undefined {
  return w && { usedPercent: w.usedPercent, windowMinutes: w.windowMinutes ?? undefined, resetsAt: w.resetsAt ? w.resetsAt / 1000 : undefined };
}
