// OpenCode and Kilo Code: fixtures in test/fixtures/agent-logs/opencode (make-fixtures.py there:
// SQLite in WAL mode with the rows still in the -wal, as a running OpenCode leaves them). Sources:
// anomalyco/opencode session/index.ts (fork clones message info under new ids; getUsage), #21047
// (1.3.16 separates reasoning from output); peers: ccusage adapter/opencode and adapter/kilo
// (all messages, legacy JSON behind the database), codeburn sqlite-session-parser.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { kiloAdapter } from '../../src/core/agents/kilo';
import { opencodeAdapter, reasoningSeparate } from '../../src/core/agents/opencode';
import { VSCODE_FIXTURES, logFiles, readAll, totals } from './agents-vscode-helpers';

const OC = path.join(VSCODE_FIXTURES, 'opencode/opencode');
const KILO = path.join(VSCODE_FIXTURES, 'opencode/kilo');

test('opencode: every database and the legacy messages, never the part or session trees', () => {
  assert.deepEqual(logFiles(opencodeAdapter, [OC]).map(f => path.relative(OC, f)), [
    'opencode-beta.db', 'opencode-broken.db', 'opencode.db', 'storage/message/ses_1/msg_a1.json', 'storage/message/ses_9/msg_a9.json',
  ]);
});

test('opencode: sub-tasks and archived sessions count, forks and legacy copies do not, reasoning added from 1.3.16, a corrupt db reported by name', () => {
  const { records, problems } = readAll(opencodeAdapter, [OC]);
  assert.deepEqual(records.map(r => [r.sessionId, r.model, r.usage.input, r.usage.output, r.usage.cacheRead, r.usage.cacheWrite5m, r.cost]), [
    ['ses_9', 'claude-haiku-4-5', 40, 60, 0, 0, 0.0003], // only in the legacy JSON
    ['ses_1', 'claude-sonnet-4-5', 100, 250, 3000, 500, 0.0216], // total says reasoning is separate: 200 + 50; the fork's clone is this request
    ['ses_2', 'claude-sonnet-4-5', 10, 20, 0, 0, 0.0003], // an archived sub-task
    ['ses_4', 'gpt-5', 1000, 300, 0, 0, 0.004], // 1.3.10, no total: reasoning was inside output
    ['ses_b', 'gpt-5', 500, 200, 0, 0, undefined], // opencode-beta.db; a subscription provider reports cost 0: no cost claimed
  ]);
  assert.equal(records[1]!.file, path.join(OC, 'opencode.db'), 'the database row wins over the legacy JSON copy');
  assert.equal(records[3]!.project, '/home/dev/old');
  assert.deepEqual(problems.map(p => [path.basename(p.file), p.reason]), [['opencode-broken.db', 'not a readable SQLite database (corrupt or mid-write)']]);
  assert.deepEqual(totals(records), { requests: 5, input: 1650, output: 830, cacheRead: 3000, cacheWrite: 500, cost: 0.0262 });
  assert.equal(reasoningSeparate('1.3.15'), false);
  assert.equal(reasoningSeparate('1.3.16'), true);
  assert.equal(reasoningSeparate('2.0.0-beta.1'), true);
  assert.equal(reasoningSeparate(undefined), undefined);
});

test('kilo: 7.x kilo.db (imported legacy tasks carry no usage) and 5.x task folders, as agent kilo', () => {
  const { records } = readAll(kiloAdapter, [KILO, path.join(KILO, 'User')]);
  assert.deepEqual(records.map(r => [String(r.agent), r.sessionId, r.usage.input, r.usage.output, r.usage.cacheRead, r.cost]), [
    ['kilo', 'k5', 300, 90, 1200, 0.0021], // Roo's rule: a 2026 row's tokensIn includes the cache
    ['kilo', 'ses_k', 300, 100, 2000, 0.0042],
  ]);
});
