// Each bloat rule: a planted case found at the right range with a working fix, and clean text left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyTextEdits, fixAll, Finding, PromptAnalysis } from '../../src/core/prompt';
import { analyze, codes } from './prompt-helpers';
import { rng } from './helpers';

const CLEAN = `# Release helper

You help maintainers of the \`ledger\` library prepare releases.

- Read the commits since the last tag with \`git log\`.
- Group them into Added, Changed, Fixed and Removed.
- Write one line per change, in the imperative mood.

Answer with the Markdown for the changelog section only.
`;

function only(a: PromptAnalysis, rule: string): Finding[] { return a.findings.filter(f => f.rule === rule); }
function range(text: string, needle: string, from = 0): [number, number] { const s = text.indexOf(needle, from); assert.ok(s >= 0, needle); return [s, s + needle.length]; }
const bytes = (n: number, seed = 1) => { const r = rng(seed); return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256))); };

test('clean text: no findings on any rule', async () => {
  assert.deepEqual(codes(await analyze(CLEAN)), []);
  assert.deepEqual(codes(await analyze(CLEAN, { path: '/w/CLAUDE.md', model: 'claude-opus-4-7' })), []);
});

test('over-budget: on the first line, with the budget and the cost', async () => {
  const text = `# Big\n\n${Array.from({ length: 300 }, (_, i) => `Rule ${i}: keep module ${i} free of imports from module ${i + 1}.`).join('\n\n')}\n`;
  const a = await analyze(text, { path: '/w/AGENTS.md' });
  const [f] = only(a, 'over-budget');
  assert.ok(f);
  assert.deepEqual([f.start, f.end], [0, 5]);
  assert.match(f.message, /over the 2,000-token budget for always-loaded files/);
  assert.match(f.message, /per call on gpt-4o/);
  assert.equal(only(await analyze(text, { path: '/w/x.prompt.md' }), 'over-budget').length, 0, '8,000 for other prompt files');
  assert.equal(only(await analyze(text, { path: '/w/AGENTS.md', settings: { promptBudgetTokens: { alwaysLoaded: 50000 } } }), 'over-budget').length, 0);
});

test('duplicate-block: exact repeat points at both places; Fix all removes it', async () => {
  const item = '- Never commit directly to main; open a pull request instead.';
  const text = `${CLEAN}\n${item}\n- Tag releases with the version number.\n${item}\n`;
  const a = await analyze(text);
  const [f] = only(a, 'duplicate-block');
  assert.ok(f);
  const second = text.lastIndexOf(item);
  assert.deepEqual([f.start, f.end], [second, second + item.length]);
  assert.deepEqual(f.related.map(r => r.start), [text.indexOf(item), second]);
  assert.match(f.fixes[0]!.title, /^Remove duplicate list item \(−\d+ tokens\)$/);
  assert.equal(f.fixes[0]!.safe, true);
  const fixed = applyTextEdits(text, fixAll(a)!.edits);
  assert.equal(fixed.split(item).length, 2);
  assert.ok(fixed.endsWith('- Tag releases with the version number.\n'));
});

test('duplicate-block: near repeats (case, spacing, a changed word) are reported but not safe', async () => {
  const p1 = 'Always run the full test suite before you push a branch, including the slow integration tests that need Docker.';
  const p2 = 'always run the  full test suite before you push a branch, including the slow integration tests that need docker!';
  const p3 = 'Always run the full test suite before you push any branch, including the slow integration tests that need Docker.';
  for (const near of [p2, p3]) {
    const text = `${p1}\n\nSomething else entirely about formatting commit messages.\n\n${near}\n`;
    const [f] = only(await analyze(text), 'duplicate-block');
    assert.ok(f, near);
    assert.deepEqual([f.start, f.end], range(text, near));
    assert.equal(f.fixes[0]!.safe, false);
    assert.equal(f.severity, 'information');
  }
  const different = `${p1}\n\nNever run the integration tests against the production database or shared staging data.\n`;
  assert.equal(only(await analyze(different), 'duplicate-block').length, 0);
});

