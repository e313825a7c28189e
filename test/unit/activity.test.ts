import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { ACTIVITY_VERSION, ActivityCache, diffLines, FileActivity, isCommit, isTestRun, mergeActivity, readActivity } from '../../src/core/activity';
import { patchStats } from '../../src/core/agents/codex';

const FIX = path.resolve(__dirname, '../../../test/fixtures/week');
const EDITS = path.join(FIX, 'claude/projects/-home-dev-shop/11111111-aaaa-4000-8000-000000000001.jsonl');
const IDLE = path.join(FIX, 'claude/projects/-home-dev-lab/22222222-bbbb-4000-8000-000000000002.jsonl');
const CODEX = path.join(FIX, 'codex/sessions/2026/05/06/rollout-2026-05-06T10-00-00-33333333-cccc-4000-8000-000000000003.jsonl');

test('diffLines counts added and removed lines around a common prefix and suffix', () => {
  assert.deepEqual(diffLines('x = 1', 'x = 2\ny = 3'), { added: 2, removed: 1 });
  assert.deepEqual(diffLines('a\nb\nc', 'a\nB\nc'), { added: 1, removed: 1 });
  assert.deepEqual(diffLines('', 'l1\nl2\nl3\n'), { added: 3, removed: 0 });
  assert.deepEqual(diffLines('gone\n', ''), { added: 0, removed: 1 });
});

test('commands: commits and test runners', () => {
  for (const c of ["git commit -m 'x'", 'git -C repo commit -am x', 'npm test && git commit -m y']) assert.ok(isCommit(c), c);
  for (const c of ['git log', 'git commit-tree', 'echo git']) assert.ok(!isCommit(c), c);
  for (const c of ['npm test', 'npm run test -- --watch=false', 'pnpm test', 'pytest -q', 'python -m pytest', 'go test ./...', 'cargo test', 'npx vitest run', 'jest', 'node --test out/']) assert.ok(isTestRun(c), c);
  for (const c of ['npm run build', 'ls tests', 'cat test.txt']) assert.ok(!isTestRun(c), c);
});

test('patchStats reads apply_patch bodies', () => {
  const s = patchStats('*** Begin Patch\n*** Update File: a.ts\n@@\n-x\n+y\n+z\n*** Add File: b.ts\n+new\n*** End Patch');
  assert.deepEqual(s, { files: ['a.ts', 'b.ts'], added: 3, removed: 1 });
});

test('a Claude Code session with edits: files, lines, commits, tests, reads, big results, retry loops', () => {
  const a = readActivity(EDITS, 'claude-code');
  assert.equal(a.sessionId, '11111111-aaaa-4000-8000-000000000001');
  const s = mergeActivity([a]);
  assert.deepEqual(s.filesChanged, ['/home/dev/shop/src/a.ts', '/home/dev/shop/src/b.ts']);
  assert.equal(s.linesAdded, 2 + 3 + 1);
  assert.equal(s.linesRemoved, 1 + 0 + 1);
  assert.equal(s.linesChanged, 8);
  assert.equal(s.commits, 1);
  assert.equal(s.testRuns, 1);
  assert.deepEqual(s.repeatedReads, [{ path: '/home/dev/shop/src/big.ts', count: 3, tokens: 3000 }]);
  assert.equal(s.bigResults.length, 1);
  assert.equal(s.bigResults[0]!.tokens, 10000);
  assert.equal(s.bigResults[0]!.detail, 'npm run build');
  assert.deepEqual(s.retryLoops, [{ command: 'npm run lint', failures: 3, tokens: 3 * (10 + 3) }]);
});

test('a session with no edits produced nothing', () => {
  const s = mergeActivity([readActivity(IDLE, 'claude-code')]);
  assert.equal(s.linesChanged, 0);
  assert.equal(s.filesChanged.length, 0);
  assert.equal(s.commits + s.testRuns, 0);
  assert.equal(s.repeatedReads.length, 0);
});

test('Codex: apply_patch through the shell and a failing test run', () => {
  const a = readActivity(CODEX, 'codex');
  assert.equal(a.sessionId, '33333333-cccc-4000-8000-000000000003');
  const s = mergeActivity([a]);
  assert.deepEqual(s.filesChanged, ['src/c.ts']);
  assert.equal(s.linesAdded, 2);
  assert.equal(s.linesRemoved, 1);
  assert.equal(s.testRuns, 1);
});

test('a resumed copy of a transcript counts each tool call once', () => {
  const a = readActivity(EDITS, 'claude-code');
  const s = mergeActivity([a, a]);
  assert.equal(s.linesChanged, 8);
  assert.equal(s.commits, 1);
});

