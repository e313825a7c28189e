// The spend meter's numbers kept as the records change (`SpendState`): after any sequence of appends,
// in-place replacements, deletions, rebuilds in another order, clock moves across days and weeks,
// time-zone, week-start, folder, price and rate-limit changes, a kept state must say exactly what a
// fresh one says over the same list, and both what a plain pass over every record says (the rule the
// meter had before: `breakdown` over the week's records, `projectCosts`, `burnRates`, `mainStream`);
// and the usage index must name every position it changed (`changesSince`), which the engine's state trusts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { agentRoots } from '../../src/core/agents/locations';
import type { Basis } from '../../src/core/agents/adapter';
import { basisOf } from '../../src/core/agents/index';
import type { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog, Catalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { burnRates, cacheWarmUntil, mainStream } from '../../src/core/leaks/live';
import { dayKeyer, weekRange, WeekStartsOn } from '../../src/core/time';
import { projectCosts } from '../../src/core/usage/quotas';
import { recordCost } from '../../src/core/usage/recordCost';
import { inside, SpendBreakdown, SpendState, SpendView, SummaryOptions } from '../../src/core/usage/spend';
import { Accumulator, accOf, byCost, totalsRows } from '../../src/core/usage/totals';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { tempDir } from './tempDirs';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}

const T0 = Date.parse('2026-11-26T13:00:00Z'); // a Thursday
const AGENTS = ['claude-code', 'codex', 'copilot', 'cline', 'continue'] as const;
const MODELS = ['claude-sonnet-4-5', 'gpt-5', 'copilot/gpt-5', 'copilot/claude-sonnet-4.5', 'no-such-model'];
const PROJECTS = ['/w/app', '/w/app/sub', '/w/other', 'C:\\w\\app', '/w/apple'];

function record(r: () => number, n: number, now: number): UsageRecord {
  const agent = AGENTS[Math.floor(r() * AGENTS.length)]!;
  const session = `s${Math.floor(r() * 8)}`;
  const sub = agent === 'claude-code' && r() < 0.25;
  // mostly this week and the last hours, some older, a few stamped in the future (a skewed clock)
  const roll = r();
  const ts = Math.round(roll < 0.3 ? now - r() * 3_600_000 * 2 : roll < 0.85 ? now - r() * 9 * 86_400_000 : roll < 0.95 ? now - r() * 40 * 86_400_000 : now + r() * 7_200_000);
  const w5 = r() < 0.5 ? Math.floor(r() * 5000) : 0, w1 = r() < 0.3 ? Math.floor(r() * 5000) : 0;
  const rec: UsageRecord = {
    agent, sessionId: session, project: PROJECTS[Math.floor(r() * PROJECTS.length)]!, model: MODELS[Math.floor(r() * MODELS.length)]!, timestamp: ts,
    usage: { input: Math.floor(r() * 20_000), output: Math.floor(r() * 2000), cacheRead: Math.floor(r() * 80_000), cacheWrite5m: w5, cacheWrite1h: w1 },
    contextTokens: Math.floor(r() * 150_000),
    file: sub ? `/logs/${agent}/${session}/subagents/agent-${n % 3}.jsonl` : `/logs/${agent}/${session}${r() < 0.2 ? '-b' : ''}.jsonl`,
    key: `k${n}`, rank: 0,
  };
  if (agent === 'codex' && r() < 0.3) rec.rateLimits = { primary: { usedPercent: Math.floor(r() * 100), windowMinutes: 300, resetsAt: ts + 3_600_000 } };
  if (agent === 'cline' && r() < 0.6) rec.cost = Math.round(r() * 1e5) / 1e6;
  if (agent === 'cline' && r() < 0.1) rec.aggregate = true;
  if (agent === 'copilot') rec.basis = (r() < 0.7 ? 'lower-bound' : 'exact') satisfies Basis;
  if (agent === 'claude-code' && r() < 0.1) rec.webSearches = 1 + Math.floor(r() * 3);
  return rec;
}

