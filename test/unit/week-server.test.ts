import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Connection } from 'vscode-languageserver/node';
import { Engine } from '../../src/server/engine';
import { WeekRequest } from '../../src/server/protocol';
import { registerWeek } from '../../src/server/week';
import { Shutdown } from '../../src/server/shutdown';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import type { WeekSummary } from '../../src/core/week/types';

const FIX = path.resolve(__dirname, '../../../test/fixtures/week');

function fakeConnection() {
  const handlers = new Map<string, (p: unknown) => unknown>();
  const warnings: string[] = [];
  const conn = {
    onRequest: (m: string, h: (p: unknown) => unknown) => { handlers.set(m, h); },
    onNotification: () => undefined,
    onShutdown: () => undefined,
    console: { warn: (s: string) => warnings.push(s), info: () => undefined, error: () => undefined, log: () => undefined },
    window: { showWarningMessage: async () => undefined },
  };
  return { conn: conn as unknown as Connection, handlers, warnings };
}

test('tokenomics/week answers for a given week, navigates by offset and serves quota status', async () => {
  const { conn, handlers, warnings } = fakeConnection();
  const engine = new Engine(conn);
  engine.markInitialized();
  engine.applySettings({ timezone: 'UTC', weekStartsOn: 'monday', wasteThresholdUSD: 2,
    quotas: [{ name: 'client', projects: ['/home/dev/shop'], weeklyUSD: 0.25 }, { name: 'oops', projects: ['a'], weeklyUSD: 'ten' }] });
  const index = new UsageIndex({ roots: [{ agent: 'claude-code', dir: path.join(FIX, 'claude'), explicit: true }, { agent: 'codex', dir: path.join(FIX, 'codex'), explicit: true }], cacheFile: null });
  const svc = registerWeek(conn, engine, async () => { await index.refresh(); return index.records(); }, { shutdown: new Shutdown(conn) });
  const handler = handlers.get(WeekRequest.method)!;
  assert.ok(handler);
  const w = await handler({ week: '2026-05-06' }) as WeekSummary;
  assert.equal(w.range.weekStart, '2026-05-04');
  assert.equal(w.headline.requests, 16);
  assert.equal(w.value.wasteCandidates.length, 1);
  assert.deepEqual(w.quotas.map(q => [q.name, q.status]), [['client', 'over']]);
  assert.ok(warnings.some(s => s.includes('"oops"') && s.includes('weeklyUSD')), warnings.join('\n'));
  const prev = await handler({ week: '2026-05-06', offset: -1 }) as WeekSummary;
  assert.equal(prev.range.weekStart, '2026-04-27');
  assert.equal(prev.headline.requests, 1);
  await assert.rejects(async () => handler({ week: 'soon' }));
  const q = svc.quotaStatus(index.records(), '2026-05-04');
  assert.equal(q.length, 1);
  assert.ok(Math.abs(q[0]!.spentUSD - (0.2736 + 0.03325)) < 1e-9);
  assert.ok(q[0]!.share > 1);
});
