// The checks that look past the file: imports, stale references, cross-file duplication, over-broad
// attachment, cache-hostile content, directory trees, example-heavy files, unread front matter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Finding, parseMakeTargets, PromptAnalysis, workspaceFromFiles } from '../../src/core/prompt';
import { analyze } from './prompt-helpers';

function ws(files: Record<string, string>, listed: string[] = []) {
  return workspaceFromFiles('/p', [...Object.keys(files), ...listed], rel => files[rel]);
}
const rules = (a: PromptAnalysis, rule: string): Finding[] => a.findings.filter(f => f.rule === rule);

test('imports: @file in CLAUDE.md and #file: in Copilot files load what they point at', async () => {
  const agents = `# Agents\n\n${'Keep every handler small and return early on errors. '.repeat(30)}\n`;
  const w = ws({ 'AGENTS.md': agents, 'docs/style.md': 'Use tabs.\n' });
  const a = await analyze('# Claude\n\nSee @AGENTS.md and @docs/style.md; not `@docs/none.md`, and @missing.md does not exist.\n\nMail me@example.com.\n', { path: '/p/CLAUDE.md', workspace: w });
  assert.deepEqual(a.imports.map(i => i.rel), ['AGENTS.md', 'docs/style.md']);
  assert.ok(a.imports[0]!.tokens > 300);
  const claude = a.agentCounts.find(c => c.agent === 'Claude Code')!;
  assert.ok(claude.tokens > a.tokens + 300, 'the imported tokens count towards what Claude Code loads');
  const cop = await analyze('Follow #file:docs/style.md when you write code.\n', { path: '/p/.github/copilot-instructions.md', workspace: w });
  assert.deepEqual(cop.imports.map(i => i.rel), ['docs/style.md']);
  // Codex does not follow imports
  assert.deepEqual((await analyze('See @docs/style.md.\n', { path: '/p/AGENTS.md', workspace: w })).imports, []);
});