/** The same request, as a better copy of it reads: more tokens, sometimes another time or file. */
function better(r: () => number, old: UsageRecord): UsageRecord {
  const u = old.usage;
  const copy: UsageRecord = { ...old, usage: { ...u, input: u.input + Math.floor(r() * 3000), output: u.output + Math.floor(r() * 300) } };
  if (r() < 0.3) copy.timestamp = old.timestamp + Math.round((r() - 0.5) * 3 * 86_400_000);
  if (r() < 0.2) copy.file = `/logs/${old.agent}/${old.sessionId}-copy.jsonl`;
  if (r() < 0.2) copy.basis = 'exact';
  if (r() < 0.05) copy.sessionId = `${old.sessionId}-resumed`;
  return copy;
}

// ---- the reference: one plain pass over every record, as the meter computed it before -------------

function breakdown(records: readonly UsageRecord[], cost: (r: UsageRecord) => number | null): SpendBreakdown {
  const total = new Accumulator();
  const agents = new Map<string, Accumulator>(), models = new Map<string, Accumulator>();
  for (const r of records) {
    const c = cost(r), b = basisOf(r), request = !r.aggregate;
    total.add(r.usage, c, b, request);
    accOf(agents, r.agent).add(r.usage, c, b, request);
    accOf(models, r.model).add(r.usage, c, b, request);
  }
  const read = total.promptTokens;
  return {
    totals: total.totals(), unpricedRequests: total.unpriced, basis: total.basis,
    byAgent: totalsRows(agents, 'agent').sort(byCost) as SpendBreakdown['byAgent'], byModel: totalsRows(models, 'model').sort(byCost),
    cacheHitRatio: read > 0 ? total.cacheRead / read : null,
  };
}

function reference(records: readonly UsageRecord[], catalog: Catalog, opts: SummaryOptions & { now: number }) {
  const now = opts.now, day = dayKeyer(opts.timezone), today = day(now);
  const week = weekRange(now, opts.timezone, opts.weekStartsOn ?? 'monday', now);
  const cost = (r: UsageRecord) => recordCost(r, catalog);
  const weeks = records.filter(r => r.timestamp >= week.startMs && r.timestamp < week.endMs);
  let limits: UsageRecord | null = null, latest: UsageRecord | null = null, latestPreferred: UsageRecord | null = null;
  const prefer = opts.preferProjects ?? [];
  for (const r of records) {
    if (r.rateLimits && (!limits || r.timestamp > limits.timestamp)) limits = r;
    if (/[\\/]subagents[\\/]/.test(r.file)) continue;
    if (!latest || r.timestamp > latest.timestamp) latest = r;
    if (prefer.length && inside(r.project, prefer) && (!latestPreferred || r.timestamp > latestPreferred.timestamp)) latestPreferred = r;
  }
  const preferred = latestPreferred && latest && latest.timestamp - latestPreferred.timestamp <= 6 * 3_600_000 ? latestPreferred : null;
  const candidate = preferred ?? latest;
  const active = candidate && now - candidate.timestamp <= 12 * 3_600_000 ? candidate : null;
  return {
    today, weekStart: week.weekStart, todaySpend: breakdown(weeks.filter(r => day(r.timestamp) === today), cost), weekSpend: breakdown(weeks, cost),
    rateLimits: opts.rateLimits && (!limits || opts.rateLimits.at >= limits.timestamp) ? { ...opts.rateLimits.limits, reportedAt: opts.rateLimits.at }
      : limits?.rateLimits ? { ...limits.rateLimits, reportedAt: limits.timestamp } : null,
    active: active && { key: active.key, cost: cost(active) },
    projectCosts: projectCosts(records, r => requestCost(catalog.resolve(r.model), r.usage), week),
    burn: burnRates(records, catalog, now),
    warm: active ? cacheWarmUntil(mainStream(records, active.agent, active.sessionId), now) : null,
  };
}