test('malformed lines are counted, a half-written last line is not, and nothing throws', () => {
  const dir = tempDir('tkx-act-');
  const f = path.join(dir, 's.jsonl');
  fs.writeFileSync(f, '{"type":"assistant","message":{"content":[{"type":"tool_use"\n' + fs.readFileSync(EDITS, 'utf8') + '{"type":"user","message":{"content":[{"type":"tool_result"');
  const a = readActivity(f, 'claude-code');
  assert.equal(a.malformedLines, 1);
  assert.equal(mergeActivity([a]).linesChanged, 8);
  assert.equal(readActivity(path.join(dir, 'missing.jsonl'), 'claude-code').edits.length, 0);
});

test('ActivityCache re-reads only changed files and persists across instances', async () => {
  const dir = tempDir('tkx-actc-');
  const f = path.join(dir, 's.jsonl');
  fs.copyFileSync(EDITS, f);
  const cacheFile = path.join(dir, 'cache', 'activity.json');
  const c1 = new ActivityCache(cacheFile);
  c1.get(f, 'claude-code'); c1.get(f, 'claude-code');
  assert.equal(c1.reads, 1);
  assert.equal(await c1.fileTokens(path.join(dir, 'nope.md'), async () => 1), null);
  fs.writeFileSync(path.join(dir, 'CLAUDE.md'), 'hello world');
  let counted = 0;
  assert.equal(await c1.fileTokens(path.join(dir, 'CLAUDE.md'), async t => { counted++; return t.length; }), 11);
  assert.ok(c1.save());
  const c2 = new ActivityCache(cacheFile);
  assert.equal(mergeActivity([c2.get(f, 'claude-code')]).linesChanged, 8);
  assert.equal(c2.reads, 0, 'served from the persisted cache');
  assert.equal(await c2.fileTokens(path.join(dir, 'CLAUDE.md'), async t => { counted++; return t.length; }), 11);
  assert.equal(counted, 1);
  fs.appendFileSync(f, '\n');
  c2.get(f, 'claude-code');
  assert.equal(c2.reads, 1, 'a changed file is read again');
  fs.writeFileSync(cacheFile, '{corrupt');
  const c3 = new ActivityCache(cacheFile);
  assert.equal(mergeActivity([c3.get(f, 'claude-code')]).linesChanged, 8);
});

test('ActivityCache forgets deleted transcripts when it saves', () => {
  const dir = tempDir('tkx-actd-');
  const keep = path.join(dir, 'keep.jsonl'), gone = path.join(dir, 'gone.jsonl');
  fs.copyFileSync(EDITS, keep);
  fs.copyFileSync(EDITS, gone);
  const cacheFile = path.join(dir, 'activity.json');
  const c1 = new ActivityCache(cacheFile);
  c1.get(keep, 'claude-code'); c1.get(gone, 'claude-code');
  assert.ok(c1.save());
  fs.unlinkSync(gone);
  fs.appendFileSync(keep, '\n');
  c1.get(keep, 'claude-code');
  assert.ok(c1.save());
  const saved = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { files: [string, unknown][] };
  assert.deepEqual(saved.files.map(([f]) => path.basename(f)), ['keep.jsonl']);
});

test('an appended transcript is read from where the last read stopped, a half-written line waits for its newline', () => {
  const dir = tempDir('tkx-acta-');
  const f = path.join(dir, 's.jsonl');
  const lines = fs.readFileSync(EDITS, 'utf8').split('\n');
  const cut = lines.findIndex(l => l.includes('"npm run build"'));
  fs.writeFileSync(f, lines.slice(0, cut).join('\n') + '\n');
  const cache = new ActivityCache(null);
  const first = mergeActivity([cache.get(f, 'claude-code')]);
  assert.equal(first.linesChanged, 8);
  assert.equal(first.bigResults.length, 0);
  const rest = lines.slice(cut).join('\n');
  const half = Math.floor(rest.length / 2);
  fs.appendFileSync(f, rest.slice(0, half));
  const mid = mergeActivity([cache.get(f, 'claude-code')]);
  assert.equal(mid.linesChanged, 8);
  fs.appendFileSync(f, rest.slice(half));
  const all = mergeActivity([cache.get(f, 'claude-code')]);
  assert.deepEqual(all, mergeActivity([readActivity(EDITS, 'claude-code')]));
  assert.equal(all.bigResults.length, 1);
  assert.equal(all.retryLoops.length, 1);
  assert.equal(mergeActivity([cache.get(f, 'claude-code')]).linesChanged, 8, 'first read stays unchanged when returned again');
});

test('each fact keeps when it happened; mergeActivity with a range counts only what happened inside it', () => {
  const a = readActivity(EDITS, 'claude-code');
  assert.ok(a.edits.every(e => e.t >= Date.UTC(2026, 4, 4) && e.t < Date.UTC(2026, 4, 5)), 'edits are timed from their lines');
  assert.equal(a.commitTimes.length, a.commits.length);
  assert.equal(a.testRunTimes.length, a.testRuns.length);
  const day = { startMs: Date.UTC(2026, 4, 4), endMs: Date.UTC(2026, 4, 5) };
  assert.deepEqual(mergeActivity([a], day), mergeActivity([a]));
  const before = mergeActivity([a], { startMs: Date.UTC(2026, 3, 27), endMs: Date.UTC(2026, 4, 4) });
  assert.deepEqual(before, { filesChanged: [], linesAdded: 0, linesRemoved: 0, linesChanged: 0, commits: 0, testRuns: 0, repeatedReads: [], bigResults: [], retryLoops: [] });
});