test('stale-reference: missing paths and undefined scripts, not examples, generated folders or unknown manifests', async () => {
  const w = ws({ 'package.json': '{"scripts":{"test":"jest","build":"tsc","test:e2e":"x"}}', Makefile: '.PHONY: lint\nlint:\n\techo\ntest: build\n\techo\n' }, ['src/app.ts', 'src/routes/users.ts', 'docs/']);
  const text = [
    '# Guide', '',
    '- Routes live in `src/routes/users.ts` and `src/routes/orders.ts`.',
    '- Build output goes to `dist/index.js`; logs in `logs/app.log`.',
    '- For example, `src/routes/example.ts` would hold a new route; create `src/new-thing/index.ts` when needed.',
    '- Run `npm run test:e2e`, `npm run build`, `npm run lint:fix`, `make lint`, `make deploy`, `pnpm --filter web run dev`.',
    '- Read `docs/` first; `~/.config/app.json` is yours; see `https://x.org/a/b.md`.', '',
  ].join('\n');
  const a = await analyze(text, { path: '/p/CLAUDE.md', workspace: w });
  assert.deepEqual(rules(a, 'stale-reference').map(f => text.slice(f.start, f.end)), ['src/routes/orders.ts', 'lint:fix', 'deploy']);
  const more = await analyze('# G\n\n- Fixtures can live under `tests/fixtures/` (create it if needed).\n- Import with `@/components/Button.tsx`.\n- `src/version.ts` is auto-generated and must not be committed.\n', { path: '/p/CLAUDE.md', workspace: w });
  assert.deepEqual(rules(more, 'stale-reference'), [], 'a folder to create, an import alias, a generated file');
  assert.match(rules(a, 'stale-reference')[1]!.message, /No `lint:fix` script in this project's package.json/);
  // without a package.json or Makefile, scripts are not checked; without a workspace, nothing is
  const bare = await analyze(text, { path: '/p/CLAUDE.md', workspace: ws({}, ['src/routes/users.ts', 'docs/a.md']) });
  assert.deepEqual(rules(bare, 'stale-reference').map(f => text.slice(f.start, f.end)), ['src/routes/orders.ts']);
  assert.deepEqual(rules(await analyze(text, { path: '/p/CLAUDE.md' }), 'stale-reference'), []);
  assert.deepEqual(parseMakeTargets('all: a b\n\tcc\nVAR := 1\n.PHONY: x y\ninstall::\n'), ['all', 'x', 'y', 'install']);
});

test('cross-file-duplicate: a copy in a sibling instruction file, linked, with an import fix for CLAUDE.md', async () => {
  const shared = Array.from({ length: 12 }, (_, i) => `- Rule ${i}: keep module ${i} free of imports from module ${i + 1}, and test it.`).join('\n');
  const agents = `# Agents\n\n${shared}\n`;
  const w = ws({ 'AGENTS.md': agents, '.cursor/rules/style.mdc': `---\nalwaysApply: true\n---\n${shared}\n` });
  const a = await analyze(`# Claude\n\n${shared}\n`, { path: '/p/CLAUDE.md', workspace: w });
  const [f] = rules(a, 'cross-file-duplicate');
  assert.ok(f);
  assert.match(f.message, /^100% of this file \(≈\d+ tokens\) is also in AGENTS\.md\./);
  assert.equal(f.related[0]!.file, '/p/AGENTS.md');
  assert.equal(f.fixes[0]!.edits[0]!.newText, '@AGENTS.md\n');
  // Cursor loads AGENTS.md and an always-applied rule: it pays twice
  const c = await analyze(`---\nalwaysApply: true\n---\n${shared}\n`, { path: '/p/.cursor/rules/style.mdc', workspace: w });
  assert.match(rules(c, 'cross-file-duplicate')[0]!.message, /Cursor loads both files and pays for it twice/);
  // different instructions, or a short shared line, are not copies
  assert.deepEqual(rules(await analyze('# Claude\n\n- Rule 0: keep module 0 free of imports from module 1, and test it.\n- Use tabs.\n', { path: '/p/CLAUDE.md', workspace: w }), 'cross-file-duplicate'), []);
});

test('broad-attach: applyTo or globs that attach a big file to every request', async () => {
  const body = Array.from({ length: 260 }, (_, i) => `Rule ${i}: keep module ${i} free of imports from module ${i + 1}.`).join('\n\n');
  const a = await analyze(`---\napplyTo: "**/*.md,**/*.json"\n---\n${body}\n`, { path: '/p/.github/instructions/all.instructions.md' });
  assert.match(rules(a, 'broad-attach')[0]!.message, /attaches these [\d,]+ tokens to every request that touches a \*\*\/\*\.md or \*\*\/\*\.json file/);
  assert.deepEqual(rules(await analyze(`---\napplyTo: "src/api/**/*.ts"\n---\n${body}\n`, { path: '/p/.github/instructions/api.instructions.md' }), 'broad-attach'), []);
  assert.deepEqual(rules(await analyze('---\napplyTo: "**"\n---\nUse tabs.\n', { path: '/p/.github/instructions/s.instructions.md' }), 'broad-attach'), [], 'a small file may apply everywhere');
});

test('cache-hostile: today\'s date, running status, load-time shell, self-edits; priced per session from the logs', async () => {
  const text = '# Project\n\nToday is 2026-11-30.\n\n- Current sprint: 48\n- Status: !`git status --short`\n- When you learn something, add a note to CLAUDE.md.\n\n## History\n\nLast updated: 2026-11-02 (an edit re-writes the cache anyway).\n\n- Released on 2024-03-01.\n';
  const a = await analyze(text, { path: '/p/CLAUDE.md', model: 'claude-sonnet-4-6', sessionsPerWeek: 40 });
  const found = rules(a, 'cache-hostile');
  assert.deepEqual(found.map(f => text.slice(f.start, f.end)), ['Today is 2026-11-30', 'Current sprint: 48', '!`git status --short`', 'add a note to CLAUDE.md']);
  assert.match(found[0]!.message, /≈\$[\d.]+\/week at 40 sessions\/week/);
  assert.deepEqual(rules(await analyze(text, { path: '/p/review.prompt.md' }), 'cache-hostile'), [], 'only always-loaded files hold the cache prefix');
});

test('directory-tree, example-heavy and unread front matter', async () => {
  const tree = ['```', '.', ...Array.from({ length: 14 }, (_, i) => `${i % 3 ? '│   ├──' : '├──'} module-${i}/handlers-${i}.ts`), '```'].join('\n');
  // off by default (12 of 14 true on the judged corpora): turned on here
  const on = { rules: { 'directory-tree': true } };
  const a = await analyze(`# Project\n\n${tree}\n`, { path: '/p/CLAUDE.md', settings: on });
  assert.match(rules(a, 'directory-tree')[0]!.message, /^A directory tree of 14 entries/);
  assert.deepEqual(rules(await analyze(`# Project\n\n${tree}\n`, { path: '/p/CLAUDE.md' }), 'directory-tree'), [], 'off by default');
  assert.deepEqual(rules(await analyze('# P\n\n```\nsrc/\n├── a.ts\n└── b.ts\n```\n', { path: '/p/CLAUDE.md', settings: on }), 'directory-tree'), []);
  const bloatedGemini = (await import('node:fs')).readFileSync(`${__dirname}/../../../test/fixtures/prompts/bloated/GEMINI.md`, 'utf8');
  assert.equal(rules(await analyze(bloatedGemini, { path: '/p/GEMINI.md', settings: on }), 'directory-tree').length, 1, 'the planted tree of the fixture');
  const fence = (i: number) => `\`\`\`ts\n${Array.from({ length: 25 }, (_, k) => `export const value${i}_${k} = compute(${k}, "${i}");`).join('\n')}\n\`\`\``;
  const examples = `# Examples\n\nWrite code like this.\n\n${fence(1)}\n\n${fence(2)}\n\n${fence(3)}\n`;
  const ex = await analyze(`---\napplyTo: "src/**/*.ts"\n---\n${examples}`, { path: '/p/.github/instructions/ts.instructions.md' });
  assert.match(rules(ex, 'example-heavy')[0]!.message, /of this prompt \(\d[\d,]* tokens in 3 code blocks\) is code examples/);
  assert.deepEqual(rules(await analyze(examples, { path: '/p/.claude/skills/x/SKILL.md' }), 'example-heavy'), [], 'a skill loaded on request may be its examples');
  const agent = `---\nname: x\nprompt: |\n${'  You review pull requests for the payments service and flag risky changes.\n'.repeat(6)}---\n`;
  const u = await analyze(agent, { path: '/p/.claude/agents/x.md' });
  assert.equal(rules(u, 'unread-front-matter')[0]!.severity, 'error');
  assert.deepEqual(rules(await analyze(`${agent}You review pull requests.\n${'More of the prompt body here. '.repeat(5)}\n`, { path: '/p/.claude/agents/x.md' }), 'unread-front-matter'), []);
});
