// The persisted leak facts: a warm run reads no transcript, a bad entry or file is rebuilt, not trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { TranscriptFactsCache, readTranscriptFacts } from '../../src/core/leaks/facts';
import { FIXTURES } from './agents-fixtures';

const MAIN = path.join(FIXTURES, 'leaks/claude/projects/-home-dev-shop/11111111-0000-4000-8000-000000000001.jsonl');

test('facts of a Claude transcript: compactions, diagnoses, tool results, instruction edits, new MCP servers', () => {
  const f = readTranscriptFacts(MAIN, 'claude-code');
  assert.equal(f.compactions.length, 2);
  assert.equal(Object.keys(f.missReasons).length, 6);
  assert.deepEqual(f.toolResults.map(r => [r.tool, r.tokens]), [['Read', 2000], ['Edit', 25], ['mcp__github__search_code', 10000]]);
  assert.equal(f.instructionsChanged.length, 1); // the Edit of CLAUDE.md (only the full line carries the tool call)
  assert.equal(f.toolsChanged.length, 1);
});

test('the facts cache persists, serves a warm run without reading, and rebuilds a corrupt entry', () => {
  const dir = tempDir('tkx-leakfacts-');
  const file = path.join(dir, 'leaks.json');
  const a = new TranscriptFactsCache(file);
  const cold = a.get(MAIN, 'claude-code');
  assert.equal(a.reads, 1);
  assert.ok(a.save());
  const b = new TranscriptFactsCache(file);
  assert.deepEqual(b.get(MAIN, 'claude-code'), cold);
  assert.equal(b.reads, 0);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  raw.files[0][1].f.compactions = null; // a hand edit, another build's bug
  fs.writeFileSync(file, JSON.stringify(raw));
  const c = new TranscriptFactsCache(file);
  assert.deepEqual(c.get(MAIN, 'claude-code'), cold);
  assert.equal(c.reads, 1);
  fs.writeFileSync(file, '{"version":3,"files":');
  const d = new TranscriptFactsCache(file);
  assert.deepEqual(d.get(MAIN, 'claude-code'), cold);
});
