// A seeded random walk over what Copilot does to its files, each step followed by the engine's
// watcher-named refresh: whatever the index patched must equal what a fresh index builds from the
// same files (requests, bases and column rows). Shapes as VS Code and Copilot write them: journal
// appends (new requests, a result raised or lowered later), compactions back to one state line, a
// copy of a session in the empty-window store (the same requests, ranked after the workspace's),
// legacy whole-file sessions rewritten, debug-log calls that cover a session (copilotJournal.ts,
// copilot.ts, copilotDebugLog.ts). Bounded work: 120 steps over a handful of files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentRoots } from '../../src/core/agents/locations';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { COLUMNS_PER_ROW, UsageColumns } from '../../src/core/usage/columns';
import { tempDir } from './tempDirs';

const l = (o: unknown) => JSON.stringify(o) + '\n';
const T = 1795000000000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

function rowsOf(c: UsageColumns): string[] {
  const out: string[] = [];
  for (let j = 0; j < c.rows.length; j++) {
    const r = c.rows[j]!, k = r * COLUMNS_PER_ROW;
    const ints = Array.from({ length: COLUMNS_PER_ROW }, (_, x) => c.ints[k + x]!);
    out.push(JSON.stringify([c.agentIds[c.agents[r]!], c.times[r], ints.slice(0, 6), c.strings[ints[6]!], c.strings[ints[7]!], c.strings[ints[8]!], ints[9]]));
  }
  return out.sort();
}
const view = (ix: UsageIndex) => ix.records().map(r => `${r.key} ${r.basis} ${r.file} ${r.usage.input}/${r.usage.cacheRead}/${r.usage.output}`).sort();

for (const seed of [1, 2, 3]) {
  test(`incremental fuzz (seed ${seed}): every watcher-named refresh equals a fresh index`, async () => {
    const rand = rng(seed);
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)]!;
    const dir = tempDir('tk-incr-fuzz-');
    const user = path.join(dir, 'User');
    const chats = path.join(user, 'workspaceStorage', 'h', 'chatSessions');
    const empty = path.join(user, 'globalStorage', 'emptyWindowChatSessions');
    const logs = path.join(user, 'workspaceStorage', 'h', 'GitHub.copilot-chat', 'debug-logs');
    for (const d of [chats, empty, logs]) fs.mkdirSync(d, { recursive: true });
    const sessions = ['s1', 's2', 's3'];
    // what each journal holds: requests with their last usage, to write compactions and copies from
    const state = new Map<string, { prompt: number; out: number }[]>();
    const request = (sid: string, i: number, u: { prompt: number; out: number }) =>
      ({ requestId: `${sid}-r${i}`, timestamp: T + i * 1000, modelId: 'copilot/gpt-5', result: { metadata: { promptTokens: u.prompt, outputTokens: u.out, modelMessageId: `${sid}-m${i}` } } });
    const stateLine = (sid: string) => l({ kind: 0, v: { sessionId: sid, creationDate: T, requests: state.get(sid)!.map((u, i) => request(sid, i, u)) } });
    for (const sid of sessions) { state.set(sid, [{ prompt: 1000, out: 10 }]); fs.writeFileSync(path.join(chats, `${sid}.jsonl`), stateLine(sid)); }
    const roots = agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] }).filter(r => String(r.agent) === 'copilot');
    const live = new UsageIndex({ roots, cacheFile: null, autoSave: false });
    await live.refresh({ full: true });
    live.records();
    live.columns();
    let spans = 0;
    const legacyCount: Record<string, number> = {};
    for (let step = 0; step < 120; step++) {
      const sid = pick(sessions), journal = path.join(chats, `${sid}.jsonl`);
      const reqs = state.get(sid)!;
      const touched: string[] = [];
      const op = pick(['push', 'push', 'raise', 'lower', 'compact', 'copy', 'legacy', 'debug']);
      if (op === 'push') {
        const u = { prompt: 500 + Math.floor(rand() * 5000), out: 1 + Math.floor(rand() * 100) };
        reqs.push(u);
        fs.appendFileSync(journal, l({ kind: 2, k: ['requests'], v: [{ requestId: `${sid}-r${reqs.length - 1}`, timestamp: T, modelId: 'copilot/gpt-5', response: [] }] })
          + l({ kind: 1, k: ['requests', reqs.length - 1, 'result'], v: request(sid, reqs.length - 1, u).result }));
        touched.push(journal);
      } else if (op === 'raise' || op === 'lower') {
        const i = Math.floor(rand() * reqs.length);
        reqs[i] = { prompt: Math.max(1, reqs[i]!.prompt + (op === 'raise' ? 700 : -300)), out: reqs[i]!.out };
        fs.appendFileSync(journal, l({ kind: 1, k: ['requests', i, 'result'], v: request(sid, i, reqs[i]!).result }));
        touched.push(journal);
      } else if (op === 'compact') {
        fs.writeFileSync(journal, stateLine(sid)); // VS Code rewrites the journal as one state line, in place
        touched.push(journal);
      } else if (op === 'copy') {
        const copy = path.join(empty, `${sid}.jsonl`); // the empty-window original of the session
        fs.writeFileSync(copy, stateLine(sid));
        touched.push(copy);
      } else if (op === 'legacy') {
        const legacy = path.join(chats, `old-${sid}.json`);
        // never fewer requests: what a rewrite drops stays counted (retainOnReread), which a fresh index cannot know
        const n = legacyCount[sid] = Math.max(legacyCount[sid] ?? 0, 1 + Math.floor(rand() * 3));
        fs.writeFileSync(legacy, JSON.stringify({ version: 3, sessionId: `old-${sid}`, creationDate: T, requests: Array.from({ length: n }, (_, i) => request(`old-${sid}`, i, { prompt: 100 * (i + 1) + Math.floor(rand() * 50), out: 3 })) }));
        touched.push(legacy);
      } else {
        const log = path.join(logs, sid, 'main.jsonl');
        fs.mkdirSync(path.dirname(log), { recursive: true });
        fs.appendFileSync(log, l({ ts: T + 10, dur: 5, sid, type: 'llm_request', name: 'chat:gpt-5', spanId: `sp${spans++}`, status: 'ok', attrs: { model: 'gpt-5', inputTokens: 2000 + Math.floor(rand() * 1000), outputTokens: 20, cachedTokens: Math.floor(rand() * 1500) } }));
        touched.push(log);
      }
      // sometimes a watcher names more than it has to, or a path that is no log
      if (rand() < 0.2) touched.push(path.join(chats, 'notes.txt'));
      await live.refresh({ full: false, touched: new Set(touched) });
      if (rand() < 0.3) continue; // several changes between looks
      const fresh = new UsageIndex({ roots, cacheFile: null });
      fresh.refreshSync();
      assert.deepEqual(view(live), view(fresh), `step ${step} (${op} ${sid}): requests`);
      assert.deepEqual(rowsOf(live.columns()), rowsOf(fresh.columns()), `step ${step} (${op} ${sid}): rows`);
    }
  });
}
