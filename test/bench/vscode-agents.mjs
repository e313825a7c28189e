#!/usr/bin/env node
// The agents inside VS Code: a tree with 500 Copilot sessions, 2,000 Cline tasks and a 50 MB
// OpenCode database, read by the usage index cold, warm (from its persisted index) and after one
// appended Copilot request. Targets (issue 11): cold ≤ 1.5 s, warm ≤ 150 ms, incremental ≤ 20 ms.
// The incremental number is the engine's whole path: the index refresh after the watcher names the
// journal, plus the spend meter's summary the client receives (`usageSummary` in src/server/usage.ts).
// Run alone with `node test/bench/vscode-agents.mjs`, or through the bench runner via `run(log)`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { median, rng } from './agents.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DATA = path.join(ROOT, 'test/bench/.data');
const TREE = path.join(DATA, 'vscode-tree');
const GEN_VERSION = 3;
const require = createRequire(import.meta.url);

const LOREM = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua '.repeat(400);
const line = o => JSON.stringify(o) + '\n';
const T0 = Date.UTC(2026, 10, 1);

function copilotSession(r, sid, n) {
  let out = line({ kind: 0, v: { version: 3, creationDate: T0, sessionId: sid, requests: [], pendingRequests: [], inputState: { inputText: '' } } });
  for (let i = 0; i < n; i++) {
    const ts = T0 + Math.floor(r() * 28 * 86400_000);
    out += line({ kind: 2, k: ['requests'], v: [{ requestId: `request_${sid}_${i}`, timestamp: ts, modelId: 'copilot/claude-sonnet-4.5', message: { text: LOREM.slice(0, 300), parts: [] }, response: [] }] });
    for (let p = 0; p < 3; p++) out += line({ kind: 2, k: ['requests', i, 'response'], v: [{ value: LOREM.slice(0, 800), supportThemeIcons: false }] });
    out += line({ kind: 1, k: ['requests', i, 'result'], v: { timings: { totalElapsed: 4000 }, metadata: { promptTokens: 8000 + Math.floor(r() * 30000), outputTokens: 100 + Math.floor(r() * 900), modelMessageId: `msg_${sid}_${i}` } } });
    out += line({ kind: 1, k: ['requests', i, 'modelState'], v: { value: 1, completedAt: ts + 4000 } });
  }
  return out;
}

function clineTask(r, id) {
  const rows = [{ ts: T0, type: 'say', say: 'task', text: 'do it' }];
  let ts = T0 + Math.floor(r() * 28 * 86400_000);
  for (let i = 0; i < 25; i++) {
    ts += 5000;
    rows.push({ ts, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: i ? 'continue' : '<task>do it</task>\n<environment_details>\n# Current Working Directory (/home/dev/p' + (id % 30) + ') Files\n</environment_details>', tokensIn: 50 + Math.floor(r() * 500), tokensOut: 100 + Math.floor(r() * 800), cacheWrites: Math.floor(r() * 2000), cacheReads: Math.floor(r() * 40000), cost: Math.round(r() * 1e4) / 1e6 }) });
    rows.push({ ts: ts + 100, type: 'say', say: 'text', text: LOREM.slice(0, 400) });
  }
  return rows;
}

