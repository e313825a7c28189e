// The prompt lenses: who loads the file and what that costs a week, priced like the bill (only the
// requests of the agents that read it, at their measured cache-read share); imports; section lenses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { requestCost, ZERO_USAGE } from '../../src/core/cost';
import { codeLenses } from '../../src/server/prompts/lenses';
import { workspaceFromFiles } from '../../src/core/prompt';
import { analyze, catalog } from './prompt-helpers';

const body = `# Project\n\nIntro line.\n\n## Setup\n\n${Array.from({ length: 30 }, (_, i) => `- Step ${i}: install tool ${i} with the script.`).join('\n')}\n\n## Rules\n\n${Array.from({ length: 40 }, (_, i) => `- Rule ${i}: keep module ${i} small.`).join('\n')}\n\n## Tiny\n\nOk.\n`;
const titles = async (path: string, week?: Map<string, { requests: number; sessions: number; input: number; cacheRead: number; cacheWrite: number }>, text = body, workspace?: ReturnType<typeof workspaceFromFiles>) => {
  const a = await analyze(text, { path, model: 'claude-sonnet-4-6', workspace });
  return { a, t: codeLenses(TextDocument.create(`file://${path}`, 'markdown', 1, text), a, 300, week).map(l => l.command!.title) };
};

test('weekly lens: only the agents that read the file, at their cache-read share', async () => {
  // Claude Code read CLAUDE.md 400 times this week, 90% of its input from cache; Codex does not read CLAUDE.md
  const week = new Map([['claude', { requests: 400, sessions: 12, input: 100, cacheRead: 900, cacheWrite: 0 }], ['codex', { requests: 5000, sessions: 40, input: 1000, cacheRead: 0, cacheWrite: 0 }]]);
  const { a, t } = await titles('/w/CLAUDE.md', week);
  const lens = t.find(x => x.startsWith('Loaded on every request'))!;
  const m = catalog.resolve('claude-sonnet-4-6');
  const per = requestCost(m, { ...ZERO_USAGE, input: Math.round(a.tokens * 0.1), cacheRead: Math.round(a.tokens * 0.9) })!;
  assert.match(lens, /for Claude Code 400 requests in this project \(last 7 days, 90% of input from cache\)/);
  assert.ok(lens.includes((per * 400).toFixed(2).replace(/^0\./, '0.').slice(0, 4)), `${lens} vs ${per * 400}`);
  assert.doesNotMatch(lens, /5,000|Codex/);
  // without logs: the assumption, named as such, and which agents read the file
  const none = await titles('/w/AGENTS.md');
  assert.match(none.t.find(x => x.startsWith('Loaded on every request'))!, /^Loaded on every request by Codex, Copilot and Cursor: ≈\$[\d.]+\/week at an assumed 300 requests\/week \(tokenomics.assumedRequestsPerWeek\), uncached/);
});

test('lenses say when nested and attached files load; sections under 2% or repeating the total are hidden', async () => {
  const nested = await analyze(body, { path: '/w/packages/api/CLAUDE.md', workspace: workspaceFromFiles('/w', ['packages/api/CLAUDE.md'], () => undefined) });
  const t = codeLenses(TextDocument.create('file:///w/packages/api/CLAUDE.md', 'markdown', 1, body), nested, 300, undefined).map(l => l.command!.title);
  assert.ok(t.includes('Loaded by Claude Code on every request while it works below packages/api/'), t.join('\n'));
  const attached = await titles('/w/.github/instructions/ts.instructions.md', undefined, `---\napplyTo: "**/*.ts"\n---\n${body}`);
  assert.ok(attached.t.includes('Attached by Copilot when the task touches files matching **/*.ts'), attached.t.join('\n'));
  const { t: all } = await titles('/w/CLAUDE.md');
  const sectionLenses = all.filter(x => / of the file$/.test(x));
  assert.equal(sectionLenses.length, 2, `only “Setup” and “Rules”: “Project” repeats the total, “Tiny” is under 2%\n${all.join('\n')}`);
});

test('imports and sub-agent descriptions are shown with what they cost', async () => {
  const ws = workspaceFromFiles('/w', ['AGENTS.md'], () => body);
  const { t } = await titles('/w/CLAUDE.md', undefined, '# Claude\n\nSee @AGENTS.md.\n', ws);
  assert.ok(t.some(x => /^Imports AGENTS\.md \(≈[\d,]+\): ≈[\d,]+ tokens loaded with this file$/.test(x)), t.join('\n'));
  const agent = await titles('/w/.claude/agents/review.md', undefined, '---\nname: review\ndescription: Reviews pull requests for security problems and missing tests before merge.\n---\nYou review pull requests.\n');
  assert.ok(agent.t.some(x => /^Its description \(≈\d+ tokens\) sits in Claude Code's main context on every request/.test(x)), agent.t.join('\n'));
});