test('high-entropy-blob: data URI, wrapped base64, hex, minified code, lockfile', async () => {
  const b64 = bytes(600).toString('base64');
  const uri = `data:image/png;base64,${b64}`;
  let text = `${CLEAN}\n![logo](${uri})\n`;
  let [f] = only(await analyze(text), 'high-entropy-blob');
  assert.deepEqual([f!.start, f!.end], range(text, uri));
  assert.match(f!.fixes[0]!.title, /^Replace blob with placeholder \(−[\d,]+ tokens\)$/);
  assert.match(f!.fixes[1]!.title, /^Move blob to task\.blob-1\.b64 next to the prompt \(−[\d,]+ tokens\)$/);
  assert.deepEqual(f!.fixes[1]!.createFile, { name: 'task.blob-1.b64', content: uri });

  const pem = bytes(700, 2).toString('base64').replace(/(.{64})/g, '$1\n').trim();
  text = `${CLEAN}\n-----BEGIN CERTIFICATE-----\n${pem}\n-----END CERTIFICATE-----\n`;
  [f] = only(await analyze(text), 'high-entropy-blob');
  assert.deepEqual([f!.start, f!.end], range(text, pem));

  const hex = bytes(96, 3).toString('hex');
  text = `${CLEAN}\nThe expected digest is ${hex} for the release tarball.\n`;
  [f] = only(await analyze(text), 'high-entropy-blob');
  assert.deepEqual([f!.start, f!.end], range(text, hex));

  const minified = Array.from({ length: 40 }, (_, i) => `function f${i}(a,b){return a.map(x=>x*${i}).filter(y=>y>b);}var v${i}=f${i}([1,2,3],${i});`).join('');
  text = `${CLEAN}\n\`\`\`js\n${minified}\n\`\`\`\n`;
  [f] = only(await analyze(text), 'high-entropy-blob');
  assert.deepEqual([f!.start, f!.end], range(text, minified));
  assert.match(f!.message, /^Minified code: \d[\d,]* tokens/);

  const lock = Array.from({ length: 10 }, (_, i) => `"node_modules/p${i}": {\n  "version": "1.0.${i}",\n  "resolved": "https://registry.npmjs.org/p${i}/-/p${i}-1.0.${i}.tgz",\n  "integrity": "sha512-${bytes(64, i + 10).toString('base64')}"\n},`).join('\n');
  text = `${CLEAN}\n\`\`\`json\n${lock}\n\`\`\`\n`;
  const lockFindings = only(await analyze(text), 'high-entropy-blob');
  assert.equal(lockFindings.length, 1);
  assert.match(lockFindings[0]!.message, /^Lockfile content/);

  // paths, URLs and ordinary long words are not blobs
  const prose = `${CLEAN}\nSee https://github.com/acme/ledger/blob/main/src/accounting/reconciliation/strategies/default.ts and src/components/very/deeply/nested/folder/structure/component/index.ts for details; commit 3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49 fixed it.\n`;
  assert.equal(only(await analyze(prose), 'high-entropy-blob').length, 0);
});

test('log-dump: longer than logDumpLines, head and tail kept', async () => {
  const log = Array.from({ length: 45 }, (_, i) => `2025-01-0${1 + (i % 9)} 12:00:${String(i).padStart(2, '0')} WARN cache miss for key user:${i}`).join('\n');
  const text = `${CLEAN}\n\`\`\`\n${log}\n\`\`\`\n`;
  const a = await analyze(text);
  const [f] = only(a, 'log-dump');
  assert.ok(f);
  assert.deepEqual([f.start, f.end], range(text, log));
  assert.match(f.message, /45 lines/);
  const fixed = applyTextEdits(text, f.fixes[0]!.edits);
  assert.match(f.fixes[0]!.title, /^Keep head and tail of log \(−[\d,]+ tokens\)$/);
  assert.match(fixed, /user:9\n… 25 log lines elided …\n2025-01-0[1-9] 12:00:35/);
  assert.equal(only(await analyze(text, { settings: { logDumpLines: 100 } }), 'log-dump').length, 0);
  const trace = `Error: boom\n${Array.from({ length: 35 }, (_, i) => `    at fn${i} (/app/src/file${i}.js:${i + 1}:7)`).join('\n')}`;
  assert.equal(only(await analyze(`${CLEAN}\n${trace}\n`), 'log-dump').length, 1);
  assert.equal(only(await analyze(`${CLEAN}\n${trace.split('\n').slice(0, 20).join('\n')}\n`), 'log-dump').length, 0);
});

