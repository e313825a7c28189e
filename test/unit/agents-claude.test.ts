import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claudeCodeReader } from '../../src/core/agents/claudeCode';
import { scanLines } from '../../src/core/agents/lineScanner';
import { UsageRecord } from '../../src/core/agents/records';
import { bundledCatalog } from '../../src/core/catalog';
import { requestCost } from '../../src/core/cost';
import { readFixtures, sum } from './agents-fixtures';
import { rng } from './helpers';

test('claude: one record per message.id, the largest copy, across resumed files and sub-agents', async () => {
  const { records, result } = await readFixtures('claude-code');
  // m1 (3 lines + a verbatim copy in the resumed s2), m2, m3, m4 (s2), m5 (sub-agent); synthetic and broken lines excluded
  assert.deepEqual(records.map(r => r.key), ['c:msg_m1', 'c:msg_m2', 'c:msg_m3', 'c:msg_m5', 'c:msg_m4']);
  assert.deepEqual(sum(records), { requests: 5, input: 21, output: 320, cacheRead: 14000, cacheWrite5m: 1500, cacheWrite1h: 500 });
  const m1 = records[0]!;
  assert.equal(m1.usage.output, 150, 'the streaming partial (output 2) must lose to the complete line');
  assert.equal(m1.sessionId, 's1');
  assert.equal(m1.project, '/home/dev/shop');
  assert.equal(m1.model, 'claude-sonnet-4-5-20250929');
  assert.equal(m1.contextTokens, 3 + 2000 + 1000);
  assert.equal(m1.timestamp, Date.parse('2026-05-04T09:00:00.000Z'));
  // the original file wins ties over the resumed copy (sorted path order, same size)
  assert.ok(m1.file.endsWith('s1.jsonl'));
  assert.equal(result.stats.malformedLines, 2, 'a cut-off line and a line with a non-numeric count');
  assert.equal(result.stats.files, 3);
});

test('claude: cache writes without a breakdown are 5-minute writes; with one, 1-hour writes are kept apart', async () => {
  const { records } = await readFixtures('claude-code');
  const m2 = records.find(r => r.key === 'c:msg_m2')!;
  const m3 = records.find(r => r.key === 'c:msg_m3')!;
  assert.deepEqual(m2.usage, { input: 5, output: 80, cacheRead: 3000, cacheWrite5m: 400, cacheWrite1h: 0 });
  assert.deepEqual(m3.usage, { input: 1, output: 20, cacheRead: 4000, cacheWrite5m: 100, cacheWrite1h: 500 });
  // by hand, sonnet 4.5 at $3 / $15 / $0.30 read / $3.75 5m / $6 1h per M
  const cost = requestCost(bundledCatalog().resolve(m3.model), m3.usage)!;
  assert.ok(Math.abs(cost - (1 * 3 + 20 * 15 + 4000 * 0.3 + 100 * 3.75 + 500 * 6) / 1e6) < 1e-12);
});

test('claude: "usage" inside a tool result and <synthetic> zero lines are not requests', () => {
  const out: UsageRecord[] = [];
  const state = claudeCodeReader.initState('/x/projects/-p/s.jsonl');
  const user = JSON.stringify({ type: 'user', timestamp: '2026-05-04T09:00:00Z', message: { role: 'user', content: 'x' }, toolUseResult: { usage: { input_tokens: 5 } } });
  assert.equal(claudeCodeReader.line(state, user, 0, 'f', r => out.push(r)), 'ignored');
  const synth = JSON.stringify({ type: 'assistant', timestamp: '2026-05-04T09:00:00Z', message: { model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 } } });
  assert.equal(claudeCodeReader.line(state, synth, 0, 'f', r => out.push(r)), 'ignored');
  assert.equal(claudeCodeReader.line(state, '{"type":"assistant","usage"', 0, 'f', r => out.push(r)), 'malformed');
  assert.equal(out.length, 0);
});

