import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiReader } from '../../src/core/agents/gemini';
import { UsageRecord } from '../../src/core/agents/records';
import { readFixtures, sum } from './agents-fixtures';

test('gemini: whole-file JSON and .jsonl; cached split out of input, thoughts billed as output, re-emitted ids keep the last', async () => {
  const { records, result } = await readFixtures('gemini');
  assert.deepEqual(records.map(r => [r.sessionId, r.key, r.usage.input, r.usage.cacheRead, r.usage.output]), [
    ['gem-1', 'g:gem-1:g1', 400, 600, 150],
    ['gem-1', 'g:gem-1:g2', 500, 1500, 200],
    ['gem-2', 'g:gem-2:g1', 300, 0, 40], // the later, smaller re-emission wins: it is the final message
  ]);
  assert.deepEqual(sum(records), { requests: 3, input: 1200, output: 390, cacheRead: 2100, cacheWrite5m: 0, cacheWrite1h: 0 });
  assert.equal(records[0]!.project, '/home/dev/shop', 'from .project_root');
  assert.equal(records[2]!.project, 'hash2', 'the project hash when the folder is unknown');
  assert.equal(records[0]!.contextTokens, 1000);
  assert.equal(records[0]!.timestamp, Date.parse('2026-05-04T12:00:06.000Z'));
  assert.equal(result.stats.malformedLines, 0);
});

test('gemini: a whole file caught mid-rewrite is malformed, not fatal', () => {
  const out: UsageRecord[] = [];
  assert.deepEqual(geminiReader.wholeFile!('{"sessionId":"x","messages":[{"id":', '/g/tmp/h/chats/session-x.json', r => out.push(r)), { malformed: 1 });
  assert.equal(out.length, 0);
});