test('large-code-block and large-data-block: far larger than the rest; move to a file', async () => {
  const code = Array.from({ length: 120 }, (_, i) => `export function handler${i}(req: Request): Response {\n  return new Response(String(req.url.length + ${i}));\n}`).join('\n');
  let text = `${CLEAN}\n\`\`\`ts\n${code}\n\`\`\`\n`;
  let [f] = only(await analyze(text), 'large-code-block');
  assert.ok(f);
  assert.equal(text.slice(f.start, f.end), `\`\`\`ts\n${code}\n\`\`\``);
  assert.match(f.fixes[0]!.title, /^Move code to task\.code-1\.ts next to the prompt \(−[\d,]+ tokens\)$/);
  assert.equal(f.fixes[0]!.createFile!.content, `${code}\n`);
  const table = `| id | name | price |\n|---|---|---|\n${Array.from({ length: 150 }, (_, i) => `| ${i} | Product ${i} | ${i * 3}.99 |`).join('\n')}`;
  text = `${CLEAN}\n${table}\n`;
  [f] = only(await analyze(text), 'large-data-block');
  assert.deepEqual([f!.start, f!.end], range(text, table));
  const small = `${CLEAN}\n\`\`\`json\n{ "a": 1, "b": [1, 2, 3] }\n\`\`\`\n`;
  assert.deepEqual(codes(await analyze(small)), []);
});

test('whitespace: trailing spaces and blank-line runs, collapsed when they cost tokens', async () => {
  const lines = Array.from({ length: 30 }, (_, i) => `Line ${i} of the notes.${' '.repeat(9)}`).join('\n');
  const text = `${CLEAN}\n${lines}\n`;
  const a = await analyze(text);
  const [f] = only(a, 'whitespace');
  assert.ok(f);
  assert.deepEqual([f.start, f.end], [text.indexOf('Line 0 of the notes.') + 'Line 0 of the notes.'.length, text.lastIndexOf(' ') + 1]);
  assert.match(f.fixes[0]!.title, /^Remove trailing spaces \(−\d+ tokens\)$/);
  const fixed = applyTextEdits(text, fixAll(a)!.edits);
  assert.doesNotMatch(fixed, / \n/);
  const blank = `${CLEAN}\n${Array.from({ length: 12 }, (_, i) => `Para ${i}.\n${'   \n'.repeat(4)}`).join('')}`;
  assert.ok(only(await analyze(blank), 'whitespace').some(x => /blank lines/.test(x.message)));
  // a stray trailing space or two is not worth a diagnostic
  assert.deepEqual(codes(await analyze(`${CLEAN} \n\n\nEnd.  \n`)), []);
});

test('whitespace: deep indentation of a fenced block is a separate, non-safe fix', async () => {
  const body = Array.from({ length: 40 }, (_, i) => `${'\t'.repeat(4)}call_${i}(argument_${i})`).join('\n');
  const text = `${CLEAN}\n\`\`\`python\n${body}\n\`\`\`\n`;
  const [f] = only(await analyze(text), 'whitespace');
  assert.ok(f, 'deep indentation found');
  assert.match(f.message, /deep indentation/);
  assert.equal(f.fixes[0]!.safe, false);
  assert.match(applyTextEdits(text, f.fixes[0]!.edits), /```python\ncall_0\(argument_0\)\ncall_1/);
});

test('filler: built-in phrases, replacements, user phrases, and not in code', async () => {
  const text = `${CLEAN}\nI want you to keep answers short. Use the API in order to fetch data.\n\n\`I want you to\` is a quoted phrase.\n\n\`\`\`\nplease make sure that this stays\n\`\`\`\n`;
  const a = await analyze(text);
  const f = only(a, 'filler');
  assert.deepEqual(f.map(x => text.slice(x.start, x.end)), ['I want you to', 'in order to']);
  assert.match(f[0]!.fixes[0]!.title, /^Remove filler \(−\d+ tokens\)$/);
  assert.match(f[1]!.fixes[0]!.title, /^Replace with “to” \(−\d+ tokens\)$/);
  const fixed = applyTextEdits(text, f[0]!.fixes[1]!.edits);
  assert.match(fixed, /\nKeep answers short\. Use the API to fetch data\./);
  const user = await analyze(`${CLEAN}\nAs discussed earlier, ship it.\n`, { settings: { fillerPhrases: ['as discussed earlier,'] } });
  assert.deepEqual(codes(user), ['filler']);
  assert.deepEqual(codes(await analyze(`${CLEAN}\nI want you to be brief.\n`, { settings: { rules: { filler: false } } })), []);
});

test('lost-in-the-middle: a standalone hard constraint in the middle of a long prompt is copied to the top', async () => {
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `Topic ${i}: the service ${i % 7} exposes endpoint ${i} with pagination by cursor ${i * 13}.`).join('\n\n');
  const rule = '- NEVER delete customer data without a ticket.';
  const text = `# Ops\n\n${filler(260)}\n\n${rule}\n\n${filler(260)}\n`;
  const a = await analyze(text);
  assert.ok(a.tokens > 8000, String(a.tokens));
  const [f] = only(a, 'lost-in-the-middle');
  assert.ok(f);
  assert.deepEqual([f.start, f.end], range(text, rule));
  assert.match(f.fixes[0]!.title, /^Copy constraint to a “Constraints” block at the top \(\+\d+ tokens\)$/);
  const copied = applyTextEdits(text, f.fixes[0]!.edits);
  assert.ok(copied.startsWith(`# Ops\n\n## Constraints\n\n${rule}\n\nTopic 0`), copied.slice(0, 100));
  assert.equal(copied.split(rule).length, 3, 'the constraint stays in its section too');
  const atTop = `# Ops\n\n${rule}\n\n${filler(520)}\n`;
  assert.equal(only(await analyze(atTop), 'lost-in-the-middle').length, 0);
  assert.equal(only(await analyze(`# Ops\n\n${filler(100)}\n\n${rule}\n\n${filler(100)}\n`), 'lost-in-the-middle').length, 0, 'prompts under 8k tokens are exempt');
  // scoped by its section, by a condition, or by a lead-in: not lost, just where it belongs
  for (const scoped of ['- NEVER delete these without a ticket.', '**Impact: CRITICAL** for the checkout flow.', '- When a ticket is open, NEVER delete customer data.', 'For the billing service:\n\n- NEVER delete customer data without a ticket.', '1. NEVER delete customer data without a ticket.']) {
    const t = `# Ops\n\n${filler(260)}\n\n${scoped}\n\n## More\n\n${filler(260)}\n`;
    assert.equal(only(await analyze(t), 'lost-in-the-middle').length, 0, scoped);
  }
});