test('mergeActivity by range: reads and failures must repeat inside the range; unknown times count everywhere', () => {
  const T = (h: number) => Date.UTC(2026, 4, 10, h);
  const part = (over: Partial<FileActivity>): FileActivity => ({
    agent: 'claude-code', sessionId: 's', edits: [], commits: [], commitTimes: [], testRuns: [], testRunTimes: [], toolCalls: 0,
    reads: [], bigResults: [], failures: [], malformedLines: 0, ...over,
  });
  const p = part({
    edits: [{ id: 'e1', file: 'a', added: 1, removed: 0, t: T(1) }, { id: 'e2', file: 'b', added: 2, removed: 0, t: T(30) }, { id: 'e3', file: 'c', added: 4, removed: 0, t: 0 }],
    commits: ['c1', 'c2'], commitTimes: [T(1), T(30)],
    reads: [{ key: 'r', times: [T(1), T(2), T(30), T(31), T(32)], tokens: [10, 10, 20, 20, 20] }],
    failures: [{ key: 'npm run lint', times: [T(1), T(2), T(3), T(30)], tokens: [5, 5, 5, 5] }],
    bigResults: [{ tool: 'Bash', tokens: 9000, detail: 'x', timestamp: T(30) }],
  });
  const first = { startMs: T(0), endMs: T(24) }, second = { startMs: T(24), endMs: T(48) };
  const a = mergeActivity([p], first), b = mergeActivity([p], second);
  assert.deepEqual([a.filesChanged, a.linesAdded, a.commits], [['a', 'c'], 5, 1]);
  assert.deepEqual([b.filesChanged, b.linesAdded, b.commits], [['b', 'c'], 6, 1]);
  assert.deepEqual(a.repeatedReads, [{ path: 'r', count: 2, tokens: 20 }]);
  assert.deepEqual(b.repeatedReads, [{ path: 'r', count: 3, tokens: 60 }]);
  assert.deepEqual(a.retryLoops, [{ command: 'npm run lint', failures: 3, tokens: 15 }]);
  assert.deepEqual(b.retryLoops, []);
  assert.deepEqual([a.bigResults.length, b.bigResults.length], [0, 1]);
  // a resumed copy holding the same calls counts them once
  assert.deepEqual(mergeActivity([p, p], second), b);
});

test('a cache of an older format is rebuilt', () => {
  const dir = tempDir('tkx-actv-');
  const f = path.join(dir, 's.jsonl');
  fs.copyFileSync(EDITS, f);
  const st = fs.statSync(f);
  const cacheFile = path.join(dir, 'activity.json');
  const stale = { agent: 'claude-code', sessionId: 'x', edits: [{ id: 'e', file: 'z', added: 99, removed: 0 }], commits: [], testRuns: [], toolCalls: 0, repeatedReads: [], bigResults: [], retryLoops: [], malformedLines: 0 };
  fs.writeFileSync(cacheFile, JSON.stringify({ version: ACTIVITY_VERSION - 1, files: [[f, { size: st.size, mtimeMs: st.mtimeMs, facts: stale }]] }));
  const c = new ActivityCache(cacheFile);
  assert.equal(mergeActivity([c.get(f, 'claude-code')]).linesChanged, 8);
  assert.equal(c.reads, 1);
});

test('a persisted activity cache is validated entry by entry: "edits": null is dropped and its file read again, not a crash', () => {
  const dir = tempDir('tkx-actz-');
  const f = path.join(dir, 's.jsonl'), g = path.join(dir, 't.jsonl');
  fs.copyFileSync(EDITS, f);
  fs.copyFileSync(EDITS, g);
  const cacheFile = path.join(dir, 'activity.json');
  const c1 = new ActivityCache(cacheFile);
  c1.get(f, 'claude-code'); c1.get(g, 'claude-code');
  assert.ok(c1.save());
  const saved = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { files: [string, { facts: Record<string, unknown> }][] };
  saved.files[0]![1].facts.edits = null;          // the entry of f is broken
  saved.files[1]![1].facts.agent = 'retired-agent'; // and g's names an agent no adapter reads
  fs.writeFileSync(cacheFile, JSON.stringify(saved));
  const c2 = new ActivityCache(cacheFile);
  assert.equal(mergeActivity([c2.get(f, 'claude-code')]).linesChanged, 8);
  assert.equal(mergeActivity([c2.get(g, 'claude-code')]).linesChanged, 8);
  assert.equal(c2.reads, 2, 'both read again from their transcripts');
  assert.ok(c2.save());
  const c3 = new ActivityCache(cacheFile);
  c3.get(f, 'claude-code');
  assert.equal(c3.reads, 0, 'the repaired entries were saved');
});
