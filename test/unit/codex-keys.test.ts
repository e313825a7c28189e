// Codex lineage keys (records.ts codexLineageKey): one per running total, written in 15-bit characters
// instead of decimal, and the version-8 decimal keys a stored index still holds, rewritten as they load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codexKey, codexLineageKey, lineageKeyOfVersion8 } from '../../src/core/agents/records';
import { rng } from './helpers';

type Totals = Parameters<typeof codexLineageKey>[1];
const decimal = (root: string, t: Totals) => `x:${root}:${t.input}:${t.cached}:${t.cacheWrite}:${t.output}:${t.reasoning}:${t.total}`;

// counts at every edge of the three 15-bit digits, and the values real rollouts hold
const EDGES = [0, 1, 0x7fff, 0x8000, 0x8001, 0x3fffffff, 0x40000000, 2 ** 31, 2 ** 32 + 5, 2 ** 45 - 1, 92959, 5_000_000_000];
const rand = rng(7);
const count = () => (rand() < 0.5 ? EDGES[Math.floor(rand() * EDGES.length)]! : Math.floor(rand() * 2 ** (rand() * 45)));
const totals = (): Totals => ({ input: count(), cached: count(), cacheWrite: count(), output: count(), reasoning: count(), total: count() });

test('codex lineage keys: equal exactly when the decimal keys are equal, and safe to store (no NUL, surrogate or colon in the counts)', () => {
  const byDecimal = new Map<string, string>();
  const byKey = new Map<string, string>();
  for (let i = 0; i < 20000; i++) {
    const root = rand() < 0.5 ? 'thread-A' : 'thread-A:b';
    const t = totals();
    const k = codexLineageKey(root, t), d = decimal(root, t);
    assert.equal(byDecimal.get(d) ?? k, k, d);
    assert.equal(byKey.get(k) ?? d, d, `${d} and ${byKey.get(k)} got one key`);
    byDecimal.set(d, k); byKey.set(k, d);
    const counts = k.slice(`x:${root}:`.length);
    assert.equal(counts.length, 18, d);
    for (const ch of counts) { const c = ch.charCodeAt(0); assert.ok(c >= 0x100 && c < 0xd800, `${d}: U+${c.toString(16)}`); }
    assert.equal(Buffer.from(k, 'utf8').toString('utf8'), k, 'the index stores keys as UTF-8');
  }
  // one count apart in any field, or in the root, is another request
  const t: Totals = { input: 92959, cached: 58377, cacheWrite: 0, output: 1554, reasoning: 819, total: 94513 };
  for (const f of Object.keys(t) as (keyof Totals)[]) assert.notEqual(codexLineageKey('r', { ...t, [f]: t[f] + 1 }), codexLineageKey('r', t), f);
  assert.notEqual(codexLineageKey('r', t), codexLineageKey('s', t));
});

test('codex lineage keys: a count no producer writes (negative, fractional, past 2^45) keys in decimal, apart from every 15-bit key', () => {
  const t: Totals = { input: 10, cached: 0, cacheWrite: 0, output: 1, reasoning: 0, total: 11 };
  for (const odd of [-1, 0.5, 2 ** 45, NaN, Infinity]) {
    const k = codexLineageKey('r', { ...t, output: odd });
    assert.equal(k, `x:r::10:0:0:${odd}:0:11`);
    assert.notEqual(k, codexLineageKey('r', t));
  }
});

test('codex lineage keys: a version-8 index\'s decimal keys load as today\'s keys; other keys load as they were', () => {
  for (let i = 0; i < 5000; i++) {
    const t = totals();
    assert.equal(lineageKeyOfVersion8(decimal('019a-b', t)), codexLineageKey('019a-b', t));
  }
  assert.equal(lineageKeyOfVersion8(decimal('r', { input: -1, cached: 0, cacheWrite: 0, output: 1, reasoning: 0, total: 0 })), 'x:r::-1:0:0:1:0:0');
  const timed = codexKey(1778000000000, 'gpt-5.2-codex', { input: 1, cached: 0, output: 2, reasoning: 0, total: 3 });
  assert.equal(lineageKeyOfVersion8(timed), timed, 'a key without running totals (time, model, tokens) was never decimal-encoded differently');
  for (const other of ['c:msg_01', 'g:s:m', 'x:r:1:2']) assert.equal(lineageKeyOfVersion8(other), other);
});
