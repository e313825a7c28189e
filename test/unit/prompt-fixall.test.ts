// "Fix all safe bloat" must never change what a prompt says. For every fixture and every corpus file,
// the instructions before and after the fix are compared as (heading path, list, text) triples: a
// line may go only where the same line stays in the same heading path and list, and a heading path
// may vanish only when each of its lines is still said somewhere else (a repeated section).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fixture, REPO } from './helpers';
import { analyze } from './prompt-helpers';
import { applyTextEdits, fixAll, matchesAnyGlob, parseFrontMatter, parseStructure } from '../../src/core/prompt';
import { DEFAULT_PROMPT_FILES } from '../../src/core/settings';

const fold = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** The instructions of a prompt as "path | list | text" strings; independent of the rules' own scope code. */
export function instructions(text: string): string[] {
  const { blocks } = parseStructure(text, parseFrontMatter(text).end);
  const out: string[] = [];
  const stack: { level: number; title: string }[] = [];
  let lead = '', list = '', prevKind = '';
  for (const b of blocks) {
    const raw = text.slice(b.start, b.end);
    if (b.kind === 'heading') {
      while (stack.length && stack[stack.length - 1]!.level >= (b.level ?? 1)) stack.pop();
      stack.push({ level: b.level ?? 1, title: fold(raw.replace(/^\s*#+/, '')) });
      lead = ''; list = ''; prevKind = 'heading';
      out.push(`${stack.map(s => s.title).join(' > ')} | #heading | `);
      continue;
    }
    const indented = /^[ \t]/.test(raw);
    if (b.kind === 'list-item') {
      if (prevKind !== 'list-item' && !indented) list = `${/^\s*\d/.test(raw) ? 'ol' : 'ul'}:${lead}`;
      // a numbered step keeps its number: removing step 6 renumbers the procedure
      const num = /^\s*(\d+)[.)]/.exec(raw)?.[1] ?? '';
      out.push(`${stack.map(s => s.title).join(' > ')} | ${list}${num ? `#${num}` : ''} | ${fold(raw.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, ''))}`);
      prevKind = 'list-item';
      continue;
    }
    if (!(indented && prevKind === 'list-item')) { list = ''; prevKind = b.kind; lead = b.kind === 'paragraph' ? fold(raw) : ''; }
    out.push(`${stack.map(s => s.title).join(' > ')} | ${list} | ${fold(raw)}`);
  }
  return out;
}

/** Problems found comparing the instructions before and after an edit (empty: the meaning is kept). */
export function meaningChanges(before: string, after: string): string[] {
  const a = new Set(instructions(before)), b = new Set(instructions(after));
  const pathsAfter = new Set([...b].map(t => t.split(' | ')[0]));
  const textsAfter = new Set([...b].map(t => t.split(' | ').slice(2).join(' | ')));
  const problems: string[] = [];
  for (const t of b) if (!a.has(t)) problems.push(`new or moved: ${t}`);
  for (const t of a) {
    if (b.has(t) || t.includes(' | #heading | ')) continue;
    const [p] = t.split(' | ');
    const text = t.split(' | ').slice(2).join(' | ');
    if (pathsAfter.has(p) || !textsAfter.has(text)) problems.push(`removed: ${t}`);
  }
  return problems;
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

test('the checker itself: removing a line of one section that another section also has is a change', () => {
  const text = '# A\n\n- Run the linter before every commit.\n\n# B\n\n- Run the linter before every commit.\n';
  assert.deepEqual(meaningChanges(text, text), []);
  assert.equal(meaningChanges(text, '# A\n\n- Run the linter before every commit.\n\n# B\n').length, 1);
  const steps = '# Release\n\n1. Build.\n2. Run the tests.\n3. Tag.\n4. Run the tests.\n';
  assert.equal(meaningChanges(steps, '# Release\n\n1. Build.\n2. Run the tests.\n3. Tag.\n').length, 1, 'a numbered step is part of its procedure');
  const twice = '# A\n\n- Keep functions short and named after what they do.\n- Keep functions short and named after what they do.\n';
  assert.deepEqual(meaningChanges(twice, '# A\n\n- Keep functions short and named after what they do.\n'), [], 'a repeat in the same list is not meaning');
});

test('Fix all keeps shared steps, scoped checklists and URL lines', async () => {
  const text = [
    '# Contributing', '',
    '## Release', '', '1. Update the changelog with every user-facing change.', '2. Run the full test suite with coverage enabled.', '3. Tag the release on main.', '',
    '## Hotfix', '', '1. Branch from the last release tag.', '2. Run the full test suite with coverage enabled.', '3. Tag the hotfix.', '',
    '## Checks', '', 'Only apply to files that end in `.ts`:', '', '- Check that every exported function has a doc comment.', '- Check imports are sorted.', '',
    'Only apply to files that end in `.py`:', '', '- Check that every exported function has a doc comment.', '- Check type hints on public functions.', '',
    '## Sources', '', 'Source: the upstream style guide at https://example.com/guide/typescript', '', 'Source: the upstream style guide at https://example.com/guide/python', '',
  ].join('\n');
  const a = await analyze(text, { path: '/w/CLAUDE.md' });
  assert.deepEqual(a.findings.filter(f => f.rule === 'duplicate-block').map(f => text.slice(f.start, f.end)), []);
  const all = fixAll(a);
  if (all) assert.deepEqual(meaningChanges(text, applyTextEdits(text, all.edits)), []);
});

test('a repeated section goes with its heading; the same list under another subject is only reported', async () => {
  const rules = '- Never push directly to the main branch of the repository.\n- Keep every pull request under four hundred changed lines.\n';
  const text = `# Guide\n\n## Rules\n\n${rules}\n## Rules again\n\n${rules}\n## Frontend\n\n- Use the design tokens for every colour and spacing value.\n\n## Backend\n\n- Use the design tokens for every colour and spacing value.\n`;
  const a = await analyze(text, { path: '/w/CLAUDE.md' });
  const dups = a.findings.filter(f => f.rule === 'duplicate-block');
  assert.deepEqual(dups.map(f => [text.slice(f.start, f.end), f.fixes[0]!.safe]), [['## Rules again', true], ['## Backend', false]]);
  const fixed = applyTextEdits(text, fixAll(a)!.edits);
  assert.equal(fixed, `# Guide\n\n## Rules\n\n${rules}\n## Frontend\n\n- Use the design tokens for every colour and spacing value.\n\n## Backend\n\n- Use the design tokens for every colour and spacing value.\n`);
  assert.deepEqual(meaningChanges(text, fixed), []);
});

test('the same fact said twice in two sections (same names and values) is offered; different values are not', async () => {
  const item = (kind: string) => `- ${kind} models are web3:block/cube_all, web3:block/cross and web3:block/cube_column`;
  const text = `# Guide\n\n## Voxels\n\n${item('Template')}\n- Chunks are 16 by 16.\n\n## Resource pack\n\n${item('Block')}\n- Packs live in the assets folder.\n`;
  const a = await analyze(text, { path: '/w/CLAUDE.md' });
  const [f] = a.findings.filter(x => x.rule === 'duplicate-block');
  assert.ok(f);
  assert.match(f.message, /^Says again what the list item on line 5 says \(under “Voxels”\), here under “Resource pack”/);
  assert.equal(f.fixes[0]!.safe, false);
  const other = text.replace(item('Block'), '- Block models are web3:block/slab, web3:block/stairs and web3:block/cube_column');
  assert.equal((await analyze(other, { path: '/w/CLAUDE.md' })).findings.filter(x => x.rule === 'duplicate-block').length, 0);
});

const FILES = [
  ...walk(fixture('prompts')).filter(f => !f.endsWith('.json')),
  ...walk(path.join(REPO, 'test', 'corpus', 'prompts')).filter(f => matchesAnyGlob(DEFAULT_PROMPT_FILES, f)),
];

test(`Fix all safe bloat changes no instruction's meaning on ${FILES.length} fixture and corpus files`, async () => {
  const bad: string[] = [];
  for (const file of FILES) {
    const text = fs.readFileSync(file, 'utf8');
    const a = await analyze(text, { path: file, model: 'claude-sonnet-4-6' });
    const all = fixAll(a);
    if (!all) continue;
    const problems = meaningChanges(text, applyTextEdits(text, all.edits));
    if (problems.length) bad.push(`${path.relative(process.cwd(), file)}:\n  ${problems.slice(0, 5).join('\n  ')}`);
  }
  assert.deepEqual(bad, []);
});