/** Writes the tree once; returns what it holds. */
function generate(log) {
  const marker = path.join(TREE, `.complete-v${GEN_VERSION}`);
  if (fs.existsSync(marker)) return JSON.parse(fs.readFileSync(marker, 'utf8'));
  log(`generating ${TREE} (once)…`);
  fs.rmSync(TREE, { recursive: true, force: true });
  const r = rng(11);
  const user = path.join(TREE, 'User');
  for (let s = 0; s < 500; s++) {
    const dir = path.join(user, 'workspaceStorage', `ws${s % 50}`, 'chatSessions');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `sess-${s}.jsonl`), copilotSession(r, `sess-${s}`, 20));
  }
  for (let t = 0; t < 2000; t++) {
    const dir = path.join(user, 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', String(1790000000000 + t));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'ui_messages.json'), JSON.stringify(clineTask(r, t)));
    fs.writeFileSync(path.join(dir, 'api_conversation_history.json'), JSON.stringify([{ role: 'user', content: [{ type: 'text', text: LOREM.slice(0, 20000) }] }]));
  }
  const oc = path.join(TREE, 'opencode');
  fs.mkdirSync(oc, { recursive: true });
  const { Database } = require('node-sqlite3-wasm');
  const db = new Database(path.join(oc, 'opencode.db'));
  db.exec(`CREATE TABLE session (id TEXT PRIMARY KEY, parent_id TEXT, directory TEXT, version TEXT, time_created INTEGER, time_archived INTEGER);
    CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER, time_updated INTEGER, data TEXT);
    CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT, time_created INTEGER, data TEXT);`);
  db.exec('BEGIN');
  let messages = 0;
  for (let s = 0; s < 400; s++) {
    db.run('INSERT INTO session VALUES (?,?,?,?,?,?)', [`ses_${s}`, null, `/home/dev/oc${s % 20}`, '1.4.2', T0, null]);
    for (let m = 0; m < 50; m++, messages++) {
      const t = T0 + Math.floor(r() * 28 * 86400_000);
      const input = 100 + Math.floor(r() * 2000), output = 50 + Math.floor(r() * 900), reasoning = Math.floor(r() * 200), read = Math.floor(r() * 60000);
      const data = { role: 'assistant', time: { created: t, completed: t + 3000 }, modelID: 'claude-sonnet-4-5', providerID: 'anthropic', mode: 'build', path: { cwd: '/home/dev', root: '/home/dev' },
        cost: Math.round(r() * 1e4) / 1e6, tokens: { total: input + output + reasoning + read, input, output, reasoning, cache: { read, write: 0 } } };
      db.run('INSERT INTO message VALUES (?,?,?,?,?)', [`msg_${s}_${m}`, `ses_${s}`, t, t, JSON.stringify(data)]);
      db.run('INSERT INTO message VALUES (?,?,?,?,?)', [`msg_${s}_${m}_u`, `ses_${s}`, t - 1, t - 1, JSON.stringify({ role: 'user', time: { created: t - 1 } })]);
      db.run('INSERT INTO part VALUES (?,?,?,?,?)', [`prt_${s}_${m}`, `msg_${s}_${m}`, `ses_${s}`, t, JSON.stringify({ type: 'text', text: LOREM.slice(0, 1300) })]);
    }
  }
  db.exec('COMMIT');
  db.close();
  const info = { copilotSessions: 500, copilotRequests: 500 * 20, clineTasks: 2000, clineRequests: 2000 * 25, opencodeMessages: messages,
    opencodeDbMB: fs.statSync(path.join(oc, 'opencode.db')).size / 1e6 };
  fs.writeFileSync(marker, JSON.stringify(info));
  return info;
}


/** The engine's collection after heavy work (src/server/idleGc.ts): two full passes. */
function idleGc() {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  gc(); gc();
}