/** Sums agree with the plain pass up to float rounding (they are added in another order); the rest exactly. */
function assertLikeReference(v: SpendView, ref: ReturnType<typeof reference>, list: readonly UsageRecord[], what: string): void {
  const s = v.summary;
  const close = (a: number, b: number, m: string) => assert.ok(Math.abs(a - b) <= 2e-6, `${what}: ${m}: ${a} vs ${b}`);
  const same = (a: SpendBreakdown, b: SpendBreakdown, m: string) => {
    assert.deepEqual({ ...a.totals, costUSD: 0 }, { ...b.totals, costUSD: 0 }, `${what}: ${m} totals`);
    close(a.totals.costUSD, b.totals.costUSD, `${m} cost`);
    assert.equal(a.unpricedRequests, b.unpricedRequests);
    assert.equal(a.cacheHitRatio, b.cacheHitRatio);
    const rows = (x: SpendBreakdown) => [...x.byAgent.map(r => ['a', r.agent, r.requests, r.inputTokens, r.basis] as const), ...x.byModel.map(r => ['m', r.model, r.requests, r.inputTokens, r.basis] as const)].map(String).sort();
    assert.deepEqual(rows(a), rows(b), `${what}: ${m} rows`);
    for (const r of a.byModel) close(r.costUSD, b.byModel.find(x => x.model === r.model)!.costUSD, `${m} ${r.model}`);
  };
  assert.equal(s.today, ref.today);
  assert.equal(s.weekStart, ref.weekStart);
  same(s.todaySpend, ref.todaySpend, 'today');
  same(s.weekSpend, ref.weekSpend, 'week');
  assert.deepEqual(s.rateLimits, ref.rateLimits, `${what}: rate limits`);
  const active = s.activeSession && list.find(r => r.agent === s.activeSession!.agent && r.sessionId === s.activeSession!.sessionId && r.timestamp === s.activeSession!.lastActive && r.contextTokens === s.activeSession!.contextTokens);
  assert.equal(active?.key ?? null, ref.active?.key ?? null, `${what}: active session`);
  assert.equal(s.activeSession?.lastRequestCostUSD ?? null, ref.active?.cost ?? null);
  assert.deepEqual([...v.projectCosts.keys()].sort(), [...ref.projectCosts.keys()].sort(), `${what}: quota projects`);
  for (const [p, c] of v.projectCosts) close(c, ref.projectCosts.get(p)!, `quota cost of ${p}`);
  assert.deepEqual(v.burn, ref.burn, `${what}: burn rates`);
  assert.equal(v.cacheWarmUntil, ref.warm, `${what}: cache warm until`);
}