test('claude: a line without ids counts once per line (nothing says two such lines are one request)', () => {
  const out: UsageRecord[] = [];
  const state = claudeCodeReader.initState('/x/projects/-p/s.jsonl');
  const line = JSON.stringify({ type: 'assistant', timestamp: '2026-05-04T09:00:00Z', message: { model: 'm', usage: { input_tokens: 1, output_tokens: 2 } } });
  claudeCodeReader.line(state, line, 10, 'f', r => out.push(r));
  claudeCodeReader.line(state, line, 99, 'f', r => out.push(r));
  assert.notEqual(out[0]!.key, out[1]!.key);
  assert.equal(out[0]!.project, '-p', 'without cwd, the project folder name stands in');
});

test('line scanner: lines longer than the buffer are skipped unless they match, and a split needle is found', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-scan-'));
  const file = path.join(dir, 'a.jsonl');
  const big = 'x'.repeat(1000);
  const lines = [
    `{"type":"file-history-snapshot","c":"${big}"}`,
    `{"a":1,"usage":2}`,
    `{"pad":"${big}","usage":{"n":1}}`,          // a matching line longer than the chunk
    `{"usage":3,"pad":"${big}"}`,                // match at the start of a long line
    `{"pad":"${'y'.repeat(61)}","usage":4}`,     // needle straddles a chunk boundary
  ];
  fs.writeFileSync(file, lines.join('\n') + '\n{"usage":"half-writ');
  const seen: [string, number][] = [];
  const fd = fs.openSync(file, 'r');
  const end = scanLines(fd, 0, [Buffer.from('"usage"')], (l, off) => seen.push([l, off]), 64);
  fs.closeSync(fd);
  assert.deepEqual(seen.map(s => s[0]), lines.slice(1));
  let off = 0;
  const offsets = lines.map(l => { const o = off; off += Buffer.byteLength(l) + 1; return o; });
  assert.deepEqual(seen.map(s => s[1]), offsets.slice(1));
  assert.equal(end, off, 'the half-written last line is left for later');
  fs.rmSync(dir, { recursive: true });
});

test('line scanner: a needle is searched for from its rarest byte, and a near miss before or after that byte is not a match', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-scan-'));
  const file = path.join(dir, 'a.jsonl');
  const random = rng(11);
  const rand = (n: number) => Math.floor(random() * n);
  const parts = ['"usage"', 'usage"', 'xusage"', '""usage"', '"usag"', '"', 'a', '"u', 'sage"', '"usage"x', '  ', 'message"', 'ge"', '"usege"', '"usa', 'gee"'];
  const lines = Array.from({ length: 400 }, () => Array.from({ length: 1 + rand(6) }, () => parts[rand(parts.length)]).join(' '));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const want = lines.filter(l => l.includes('"usage"'));
  assert.ok(want.length > 20 && want.length < 380, `both kinds of lines are there (${want.length} of 400)`);
  for (const chunk of [16, 64, 4096]) {
    const seen: string[] = [];
    const fd = fs.openSync(file, 'r');
    scanLines(fd, 0, [Buffer.from('"usage"')], l => seen.push(l), chunk);
    fs.closeSync(fd);
    assert.deepEqual(seen, want, `chunk ${chunk}`);
    // needles whose rarest byte is the first, in the middle, or the last (two needles at once)
    for (const needles of [['~usage'], ['sage"'], ['usag~'], ['"usa', 'ge"']]) {
      const got: string[] = [];
      const fd2 = fs.openSync(file, 'r');
      scanLines(fd2, 0, needles.map(n => Buffer.from(n)), l => got.push(l), chunk);
      fs.closeSync(fd2);
      assert.deepEqual(got, lines.filter(l => needles.some(n => l.includes(n))), `${needles.join(' ')}, chunk ${chunk}`);
    }
  }
  fs.rmSync(dir, { recursive: true });
});
