// Records a scan worker sends to the index's thread as columns (src/core/usage/recordWire.ts) come
// back equal field for field: the optional fields every agent sets (Cline's reported cost, Copilot's
// basis, aggregate rows, stand-ins, web searches, rate limits), and counts that are no 32-bit integer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UsageRecord } from '../../src/core/agents/records';
import { decodeRecords, encodeRecords } from '../../src/core/usage/recordWire';

const base = (i: number, over: Partial<UsageRecord> = {}): UsageRecord => ({
  agent: 'claude-code', sessionId: `s${i % 2}`, project: '/home/dev/p', model: 'claude-sonnet-4-5', timestamp: 1775132403200 + i,
  usage: { input: 3 + i, output: 7, cacheRead: 20000, cacheWrite5m: 1200, cacheWrite1h: 0 }, contextTokens: 21203 + i,
  file: `/logs/f${i % 3}.jsonl`, key: `c:msg_${i}`, rank: i % 3 === 0 ? 2 : 0, ...over,
});

test('record wire: records come back equal, optional fields and all', () => {
  const records: UsageRecord[] = [
    base(0),
    base(1, { agent: 'cline', cost: 0.0123, aggregate: true }),
    base(2, { agent: 'copilot', basis: 'lower-bound', standsIn: true }),
    base(3, { webSearches: 2 }),
    base(4, { agent: 'codex', rateLimits: { primary: { usedPercent: 12.5, windowMinutes: 300, resetsAt: 1775132403000 }, planType: 'plus' } }),
    // not what any reader makes, but what the wire must not round: a fraction, a count past 2^31
    base(5, { usage: { input: 1.5, output: 2 ** 33, cacheRead: -1, cacheWrite5m: 0, cacheWrite1h: 0 }, contextTokens: 2 ** 40 }),
    base(6, { sessionId: 'ß-ünïcode-✓', project: '', model: '' }),
  ];
  const { wire, transfer } = encodeRecords(records);
  assert.ok(transfer.every(b => b instanceof ArrayBuffer));
  const back = decodeRecords(structuredClone(wire, { transfer }));
  assert.deepStrictEqual(back, records);
  // the buffers went with the message: the sender holds nothing of them
  assert.ok(transfer.every(b => b.byteLength === 0));
});

test('record wire: no records, no trouble', () => {
  const { wire } = encodeRecords([]);
  assert.deepStrictEqual(decodeRecords(wire), []);
});