test('a kept spend state says exactly what a fresh one says, and what a pass over every record says, through a seeded series of changes', () => {
  const catalogs = [bundledCatalog(), new Catalog(undefined, { 'claude-sonnet-4-5': { input: 7, output: 20 } })];
  const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe'];
  const starts: WeekStartsOn[] = ['monday', 'sunday', 'saturday'];
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rng(seed);
    const state = new SpendState();
    let n = 0, now = T0 + Math.floor(r() * 7) * 86_400_000;
    let list: UsageRecord[] = Array.from({ length: 300 }, () => record(r, n++, now));
    let catalog = catalogs[0]!, timezone = 'UTC', weekStartsOn: WeekStartsOn = 'monday', preferProjects: string[] = [];
    let rateLimits: SummaryOptions['rateLimits'] = null;
    for (let step = 0; step < 150; step++) {
      const op = r();
      let what: string;
      if (op < 0.35) { what = 'append'; list = [...list, ...Array.from({ length: 1 + Math.floor(r() * 3) }, () => record(r, n++, now))]; }
      else if (op < 0.55 && list.length) { what = 'replace'; list = list.slice(); const i = Math.floor(r() * list.length); list[i] = better(r, list[i]!); }
      else if (op < 0.62 && list.length) { what = 'replace the newest'; list = list.slice(); const i = list.length - 1; list[i] = better(r, list[i]!); }
      else if (op < 0.7 && list.length) { what = 'delete'; list = list.slice(); list.splice(Math.floor(r() * list.length), 1 + Math.floor(r() * 3)); }
      else if (op < 0.74) { what = 'rebuild in another order'; list = list.map(x => [r(), x] as const).sort((a, b) => a[0] - b[0]).map(x => x[1]); }
      else if (op < 0.84) { what = 'clock moves'; now += Math.floor(r() * (r() < 0.5 ? 3 * 3_600_000 : 3 * 86_400_000)); }
      else if (op < 0.87) { what = 'time zone'; timezone = zones[Math.floor(r() * zones.length)]!; }
      else if (op < 0.89) { what = 'week start'; weekStartsOn = starts[Math.floor(r() * starts.length)]!; }
      else if (op < 0.92) { what = 'folders'; preferProjects = r() < 0.3 ? [] : [PROJECTS[Math.floor(r() * PROJECTS.length)]!]; }
      else if (op < 0.94) { what = 'prices'; catalog = catalogs[Math.floor(r() * catalogs.length)]!; }
      else if (op < 0.96) { what = 'plan limits'; rateLimits = r() < 0.5 ? null : { at: now - Math.floor(r() * 86_400_000), limits: { primary: { usedPercent: 42, windowMinutes: 300, resetsAt: now } } }; }
      else { what = 'nothing'; }
      const opts = { timezone, weekStartsOn, preferProjects, rateLimits, now };
      const kept = state.update(list, catalog, opts);
      const fresh = new SpendState().update(list, catalog, opts);
      const label = `seed ${seed} step ${step} (${what})`;
      assert.deepEqual(kept, fresh, label);
      assertLikeReference(kept, reference(list, catalog, opts), list, label);
    }
  }
});

