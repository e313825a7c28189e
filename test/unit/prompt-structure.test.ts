// Globs, front matter, markdown blocks and sections, always-loaded files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, matchesAnyGlob, parseFrontMatter, parseStructure, isAlwaysLoaded } from '../../src/core/prompt';
import { DEFAULT_PROMPT_FILES } from '../../src/core/settings';
import { analyze } from './prompt-helpers';

test('glob: **, *, ?, {a,b} and [..]', () => {
  assert.ok(globToRegExp('**/*.prompt.md').test('a/b/c/x.prompt.md'));
  assert.ok(globToRegExp('**/*.prompt.md').test('x.prompt.md'));
  assert.ok(!globToRegExp('*.prompt.md').test('a/x.prompt.md'));
  assert.ok(globToRegExp('docs/?.md').test('docs/a.md'));
  assert.ok(!globToRegExp('docs/?.md').test('docs/ab.md'));
  assert.ok(globToRegExp('**/*.{md,mdc}').test('r/x.mdc'));
  assert.ok(globToRegExp('prompts/**').test('prompts/a/b.txt'));
  assert.ok(globToRegExp('file[0-9].md').test('file7.md'));
  assert.ok(!globToRegExp('a.md').test('aXmd'), 'dots are literal');
});

test('glob: default prompt files match absolute and workspace-relative paths; others do not', () => {
  for (const p of ['/w/CLAUDE.md', '/w/sub/AGENTS.md', '/w/.github/copilot-instructions.md', '/w/.cursor/rules/a/b.mdc', '/w/.claude/commands/x.md',
    '/w/.github/prompts/fix.prompt.md', '/w/skills/pdf/SKILL.md', '/w/.cursorrules', '/w/x.prompty', 'C:\\w\\CLAUDE.md']) {
    assert.ok(matchesAnyGlob(DEFAULT_PROMPT_FILES, p), p);
  }
  for (const p of ['/w/README.md', '/w/src/index.ts', '/w/.cursor/rules.md', '/w/docs/CLAUDE.md.bak']) assert.ok(!matchesAnyGlob(DEFAULT_PROMPT_FILES, p), p);
  assert.ok(matchesAnyGlob(['prompts/*.md'], '/home/u/ws/prompts/a.md', 'prompts/a.md'));
  assert.ok(!matchesAnyGlob(['prompts/*.md'], '/home/u/ws/prompts/a.md'));
});

test('glob: pathological paths and patterns answer correctly (their speed is measured in npm run bench, tokens section)', () => {
  const long = `/${'a/'.repeat(5000)}${'x'.repeat(10000)}`;
  assert.ok(!matchesAnyGlob([...DEFAULT_PROMPT_FILES, '**/*a*a*a*a*b', '{{{'], long));
  assert.ok(matchesAnyGlob(['**/*a*a*a*a*b'], `/${'a/'.repeat(50)}xaxaxaxab`));
});

test('front matter: fields with offsets, quotes, and no front matter', () => {
  const text = '---\nmodel: "claude-opus-4-6"\nalwaysApply: true\n---\n# Body\n';
  const fm = parseFrontMatter(text);
  const m = fm.fields.get('model')!;
  assert.equal(m.value, 'claude-opus-4-6');
  assert.equal(text.slice(m.valueStart, m.valueEnd), 'claude-opus-4-6');
  assert.equal(fm.fields.get('alwaysApply')!.value, 'true');
  assert.equal(text.slice(fm.end), '# Body\n');
  assert.equal(parseFrontMatter('# no\n---\nmodel: x\n---\n').end, 0);
  assert.equal(parseFrontMatter('---\nunclosed: yes\n').end, 0);
});

test('blocks: headings, paragraphs, list items, fences, tables, with offsets', () => {
  const text = '# Title\n\nPara one\ncontinues.\n\n- item a\n  more a\n- item b\n\n```ts\nconst x = 1;\n# not a heading\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';
  const { blocks, gaps } = parseStructure(text);
  assert.deepEqual(blocks.map(b => [b.kind, text.slice(b.start, b.end)]), [
    ['heading', '# Title'], ['paragraph', 'Para one\ncontinues.'], ['list-item', '- item a\n  more a'], ['list-item', '- item b'],
    ['fence', '```ts\nconst x = 1;\n# not a heading\n```'], ['table', '| a | b |\n|---|---|\n| 1 | 2 |'],
  ]);
  const fence = blocks[4]!;
  assert.equal(fence.lang, 'ts');
  assert.equal(text.slice(fence.innerStart, fence.innerEnd), 'const x = 1;\n# not a heading\n');
  assert.equal(gaps.length, 4);
  // an unclosed fence runs to the end
  const open = parseStructure('text\n\n```\ncode\n# x\n');
  assert.equal(open.blocks.at(-1)!.kind, 'fence');
});

test('sections: tokens and shares, nested headings inside their parent', async () => {
  const a = await analyze('# A\n\nalpha beta gamma\n\n## B\n\ndelta epsilon\n\n# C\n\nzeta\n');
  assert.deepEqual(a.sections.map(s => [s.title, s.level]), [['A', 1], ['B', 2], ['C', 1]]);
  const [sa, sb, sc] = a.sections;
  assert.ok(sa!.tokens > sb!.tokens && sb!.tokens > 0);
  assert.ok(Math.abs(sa!.share + sc!.share - 1) < 1e-9);
  assert.equal(a.sections[1]!.end, a.sections[2]!.start);
});

test('always-loaded files', () => {
  const none = parseFrontMatter('');
  for (const p of ['/w/CLAUDE.md', '/w/CLAUDE.local.md', '/w/AGENTS.md', '/w/GEMINI.md', '/w/.github/copilot-instructions.md', '/w/.cursorrules', '/w/.windsurfrules']) {
    assert.ok(isAlwaysLoaded(p, none), p);
  }
  assert.ok(isAlwaysLoaded('/w/.cursor/rules/x.mdc', parseFrontMatter('---\nalwaysApply: true\n---\n')));
  assert.ok(!isAlwaysLoaded('/w/.cursor/rules/x.mdc', parseFrontMatter('---\nalwaysApply: false\n---\n')));
  assert.ok(isAlwaysLoaded('/w/.github/instructions/a.instructions.md', parseFrontMatter('---\napplyTo: "**"\n---\n')));
  assert.ok(!isAlwaysLoaded('/w/a.instructions.md', parseFrontMatter('---\napplyTo: "**/*.ts"\n---\n')));
  assert.ok(!isAlwaysLoaded('/w/fix.prompt.md', none));
});
