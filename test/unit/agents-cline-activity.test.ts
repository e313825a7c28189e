// Activity of the Cline-family task folders (Cline, Roo Code, Zoo Code, Kilo Code 5.x): fixtures in
// test/fixtures/agent-logs/cline-activity (written by make-fixtures.py there) in the shapes
// cline/cline apps/vscode/src/shared/ExtensionMessage.ts (ClineSayTool, `command` asks) and
// RooCodeInc/Roo-Code src/core/tools/ApplyDiffTool.ts / WriteToFileTool.ts (`diffStats`) write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityCache, mergeActivity, readActivity } from '../../src/core/activity';
import { ADAPTERS } from '../../src/core/agents/index';
import { bundledCatalog } from '../../src/core/catalog';
import { buildWeek } from '../../src/core/week/build';
import { VSCODE_FIXTURES, readAll } from './agents-vscode-helpers';

const USER = path.join(VSCODE_FIXTURES, 'cline-activity/User');
const CLINE = path.join(USER, 'globalStorage/saoudrizwan.claude-dev/tasks/1795000000000/ui_messages.json');
const ROO = path.join(USER, 'globalStorage/rooveterinaryinc.roo-cline/tasks/task-roo-1/ui_messages.json');

test('cline activity: SEARCH/REPLACE blocks and new files counted by line, commands, commits and test runs; streaming rows once', () => {
  const f = readActivity(CLINE, 'cline');
  assert.equal(f.sessionId, '1795000000000', 'the task folder');
  assert.equal(f.toolCalls, 6, 'read, edit (its partial copy not counted), new file, two commands, an MCP call');
  assert.equal(f.malformedLines, 0);
  const a = mergeActivity([f]);
  assert.deepEqual([a.filesChanged, a.linesAdded, a.linesRemoved], [['src/app.ts', 'src/health.ts'], 5, 1]);
  assert.deepEqual([a.commits, a.testRuns], [1, 1], 'REQ_APP (Cline asked first) is not part of the command');
  assert.ok(f.edits.every(e => e.t >= 1795000000041), 'each edit at its row\'s ts (epoch ms)');
});

test('roo activity: diffStats taken as Roo computed them; an older build\'s SEARCH/REPLACE counted from the blocks', () => {
  const a = mergeActivity([readActivity(ROO, 'roo')]);
  assert.deepEqual([a.filesChanged, a.linesAdded, a.linesRemoved, a.testRuns], [['README.md', 'src/port.ts', 'src/server.ts'], 5, 1, 1]);
});

test('task activity: a ui_messages.json rewritten whole replaces what was collected, never adds to it; garbage is malformed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-cline-act-'));
  try {
    const file = path.join(dir, 'tasks', 't1', 'ui_messages.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const rows = JSON.parse(fs.readFileSync(CLINE, 'utf8')) as unknown[];
    fs.writeFileSync(file, JSON.stringify(rows.slice(0, 7)));
    const cache = new ActivityCache(null);
    assert.equal(mergeActivity([cache.get(file, 'cline')]).linesAdded, 5);
    fs.writeFileSync(file, JSON.stringify(rows) + ' '); // Cline rewrites the whole array as the task goes on
    const after = cache.get(file, 'cline');
    assert.deepEqual([mergeActivity([after]).linesAdded, after.toolCalls], [5, 6]);
    fs.writeFileSync(file, '[{"ts":1,"type":"say","say":"tool","text":"{not json"}]');
    assert.equal(cache.get(file, 'cline').malformedLines, 1);
    fs.writeFileSync(file, '{"half": ');
    assert.equal(cache.get(file, 'cline').malformedLines, 1, 'caught mid-rewrite: nothing counted, said once');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('cline activity reaches the weekly summary: value per changed line for the task', async () => {
  const cline = ADAPTERS.find(a => a.id === 'cline')!;
  const records = readAll(cline, [USER]).records;
  const w = buildWeek(records, (f, a) => new ActivityCache(null).get(f, a), await bundledCatalog(), { weekStart: '2026-11-18', timezone: 'UTC', now: Date.UTC(2026, 10, 25) });
  assert.deepEqual([w.value.filesChanged, w.value.linesChanged, w.value.commits, w.value.testRuns], [2, 6, 1, 1]);
  assert.equal(w.value.costPerChangedLine, 0.03 / 6, 'the cost Cline reported, over its changed lines');
});
