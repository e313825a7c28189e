// Hostile and unlucky logs (issue 14), at the index: counts no API reports, times no log can have, a
// line too large to decode, a log rewritten in place, temp files a killed writer left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import type { AgentRoot } from '../../src/core/agents/locations';
import { bundledCatalog } from '../../src/core/catalog';
import { buildReportFromColumns } from '../../src/core/usage/report';
import { UsageIndex } from '../../src/core/usage/usageIndex';

function tmp(): { projects: string; roots: AgentRoot[]; cache: string } {
  const dir = tempDir('tkx-hostile-');
  const projects = path.join(dir, 'claude/projects/-p');
  fs.mkdirSync(projects, { recursive: true });
  return { projects, roots: [{ agent: 'claude-code', dir: path.join(dir, 'claude'), explicit: true }], cache: path.join(dir, 'cache/index.bin') };
}
let n = 0;
/** A Claude Code assistant line (the shape claudeCode.ts reads). */
function line(p: { input?: number; output?: number; at?: string } = {}): string {
  const id = `m${++n}`;
  return JSON.stringify({ type: 'assistant', sessionId: 's', cwd: '/p', timestamp: p.at ?? '2026-05-04T09:00:00.000Z', requestId: `r-${id}`,
    message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: p.input ?? 1, output_tokens: p.output ?? 10 } } }) + '\n';
}
const report = (i: UsageIndex) => buildReportFromColumns(i.columns(), bundledCatalog(), { timezone: 'UTC' });

test('implausible counts are skipped with their line numbers; cold and warm reports agree (5e9 was stored as 32 bits)', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, line({ input: 1000 }) + line({ input: 1e308 }) + line({ output: 5e9 }) + line({ input: 100_000_000, output: 20 }));
  const cold = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  const r = await cold.refresh();
  assert.equal(r.stats.records, 2);
  assert.deepEqual(r.stats.skipped, { implausible: 2 });
  assert.deepEqual(cold.skippedFiles().map(s => [path.basename(s.path), s.reason, s.count, s.at]), [['a.jsonl', 'implausible', 2, [2, 3]]]);
  const a = report(cold);
  assert.ok(Number.isFinite(a.totals.costUSD));
  assert.equal(a.totals.inputTokens, 100_001_000, 'exactly 100,000,000 is still plausible, and stored exactly');
  const warm = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  assert.equal((await warm.refresh()).cache, 'loaded');
  assert.deepEqual(report(warm), a);
  assert.deepEqual(warm.skippedFiles(), cold.skippedFiles(), 'what was skipped is remembered with the index');
});

test('requests stamped in the future (beyond tomorrow) or before 2000 are skipped as out-of-range-time', async () => {
  const t = tmp();
  const tomorrowish = new Date(Date.now() + 20 * 3_600_000).toISOString();
  fs.writeFileSync(path.join(t.projects, 'a.jsonl'), line({ at: '2099-01-01T00:00:00Z' }) + line({ at: '1969-12-31T23:00:00Z' }) + line({ at: tomorrowish }) + line());
  const idx = new UsageIndex({ roots: t.roots, cacheFile: null });
  const r = await idx.refresh();
  assert.equal(r.stats.records, 2, 'a clock a few hours ahead is fine');
  assert.deepEqual(r.stats.skipped, { 'out-of-range-time': 2 });
  assert.deepEqual(idx.skippedFiles()[0]!.at, [1, 2]);
});

test('a line too large to decode is skipped as too-large; the lines around it are counted', { timeout: 120_000 }, async () => {
  const t = tmp();
  const f = path.join(t.projects, 'big.jsonl');
  // streamed: 65 MB of one line holding the needle, between two good lines
  const fd = fs.openSync(f, 'w');
  fs.writeSync(fd, line({ output: 1 }));
  fs.writeSync(fd, '{"type":"assistant","message":{"usage":{"input_tokens":1},"content":"');
  const chunk = Buffer.alloc(1 << 20, 'x');
  for (let i = 0; i < 65; i++) fs.writeSync(fd, chunk);
  fs.writeSync(fd, '"}}\n');
  fs.writeSync(fd, line({ output: 2 }));
  fs.closeSync(fd);
  const idx = new UsageIndex({ roots: t.roots, cacheFile: null });
  const r = await idx.refresh();
  assert.equal(r.stats.files, 1, 'the file is not dropped');
  assert.equal(r.stats.records, 2);
  assert.equal(report(idx).totals.outputTokens, 3);
  assert.deepEqual(idx.skippedFiles().map(s => [s.reason, s.count, s.at]), [['too-large', 1, [2]]]);
  fs.rmSync(f);
});