export async function run(log = console.log) {
  fs.mkdirSync(DATA, { recursive: true });
  const info = generate(log);
  log(`tree: ${info.copilotSessions} Copilot sessions (${info.copilotRequests} requests), ${info.clineTasks} Cline tasks (${info.clineRequests} requests), OpenCode db ${info.opencodeDbMB.toFixed(0)} MB (${info.opencodeMessages} messages)`);
  const indexJs = path.join(ROOT, 'out/src/core/usage/usageIndex.js');
  if (!fs.existsSync(indexJs)) { log('compiling out/ (tsc)…'); execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { stdio: 'inherit' }); }
  const { UsageIndex } = require(indexJs);
  const { agentRoots } = require(path.join(ROOT, 'out/src/core/agents/locations.js'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-home-'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-bench-cache-'));
  const user = path.join(TREE, 'User');
  const roots = agentRoots({ HOME: home }, { vscodeUserDirs: [user], clineDirs: [path.join(home, 'none')], opencodeDirs: [path.join(TREE, 'opencode')],
    kiloDirs: [path.join(home, 'none')], continueDirs: [path.join(home, 'none')], claudeDirs: [path.join(home, 'none')], codexDirs: [path.join(home, 'none')], geminiDirs: [path.join(home, 'none')] });
  const journal = path.join(user, 'workspaceStorage', 'ws0', 'chatSessions', 'sess-0.jsonl');
  const original = fs.readFileSync(journal);
  const clineTask = path.join(user, 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', '1790000000000', 'ui_messages.json');
  const clineOriginal = fs.readFileSync(clineTask);
  try {
    const cold = [], warm = [], incr = [], incrFull = [], incrCline = [];
    const engineIncr = [], engineFirst = [], summaryIncr = [], summaryFresh = [], engineResult = [], engineCline = [];
    const APPENDS = 5;
    let counted = 0, incrRead = 0, weekRequests = 0, todayRequests = 0;
    const { SpendState } = require(path.join(ROOT, 'out/src/core/usage/spend.js'));
    const { usageSummary } = require(path.join(ROOT, 'out/src/server/usage.js'));
    const { parseSettings } = require(path.join(ROOT, 'out/src/core/settings.js'));
    const { Catalog } = require(path.join(ROOT, 'out/src/core/catalog.js'));
    // the engine's settings with two quotas, the engine's catalog; "now" the last hour of the generated
    // four weeks (a Sunday), so this week holds ~20,000 of the requests and today ~3,000
    const { settings } = parseSettings({ quotas: [{ name: 'clients', projects: ['/home/dev/p1*'], weeklyUSD: 50 }, { name: 'oc', projects: ['/home/dev/oc*'], weeklyUSD: 80 }] });
    const catalog = new Catalog(undefined, settings.prices);
    const NOW = T0 + 28 * 86400_000 - 3600_000;
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(journal, original);
      const cacheFile = path.join(cacheDir, `index-${i}.bin`);
      let t = performance.now();
      const a = new UsageIndex({ roots, cacheFile });
      await a.refresh();
      a.columns();
      cold.push(performance.now() - t);
      if (i === 0) counted = a.stats().records;
      t = performance.now();
      const b = new UsageIndex({ roots, cacheFile });
      await b.refresh();
      b.columns();
      warm.push(performance.now() - t);
      // One more Copilot request, as the engine sees it (src/server/usage.ts): a live index built as the
      // engine builds it (saves batched apart, workers for big scans), brought up to date by a full sweep,
      // then the watcher names the journal that grew: refresh({ full: false, touched }) and records(),
      // which the spend meter's summary reads; columns() for the report on top.
      const live = new UsageIndex({ roots, cacheFile: null, autoSave: false, workers: true });
      await live.refresh({ full: true });
      live.records();
      live.columns();
      // the engine keeps one SpendState per index and has published a summary before the append
      const src = { index: live, spend: new SpendState(), roots, settings, catalog, timezone: 'UTC', folders: ['/home/dev/p3'], now: NOW };
      const first = usageSummary(src);
      weekRequests = first.week.requests; todayRequests = first.today.requests;
      // after a heavy refresh the engine collects once it has been idle a moment (src/server/idleGc.ts):
      // so does the bench, before the user's next request is appended
      idleGc();
      const more = (n, at, ts = NOW - 60_000 + n) => line({ kind: 2, k: ['requests'], v: [{ requestId: `request_more_${i}_${n}`, timestamp: ts, modelId: 'copilot/gpt-5', response: [] }] })
        + line({ kind: 1, k: ['requests', at, 'result'], v: { metadata: { promptTokens: 1000, outputTokens: 10, modelMessageId: `more_${i}_${n}` } } });
      // a few requests of a running session, one after the other (the first one right after the sweep)
      let after;
      for (let j = 0; j < APPENDS; j++) {
        fs.appendFileSync(journal, more(j, 20 + j));
        const reads = live.fileReads, before = live.records().length;
        t = performance.now();
        const r = await live.refresh({ full: false, touched: new Set([journal]) });
        const n = live.records().length;
        const t1 = performance.now();
        after = usageSummary(src);
        const t2 = performance.now();
        live.columns();
        const t3 = performance.now();
        incr.push(t1 - t + (t3 - t2));
        engineIncr.push(t2 - t);
        summaryIncr.push(t2 - t1);
        if (j === 0) engineFirst.push(t2 - t);
        incrRead = live.fileReads - reads;
        if (r.appendedFiles !== 1 || n !== before + 1) throw new Error(`incremental refresh: ${JSON.stringify({ ...r, stats: undefined })}, ${n} requests (expected 1 appended, ${before + 1}); before: ${before}`);
        if (after.today.requests !== todayRequests + 1 + j) throw new Error(`summary after the append: ${after.today.requests} requests today (expected ${todayRequests + 1 + j})`);
      }
      // the same summary built from scratch (a fresh SpendState: a pass over every request), for scale
      t = performance.now();
      const fresh = usageSummary({ ...src, spend: new SpendState() });
      summaryFresh.push(performance.now() - t);
      if (JSON.stringify(fresh) !== JSON.stringify(after)) throw new Error('the kept summary differs from one built from scratch');
      // Copilot writes a request first and its result when the turn ends: the result replaces the
      // request's row in place (its day's sums are built again, not added to)
      const m = live.records().length;
      fs.appendFileSync(journal, line({ kind: 2, k: ['requests'], v: [{ requestId: `request_late_${i}`, timestamp: NOW - 30_000, modelId: 'copilot/gpt-5', response: [] }] }));
      await live.refresh({ full: false, touched: new Set([journal]) });
      usageSummary(src);
      fs.appendFileSync(journal, line({ kind: 1, k: ['requests', 20 + APPENDS, 'result'], v: { metadata: { promptTokens: 3000, outputTokens: 30, modelMessageId: `late_${i}` } } }));
      t = performance.now();
      const rr = await live.refresh({ full: false, touched: new Set([journal]) });
      const late = usageSummary(src);
      engineResult.push(performance.now() - t);
      if (rr.appendedFiles !== 1 || live.records().length !== m + 1 || late.today.tokens.input !== after.today.tokens.input + 3000) {
        throw new Error(`the late result: ${JSON.stringify({ ...rr, stats: undefined })}, ${live.records().length} requests (expected ${m + 1}), today's input ${late.today.tokens.input} (expected ${after.today.tokens.input + 3000})`);
      }
      // one more Cline request: Cline writes its task's ui_messages.json whole again
      const rows = JSON.parse(clineOriginal.toString('utf8'));
      rows.push({ ts: T0 + 1000 + i, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: 'more', tokensIn: 10, tokensOut: 20, cacheWrites: 0, cacheReads: 500, cost: 0.001 }) });
      fs.writeFileSync(clineTask, JSON.stringify(rows));
      t = performance.now();
      const rc = await live.refresh({ full: false, touched: new Set([clineTask]) });
      const nc = live.records().length;
      live.columns();
      incrCline.push(performance.now() - t);
      t = performance.now();
      usageSummary(src);
      engineCline.push(incrCline.at(-1) + performance.now() - t);
      if (rc.rereadFiles !== 1 || nc !== m + 2) throw new Error(`Cline rewrite: ${JSON.stringify({ ...rc, stats: undefined })}, ${nc} requests (expected ${m + 2})`);
      fs.writeFileSync(clineTask, clineOriginal);
      // the same append found by a full sweep (no watcher named it): every folder listed, every log stat-ed
      fs.appendFileSync(journal, more(APPENDS, 21 + APPENDS));
      t = performance.now();
      await live.refresh({ full: true });
      live.records();
      live.columns();
      incrFull.push(performance.now() - t);
    }
    // baseline in the same process, for a busy machine: list the tree and read every log's bytes once, no parsing
    const { findLogFiles } = require(path.join(ROOT, 'out/src/core/agents/locations.js'));
    const base = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      for (const f of findLogFiles(roots).files) fs.readFileSync(f.path);
      base.push(performance.now() - t);
    }
    const b = median(base);
    log(`requests counted: ${counted} (generated ${info.copilotRequests + info.clineRequests + info.opencodeMessages})`);
    log(`baseline (walk + read every log's bytes, no parsing): ${b.toFixed(0)} ms`);
    log(`cold refresh: ${median(cold).toFixed(0)} ms = ${(median(cold) / b).toFixed(2)}x baseline (target ≤ 1500 ms)`);
    log(`warm refresh from the persisted index: ${median(warm).toFixed(0)} ms = ${(median(warm) / b).toFixed(2)}x baseline (target ≤ 150 ms)`);
    log(`incremental after one appended Copilot request, the engine's path (refresh with the watcher's hint + the spend meter's summary, usageSummary; ${incrRead} file read): ${median(engineIncr).toFixed(1)} ms = ${(median(engineIncr) / b).toFixed(3)}x baseline (target ≤ 20 ms)`);
    log(`  of which the summary (this week ${weekRequests} requests, today ${todayRequests}, of ${counted}): ${median(summaryIncr).toFixed(2)} ms; the same summary from scratch (a pass over every request): ${median(summaryFresh).toFixed(1)} ms`);
    log(`  the index alone (refresh with the hint + records() + columns()): ${median(incr).toFixed(1)} ms; the first append after the full sweep, the engine's path: ${median(engineFirst).toFixed(1)} ms`);
    log(`  Copilot's result arriving after its request (the row replaced in place), the engine's path: ${median(engineResult).toFixed(1)} ms`);
    log(`  one more Cline request (its ui_messages.json written whole again): index ${median(incrCline).toFixed(1)} ms, engine's path ${median(engineCline).toFixed(1)} ms`);
    log(`  the same append found by a full sweep (no hint), index only: ${median(incrFull).toFixed(1)} ms`);
    if (process.env.BENCH_VERBOSE) log(JSON.stringify({ engineIncr, engineFirst, summaryIncr, incr, engineResult }, (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v)));
    log(`  load: ${os.loadavg().map(l => l.toFixed(2)).join(' ')}`);
  } finally {
    fs.writeFileSync(journal, original);
    fs.writeFileSync(clineTask, clineOriginal);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
