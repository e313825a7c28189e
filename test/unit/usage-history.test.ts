// History that survives the agents' own cleanup (issue 10): Claude Code deletes transcripts after
// cleanupPeriodDays (30 by default), Codex compresses and archives. What was counted stays counted
// until `tokenomics forget` drops it; a corrupt index is rebuilt from the logs that remain, and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-history-'));
  const projects = path.join(dir, 'claude/projects/-home-dev-shop');
  fs.mkdirSync(projects, { recursive: true });
  const line = (id: string, ts: string, out: number) => JSON.stringify({ type: 'assistant', cwd: '/home/dev/shop', sessionId: id, timestamp: ts, requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, cache_read_input_tokens: 100, output_tokens: out } } }) + '\n';
  fs.writeFileSync(path.join(projects, 'old.jsonl'), line('old', '2026-04-01T10:00:00.000Z', 50));
  fs.writeFileSync(path.join(projects, 'new.jsonl'), line('new', '2026-05-10T10:00:00.000Z', 7));
  const io = (): CliIO & { out: string; err: string } => {
    const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
      readStdin: async () => '', env: { HOME: dir, XDG_CACHE_HOME: path.join(dir, 'cache'), TZ: 'UTC' }, cwd: dir };
    return o;
  };
  const report = async () => { const o = io(); assert.equal(await main(['report', '--json', '--claude-dir', 'claude', '--codex-dir', 'none', '--gemini-dir', 'none'], o), 0, o.err); return { ...JSON.parse(o.out), err: o.err }; };
  fs.mkdirSync(path.join(dir, 'none'));
  return { dir, projects, io, report };
}

test('history: a transcript the agent deleted still counts on its day; forget --before drops it on purpose', async () => {
  const t = setup();
  try {
    const before = await t.report();
    assert.deepEqual(before.days.map((d: { date: string; outputTokens: number }) => [d.date, d.outputTokens]), [['2026-04-01', 50], ['2026-05-10', 7]]);
    fs.unlinkSync(path.join(t.projects, 'old.jsonl')); // cleanupPeriodDays
    const after = await t.report();
    assert.deepEqual(after.days, before.days, 'last month does not change when the agent cleans up');
    const o = t.io();
    assert.equal(await main(['forget', '--before', '2026-05-01', '--claude-dir', 'claude', '--codex-dir', 'none', '--gemini-dir', 'none'], o), 0, o.err);
    assert.match(o.out, /dropped 1 request\(s\) before 2026-05-01/);
    const forgotten = await t.report();
    assert.deepEqual(forgotten.days.map((d: { date: string }) => d.date), ['2026-05-10'], 'logs still on disk stay counted');
    const bad = t.io();
    assert.equal(await main(['forget', '--before', 'May 1st', '--claude-dir', 'claude'], bad), 2);
  } finally {
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
});

test('history: a corrupt index is rebuilt from the logs that remain, and says so', async () => {
  const t = setup();
  try {
    await t.report();
    const cacheDir = path.join(t.dir, 'cache/tokenomics');
    const file = path.join(cacheDir, fs.readdirSync(cacheDir).find(f => f.startsWith('usage-index-'))!);
    const buf = fs.readFileSync(file);
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 0xff;
    fs.writeFileSync(file, buf);
    const r = await t.report();
    assert.match(r.err, /was corrupt; rebuilt from the logs on disk/);
    assert.equal(r.totals.requests, 2);
  } finally {
    fs.rmSync(t.dir, { recursive: true, force: true });
  }
});