test('a log rewritten in place on the same inode (copytruncate) is read again from the start, not as an append', async () => {
  const t = tmp();
  const f = path.join(t.projects, 'a.jsonl');
  fs.writeFileSync(f, line({ input: 25_000 }));
  const idx = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  await idx.refresh();
  const ino = fs.statSync(f).ino;
  // same inode, new content that is longer than what was read
  const fd = fs.openSync(f, 'r+');
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, line({ input: 40_000 }) + line({ input: 5_000 }), 0);
  fs.closeSync(fd);
  assert.equal(fs.statSync(f).ino, ino);
  const r = await idx.refresh();
  assert.equal(r.rereadFiles, 1);
  assert.equal(report(idx).totals.inputTokens, 45_000, 'was 25,000 + whatever the old offset cut');
  // a real append is still an append
  fs.appendFileSync(f, line({ input: 1 }));
  assert.equal((await idx.refresh()).appendedFiles, 1);
  // and a process that loaded the index knows the fingerprint too
  idx.save();
  const fd2 = fs.openSync(f, 'r+');
  fs.writeSync(fd2, line({ input: 30_000 }), 0); // overwrite the first line's bytes, same length class
  fs.closeSync(fd2);
  const loaded = new UsageIndex({ roots: t.roots, cacheFile: t.cache });
  const r2 = await loaded.refresh();
  assert.equal(r2.rereadFiles, 1);
});

test('temp files a killed writer left beside the index are removed on start; a fresh one is left alone', async () => {
  const t = tmp();
  fs.mkdirSync(path.dirname(t.cache), { recursive: true });
  const stale = `${t.cache}.4242.abc.tmp`, fresh = `${t.cache}.4243.def.tmp`;
  fs.writeFileSync(stale, 'x'); fs.writeFileSync(fresh, 'y');
  const old = new Date(Date.now() - 3_600_000);
  fs.utimesSync(stale, old, old);
  await new UsageIndex({ roots: t.roots, cacheFile: t.cache }).refresh();
  assert.equal(fs.existsSync(stale), false);
  assert.equal(fs.existsSync(fresh), true, 'another writer may still be at work');
});

test('malformed lines are reported with their line numbers', async () => {
  const t = tmp();
  fs.writeFileSync(path.join(t.projects, 'a.jsonl'), line() + '{"type":"assistant","message":{"usage":{"input_tokens":"lots"}},"timestamp":"x"}\n' + line() + '{not json "usage"\n');
  const idx = new UsageIndex({ roots: t.roots, cacheFile: null });
  await idx.refresh();
  assert.deepEqual(idx.malformedFiles().map(m => [m.lines, m.at]), [[2, [2, 4]]]);
});

test('Gemini\'s .project_root as a FIFO or a link to /dev/zero neither hangs nor fills the memory', { timeout: 60_000 }, async () => {
  const dir = tempDir('tkx-gemroot-');
  const mk = (hash: string) => {
    const chats = path.join(dir, 'tmp', hash, 'chats');
    fs.mkdirSync(chats, { recursive: true });
    fs.writeFileSync(path.join(chats, `session-${hash}.jsonl`), `${JSON.stringify({ sessionId: hash, startTime: '2026-05-04T10:00:00Z' })}\n${JSON.stringify({ id: 'a', type: 'gemini', timestamp: '2026-05-04T10:00:01Z', model: 'gemini-2.5-pro', tokens: { input: 100, output: 10 } })}\n`);
    return path.join(dir, 'tmp', hash, '.project_root');
  };
  fs.symlinkSync('/dev/zero', mk('zero'));
  let fifo = false;
  try { execFileSync('mkfifo', [mk('fifo')]); fifo = true; } catch { /* no mkfifo: the /dev/zero case still runs */ }
  fs.writeFileSync(mk('plain'), '/home/dev/real\n');
  const idx = new UsageIndex({ roots: [{ agent: 'gemini', dir, explicit: true }], cacheFile: null });
  await idx.refresh();
  const projects = idx.records().map(r => r.project).sort();
  assert.deepEqual(projects, ['/home/dev/real', ...(fifo ? ['fifo'] : []), 'zero'].sort(), 'a side file that is not a small regular file is ignored: the hash names the project');
});