test('long-context-cliff: the prompt alone passes the model\'s long-context threshold', async () => {
  const para = (i: number) => `Paragraph ${i} describes subsystem ${i} and its invariants in ordinary English prose for the agent to follow.`;
  const text = `---\nmodel: claude-sonnet-4-5\n---\n${Array.from({ length: 9000 }, (_, i) => para(i)).join('\n\n')}\n`;
  const a = await analyze(text);
  assert.ok(a.tokens > 200_000, String(a.tokens));
  const [f] = only(a, 'long-context-cliff');
  assert.ok(f);
  assert.match(f.message, /past claude-sonnet-4-5's 200,000-token long-context threshold/);
  assert.match(f.message, /\$6\/M instead of \$3\/M/);
  assert.equal(only(await analyze(text.replace('claude-sonnet-4-5', 'claude-sonnet-4-6')), 'long-context-cliff').length, 0);
});

test('cheaper-tier: frontier model on a simple task; not for design work or cheap models', async () => {
  const text = '---\nmodel: claude-opus-4-6\n---\nExtract every date from the text and format them as ISO 8601, one per line.\n';
  const a = await analyze(text);
  const [f] = only(a, 'cheaper-tier');
  assert.ok(f);
  assert.deepEqual([f.start, f.end], range(text, 'claude-opus-4-6'));
  assert.equal(f.fixes[0]!.title, 'Switch to claude-haiku-4-5 (−80% per call)');
  assert.equal(applyTextEdits(text, f.fixes[0]!.edits).split('\n')[1], 'model: claude-haiku-4-5');
  assert.equal(only(await analyze(text.replace('Extract', 'Design a migration plan, then extract')), 'cheaper-tier').length, 0);
  assert.equal(only(await analyze(text.replace('claude-opus-4-6', 'claude-haiku-4-5')), 'cheaper-tier').length, 0);
  assert.equal(only(await analyze(text.replace('---\nmodel: claude-opus-4-6\n---\n', '')), 'cheaper-tier').length, 0, 'only a front-matter model');
});

test('rules can be turned off one by one, by short or full code', async () => {
  const text = `${CLEAN}\nI want you to be brief.\n`;
  assert.deepEqual(codes(await analyze(text, { settings: { rules: { 'tokenomics.filler': false } } })), []);
});

test('garbage and huge single lines never crash (their speed is measured in npm run bench)', async () => {
  const r = rng(7);
  const junk = Array.from({ length: 200_000 }, () => String.fromCharCode(Math.floor(r() * 0x3000))).join('');
  for (const text of ['', '---', '---\n', '```', '|', '- ', '#', 'a'.repeat(1_000_000), `${'x'.repeat(500_000)} ${'='.repeat(500_000)}`, junk, `${'\t'.repeat(100_000)}x\n`.repeat(3), '\r\n\r\n\r\n']) {
    const a = await analyze(text, { path: '/w/CLAUDE.md' });
    assert.ok(a.tokens >= 0);
  }
});