test('a kept spend state follows a request replaced in place, a request removed, other prices and a new day', () => {
  const catalog = bundledCatalog();
  const now = T0;
  const rec = (key: string, ts: number, input: number, extra: Partial<UsageRecord> = {}): UsageRecord => ({
    agent: 'claude-code', sessionId: 'a', project: '/w/app', model: 'claude-sonnet-4-5', timestamp: ts,
    usage: { input, output: 10, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: input, file: '/logs/a.jsonl', key, rank: 0, ...extra,
  });
  const state = new SpendState();
  const opts = { timezone: 'UTC', now };
  let list = [rec('1', now - 3_600_000, 100), rec('2', now - 60_000, 200)];
  assert.equal(state.update(list, catalog, opts).summary.todaySpend.totals.inputTokens, 300);
  // the newest request's result arrives: a better copy takes its place (same length, same position)
  list = [list[0]!, rec('2', now - 60_000, 5000)];
  let s = state.update(list, catalog, opts).summary;
  assert.equal(s.todaySpend.totals.inputTokens, 5100, 'the replaced request is counted with its new tokens');
  assert.equal(s.activeSession?.contextTokens, 5000);
  // the same request moved to yesterday: today's sums lose it, the week's keep it
  list = [list[0]!, rec('2', now - 86_400_000, 5000)];
  s = state.update(list, catalog, opts).summary;
  assert.equal(s.todaySpend.totals.inputTokens, 100);
  assert.equal(s.weekSpend.totals.inputTokens, 5100);
  // a request removed (the index built its list again without it)
  list = [list[1]!];
  s = state.update(list, catalog, opts).summary;
  assert.equal(s.todaySpend.totals.requests, 0);
  assert.equal(s.weekSpend.totals.requests, 1);
  // other prices for the same records
  const before = s.weekSpend.totals.costUSD;
  const dearer = state.update(list, new Catalog(undefined, { 'claude-sonnet-4-5': { input: 300 } }), opts).summary.weekSpend.totals.costUSD;
  assert.ok(dearer > before * 10, `${dearer} vs ${before}`);
  // the next day: today starts empty, the week still holds both days
  list = [...list, rec('3', now + 86_400_000, 7)];
  s = state.update(list, catalog, { timezone: 'UTC', now: now + 86_400_000 + 60_000 }).summary;
  assert.equal(s.today, '2026-11-27');
  assert.equal(s.todaySpend.totals.inputTokens, 7);
  assert.equal(s.weekSpend.totals.inputTokens, 5007);
  // a new week: last week's requests leave the week's sums
  s = state.update(list, catalog, { timezone: 'UTC', now: now + 5 * 86_400_000 }).summary;
  assert.equal(s.weekStart, '2026-11-30');
  assert.equal(s.weekSpend.totals.requests, 0);
});

test('the usage index names every position it changed since a list it handed out, and a state kept on those names equals a fresh one', async () => {
  // Copilot's chat journal as VS Code appends to it (copilotJournal.ts): a request pushed with its
  // result, a result raised later (the index writes the better copy in place), a compaction back to
  // one state line; each step followed by the engine's watcher-named refresh
  const l = (o: unknown) => JSON.stringify(o) + '\n';
  const T = Date.parse('2026-11-26T09:00:00Z');
  const dir = tempDir('tk-spend-state-');
  const user = path.join(dir, 'User');
  const chats = path.join(user, 'workspaceStorage', 'h', 'chatSessions');
  fs.mkdirSync(chats, { recursive: true });
  const r = rng(7);
  const sessions = ['s1', 's2', 's3'];
  const state = new Map<string, number[]>(sessions.map(s => [s, [1000]]));
  const request = (sid: string, i: number, prompt: number) =>
    ({ requestId: `${sid}-r${i}`, timestamp: T + i * 60_000, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: prompt, outputTokens: 10, modelMessageId: `${sid}-m${i}` } } });
  const stateLine = (sid: string) => l({ kind: 0, v: { sessionId: sid, creationDate: T, requests: state.get(sid)!.map((p, i) => request(sid, i, p)) } });
  for (const sid of sessions) fs.writeFileSync(path.join(chats, `${sid}.jsonl`), stateLine(sid));
  const roots = agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] }).filter(x => String(x.agent) === 'copilot');
  const index = new UsageIndex({ roots, cacheFile: null, autoSave: false });
  await index.refresh({ full: true });
  const catalog = bundledCatalog();
  const kept = new SpendState();
  let list = index.records();
  let told = 0;
  for (let step = 0; step < 80; step++) {
    const sid = sessions[Math.floor(r() * sessions.length)]!, journal = path.join(chats, `${sid}.jsonl`), reqs = state.get(sid)!;
    const op = r();
    if (op < 0.5) {
      reqs.push(500 + Math.floor(r() * 5000));
      const i = reqs.length - 1;
      fs.appendFileSync(journal, l({ kind: 2, k: ['requests'], v: [{ requestId: `${sid}-r${i}`, timestamp: T + i * 60_000, modelId: 'copilot/gpt-5', response: [] }] })
        + l({ kind: 1, k: ['requests', i, 'result'], v: request(sid, i, reqs[i]!).result }));
    } else if (op < 0.9) {
      const i = Math.floor(r() * reqs.length);
      reqs[i] = reqs[i]! + 700;
      fs.appendFileSync(journal, l({ kind: 1, k: ['requests', i, 'result'], v: request(sid, i, reqs[i]!).result }));
    } else {
      fs.writeFileSync(journal, stateLine(sid));
    }
    await index.refresh({ full: false, touched: new Set([journal]) });
    const next = index.records();
    const changes = index.changesSince(list);
    if (changes) {
      told++;
      assert.ok(next.length >= list.length, `step ${step}: a list that only grows`);
      const named = new Set(changes);
      for (let i = 0; i < list.length; i++) if (next[i] !== list[i]) assert.ok(named.has(i), `step ${step}: position ${i} changed unnamed`);
    }
    const opts = { timezone: 'UTC', now: T + 3 * 3_600_000, changesSince: (o: readonly UsageRecord[]) => index.changesSince(o) };
    assert.deepEqual(kept.update(next, catalog, opts), new SpendState().update(next, catalog, { ...opts, changesSince: undefined }), `step ${step}`);
    list = next;
  }
  assert.ok(told > 40, `the index named the changes on most steps (${told} of 80)`);
});