test('a log that cannot be read is reported on every refresh but not read again until it changes', async () => {
  const dir = tempDir('tkx-fail-');
  const chats = path.join(dir, 'tmp', 'h', 'chats');
  fs.mkdirSync(chats, { recursive: true });
  const f = path.join(chats, 'session-big.json');
  fs.writeFileSync(f, '');
  fs.truncateSync(f, 300 * 1024 * 1024); // sparse: a whole-file log over the 256 MB cap, no disk used
  const idx = new UsageIndex({ roots: [{ agent: 'gemini', dir, explicit: true }], cacheFile: null });
  for (let i = 0; i < 3; i++) {
    const r = await idx.refresh();
    assert.deepEqual(r.stats.unreadable.map(p => [path.basename(p.path), p.reason]), [['session-big.json', 'too large']], `refresh ${i}`);
  }
  assert.equal(idx.fileReads, 1, 'tried once, not once a refresh');
  fs.truncateSync(f, 10);
  fs.writeFileSync(f, '{"messages":[]}');
  const r = await idx.refresh();
  assert.deepEqual(r.stats.unreadable, []);
  assert.equal(idx.fileReads, 2, 'read again once it changed');
});

test('agents travel with the columns: a warm report over Gemini and Codex only names each agent right', async () => {
  const fx = path.resolve(__dirname, '../../../test/fixtures/agent-logs');
  const cache = path.join(tempDir('tkx-agents-'), 'index.bin');
  // Gemini first: its rows come first in the snapshot, and the adapters' list would call index 0 Claude Code
  const roots: AgentRoot[] = [{ agent: 'gemini', dir: path.join(fx, 'gemini'), explicit: true }, { agent: 'codex', dir: path.join(fx, 'codex'), explicit: true }];
  const cold = new UsageIndex({ roots, cacheFile: cache });
  await cold.refresh();
  const warm = new UsageIndex({ roots, cacheFile: cache });
  assert.equal((await warm.refresh()).cache, 'loaded');
  const names = (i: UsageIndex) => report(i).agents.map(a => [a.agent, a.requests]).sort();
  assert.deepEqual(names(cold), [['codex', 7], ['gemini', 3]]);
  assert.deepEqual(names(warm), names(cold));
  assert.deepEqual(report(warm).sessions.map(s => s.agent).sort(), report(cold).sessions.map(s => s.agent).sort());
});

// Side files the readers open by name (Copilot's workspace.json, Cline's task metadata, history head and
// SDK write-back, a CLI session's <id>.json, VS Code's settings.json) were read with readFileSync or a
// blocking open: a FIFO in their place hung the scan. Now each goes through readSmallFile (regular files
// only, opened non-blocking, capped): a FIFO counts as the file being absent. Run as a child process so
// a hang is a failed run (killed at the timeout), not a frozen test file.
test('FIFOs in place of the side files of Copilot and Cline logs: the report equals the one without those files', () => {
  const A = path.resolve(__dirname, '../../../test/fixtures/agent-logs');
  const cli = path.resolve(__dirname, '../../src/cli/cli.js');
  const side = ['copilot/User/workspaceStorage/77aa00/workspace.json', 'copilot/User/settings.json',
    'cline/User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000001/task_metadata.json',
    'cline/User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000001/api_conversation_history.json',
    'cline/User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000003/sdk_writeback.json',
    'cline/dot-cline/data/sessions/1795100000003/1795100000003.json'];
  const tree = (fifo: boolean) => {
    const d = tempDir('tkx-side-fifo-');
    for (const a of ['copilot', 'cline']) fs.cpSync(path.join(A, a), path.join(d, a), { recursive: true });
    for (const f of side) { fs.rmSync(path.join(d, f), { force: true }); if (fifo) execFileSync('mkfifo', [path.join(d, f)]); }
    return d;
  };
  const run = (d: string) => {
    const none = path.join(d, 'none');
    fs.mkdirSync(none, { recursive: true });
    const r = spawnSync(process.execPath, [cli, 'report', '--json', '--no-cache', '--vscode-user-dir', path.join(d, 'copilot/User'), '--vscode-user-dir', path.join(d, 'cline/User'),
      '--cline-dir', path.join(d, 'cline/dot-cline'), ...['--claude-dir', '--codex-dir', '--gemini-dir', '--opencode-dir', '--kilo-dir', '--continue-dir'].flatMap(f => [f, none])],
    { env: { PATH: process.env.PATH, HOME: none, TZ: 'UTC' }, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.error, undefined, 'the report ended by itself (no hang on a FIFO)');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).agents;
  };
  const withFifos = run(tree(true));
  assert.ok(withFifos.some((a: { agent: string }) => a.agent === 'cline') && withFifos.some((a: { agent: string }) => a.agent === 'copilot'), JSON.stringify(withFifos));
  assert.deepEqual(withFifos, run(tree(false)));
});
