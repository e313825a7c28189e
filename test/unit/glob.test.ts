import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { compileGlob, globListProblem, globWork, GLOB_LIMITS, projectMatcher } from '../../src/core/glob';
import { globToRegExp, matchesAnyGlob } from '../../src/core/prompt/glob';
import { parseSettings } from '../../src/core/settings';

/** The regex translation the matcher replaced (src/core/prompt/glob.ts before issue 14), as the oracle on ordinary cases. */
function oldGlobToRegExp(glob: string): RegExp {
  const escapeChar = (c: string) => (/[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c);
  let re = '';
  let braces = 0;
  const g = glob.replace(/\\/g, '/');
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        const slashAfter = g[i + 2] === '/';
        const atSegmentStart = i === 0 || g[i - 1] === '/';
        if (atSegmentStart && slashAfter) { re += '(?:[^/]*/)*'; i += 2; continue; }
        re += '.*'; i += 1; continue;
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') { braces++; re += '(?:'; }
    else if (c === '}' && braces > 0) { braces--; re += ')'; }
    else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const close = g.indexOf(']', i + 1);
      if (close < 0) { re += '\\['; continue; }
      let body = g.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else re += escapeChar(c);
  }
  while (braces-- > 0) re += ')';
  try { return new RegExp(`^${re}$`); } catch { return /(?!)/; }
}

const PATTERNS = [
  '**/*.prompt.md', '*.prompt.md', '**/CLAUDE.md', 'CLAUDE.md', '**/.cursor/rules/**/*.mdc', '**/.claude/commands/**/*.md',
  'docs/?.md', '**/*.{md,mdc}', 'prompts/**', 'file[0-9].md', 'file[!0-9].md', 'file[^a-c].md', 'a.md', '**', '*', '**/*',
  'a/**/b', 'a**b', 'x/**.md', '{a,b{c,d}}/*.md', '{unclosed', 'a}b', 'a,b', '[abc', '[]x', 'a[z-a]b', '/home/*/w/**/AGENTS.md',
  '~/work/*', 'src\\**\\*.md', '**/.github/copilot-instructions.md', '***', '**x/*.md', '*/**/', 'a/{**/,}b.md', 'é*.md', '[é-ü]x',
  '*.prompty', '.windsurfrules', '**/.windsurfrules',
];
const PATHS = [
  'a/b/c/x.prompt.md', 'x.prompt.md', 'a/x.prompt.md', '/w/CLAUDE.md', 'CLAUDE.md', '/w/docs/CLAUDE.md.bak', 'w/.cursor/rules/a/b.mdc',
  'w/.cursor/rules/b.mdc', '.claude/commands/x.md', 'docs/a.md', 'docs/ab.md', 'r/x.mdc', 'prompts/a/b.txt', 'prompts/', 'file7.md',
  'filex.md', 'fileb.md', 'filed.md', 'aXmd', 'a.md', '', '/', 'a/b', 'a//b', 'a/x/y/b', 'axyb', 'ax/yb', 'x/foo.md', 'x/a/foo.md',
  'a/x.md', 'b/x.md', 'bc/x.md', 'bd/x.md', 'be/x.md', '{unclosed', 'unclosed', 'a}b', 'a,b', '[abc', 'a[z-a]b', 'azb',
  '/home/u/w/AGENTS.md', '/home/u/w/a/b/AGENTS.md', '/home/u/v/w/AGENTS.md', '~/work/x', 'src/a/b.md', 'src/b.md',
  '/w/.github/copilot-instructions.md', 'éa.md', 'ë', 'ëx', 'a/b.md', 'b.md', 'a/c/b.md', 'line\nbreak', 'x.prompty', '.windsurfrules',
  'a/.windsurfrules', '日本/x.prompt.md', '😀.md', 'a/b/', 'x/ab/c.md',
];

test('the linear matcher agrees with the regex translation it replaced on ordinary patterns and paths', () => {
  let cases = 0;
  for (const p of PATTERNS) {
    const oldRe = oldGlobToRegExp(p), glob = compileGlob(p);
    for (const path of PATHS) {
      assert.equal(glob.test(path), oldRe.test(path), `${JSON.stringify(p)} on ${JSON.stringify(path)}`);
      cases++;
    }
  }
  assert.ok(cases > 2000);
  // the old name still works, and returns a matcher
  assert.ok(globToRegExp('**/*.prompt.md').test('a/b/c/x.prompt.md'));
});

/** Runs `fn` and returns the glob steps it took. */
function steps(fn: () => void): number {
  const before = globWork.steps;
  fn();
  return globWork.steps - before;
}

// Issue 14: each of these blocked a backtracking regex for 40 s to 170 s.
test('*a*a*a*a*a*ab.md against a 200-letter name takes steps linear in the name', () => {
  const pattern = '*a*a*a*a*a*ab.md', name = 'a'.repeat(200);
  let hit = true;
  const n = steps(() => { hit = compileGlob(pattern).test(name); });
  assert.equal(hit, false);
  // at most two steps per instruction (≤ 2 per pattern character) per path character
  assert.ok(n <= 2 * 2 * (pattern.length + 2) * (name.length + 1), `${n} steps`);
  // and through the prompt-file check, on the absolute, relative and base-name forms
  const m = steps(() => { hit = matchesAnyGlob([pattern], `/w/${name}`, name); });
  assert.equal(hit, false);
  assert.ok(m <= 3 * 4 * (pattern.length + 2) * (name.length + 4), `${m} steps`);
  // doubling the name doubles the work, not more
  const long = steps(() => compileGlob(pattern).test('a'.repeat(400)));
  assert.ok(long <= 2.2 * n, `${long} vs ${n}`);
});

test('eight **/ then x.md on a 60-folder-deep path takes steps linear in the path', () => {
  const pattern = '**/'.repeat(8) + 'x.md';
  const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/') + '/y.md';
  let hit = true;
  const n = steps(() => { hit = compileGlob(pattern).test(deep); });
  assert.equal(hit, false);
  assert.ok(n <= 4 * (pattern.length + 2) * (deep.length + 1), `${n} steps`);
  assert.equal(compileGlob(pattern).test(deep.replace(/y\.md$/, 'x.md')), true);
});

test('a quota with such patterns matches projects in bounded steps', () => {
  const project = '/' + Array.from({ length: 60 }, () => 'a').join('/');
  let hit = true;
  const n = steps(() => { hit = projectMatcher(['*a*a*a*a*a*ab', '**/'.repeat(8) + 'x'])(project); });
  assert.equal(hit, false);
  assert.ok(n < 100_000, `${n} steps`);
});

test('projectMatcher keeps the quota semantics: folder or any folder above, base names, ~', () => {
  const m = projectMatcher(['/home/dev/client-*', 'sandbox', '~/work/acme', 'C:\\src\\win']);
  assert.ok(m('/home/dev/client-a'));
  assert.ok(m('/home/dev/client-a/sub/deeper'), 'a folder below a matching one');
  assert.ok(!m('/home/dev/other'));
  assert.ok(m('/x/y/sandbox'), 'a pattern without / matches the folder name');
  assert.ok(!m('/x/sandbox2'));
  assert.ok(m(`${os.homedir().replace(/\\/g, '/')}/work/acme/api`), '~ is the home folder');
  assert.ok(m('C:/src/win/app') && m('C:\\src\\win'), 'backslashes are separators');
  assert.ok(projectMatcher(['/p/'])('/p'), 'a trailing slash is ignored');
});

test('patterns over the limits are refused with a message naming the setting, and match nothing', () => {
  const long = 'a'.repeat(GLOB_LIMITS.length + 1);
  assert.match(globListProblem('tokenomics.promptFiles', ['ok', long])!, /^tokenomics\.promptFiles\[1\]: a pattern of 501 characters is longer than the 500 allowed$/);
  assert.match(globListProblem('tokenomics.promptFiles', Array(GLOB_LIMITS.count + 1).fill('*.md'))!, /201 patterns, more than the 200 allowed/);
  assert.equal(globListProblem('tokenomics.promptFiles', ['**/*.md']), null);
  assert.equal(compileGlob(long).test(long), false);
  assert.match(compileGlob(long).problem!, /longer than/);
  const { settings, problems } = parseSettings({ promptFiles: ['**/*.md', long] });
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.setting, 'tokenomics.promptFiles');
  assert.match(problems[0]!.message, /longer than the 500 allowed\); using the default$/);
  assert.ok(problems[0]!.message.length < 400, 'the bad value is cut short in the message');
  assert.ok(settings.promptFiles.includes('**/CLAUDE.md'), 'the default list is used');
});

test('a list is compiled once per settings array, not per call', () => {
  const list = ['**/*.prompt.md', '**/CLAUDE.md'];
  matchesAnyGlob(list, '/w/CLAUDE.md');
  const a = steps(() => matchesAnyGlob(list, '/w/a/b/c/CLAUDE.md'));
  const b = steps(() => matchesAnyGlob(list, '/w/a/b/c/CLAUDE.md'));
  assert.equal(a, b, 'same work on the second call: nothing recompiled or grown');
  assert.ok(matchesAnyGlob(list, '/w/a/b/c/CLAUDE.md'));
});
