// The fixture corpus: realistic prompt files, clean and bloated, against test/fixtures/prompts/expected.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixture } from './helpers';
import { analyze } from './prompt-helpers';
import { fixtureWorkspace } from './prompt-fixture-workspace';
import { applyTextEdits, fixAll, matchesAnyGlob } from '../../src/core/prompt';
import { DEFAULT_PROMPT_FILES } from '../../src/core/settings';

const ROOT = fixture('prompts');
const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'expected.json'), 'utf8')) as Record<string, string[] | string>;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('every fixture has expectations, and every expectation a fixture', () => {
  // manifests and file lists (package.json, Makefile, FILES) are the fixture projects' context
  const files = walk(ROOT).filter(f => matchesAnyGlob(DEFAULT_PROMPT_FILES, f)).map(f => path.relative(ROOT, f).replace(/\\/g, '/')).sort();
  assert.deepEqual(files, Object.keys(expected).filter(k => !k.startsWith('_')).sort());
});

for (const [rel, codes] of Object.entries(expected)) {
  if (rel.startsWith('_')) continue;
  test(`corpus: ${rel} -> ${(codes as string[]).join(', ') || 'no findings'}`, async () => {
    const file = path.join(ROOT, rel);
    assert.ok(matchesAnyGlob(DEFAULT_PROMPT_FILES, file), `${rel} is a prompt file by the default globs`);
    const text = fs.readFileSync(file, 'utf8');
    // each of clean/ and bloated/ is a project: its files, its manifests, its recorded file list
    const workspace = fixtureWorkspace(path.join(ROOT, rel.split('/')[0]!));
    const a = await analyze(text, { path: file, model: 'claude-sonnet-4-6', workspace });
    assert.deepEqual([...new Set(a.findings.map(f => f.rule))].sort(), [...(codes as string[])].sort(),
      a.findings.map(f => `${f.code} line ${a.line(f.start)}: ${f.message}`).join('\n'));
    for (const f of a.findings) {
      assert.ok(f.start >= 0 && f.end <= text.length && f.start <= f.end, `${f.code} range inside the text`);
      if (/over-budget|duplicate-block|whitespace|filler|large-|log-dump|high-entropy/.test(f.rule)) assert.match(f.message, /≈[\d,]+ tokens/, 'Claude counts are marked ≈');
    }
    // Fix all never makes a file bigger, and applies cleanly
    const all = fixAll(a);
    if (all) {
      const fixed = applyTextEdits(text, all.edits);
      const again = await analyze(fixed, { path: file, model: 'claude-sonnet-4-6', workspace });
      assert.ok(again.tokens < a.tokens, `${again.tokens} < ${a.tokens}`);
      assert.equal(again.findings.filter(f => f.fixes.some(x => x.safe)).length, 0, 'nothing safe left to fix');
    }
  });
}
