import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import type { WeekSummary } from '../../src/core/week/types';
import { formatMoney, headlineTexts, nudgeText } from '../../src/core/week/format';
import { toCsv, toMarkdown } from '../../src/core/week/export';

const FIX = path.resolve(__dirname, '../../../test/fixtures/week');

const home = tempDir('tkx-week-home-');
const empty = tempDir('tkx-week-gemini-');
function io(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC', ...env }, cwd: FIX };
  return o;
}
const DIRS = ['--claude-dir', 'claude', '--codex-dir', 'codex', '--gemini-dir', empty];
const QUOTAS = JSON.stringify([{ name: 'client', projects: ['/home/dev/shop'], weeklyUSD: 0.25 }, { name: 'broken', projects: 'x', weeklyUSD: 1 }]);

async function cli(format: string, extra: string[] = []): Promise<string> {
  const o = io({ TOKENOMICS_QUOTAS: QUOTAS });
  assert.equal(await main(['week', '--week', '2026-05-04', '--format', format, '--timezone', 'UTC', ...DIRS, ...extra], o), 0, o.err);
  return o.out;
}

test('week --format json has the report --json totals and the sections', async () => {
  const w = JSON.parse(await cli('json')) as WeekSummary;
  const r = io();
  assert.equal(await main(['report', '--json', '--since', '2026-05-04', '--until', '2026-05-10', '--timezone', 'UTC', ...DIRS], r), 0, r.err);
  assert.deepEqual(w.totals, JSON.parse(r.out).totals, 'same totals as tokenomics report --json for the same days');
  for (const k of ['range', 'headline', 'days', 'models', 'agents', 'projects', 'cache', 'value', 'waste', 'contextBloat', 'cheaperTier', 'instructionFiles', 'topSessions', 'quotas']) assert.ok(k in w, k);
  assert.equal(w.quotas[0]!.status, 'over');
  assert.deepEqual(w.quotaProblems.map(p => [p.name, p.field]), [['broken', 'projects']]);
});

// The webview (src/webview/week.ts) imports these same formatters; test/e2e/ui/week-summary.mjs checks
// the figures it shows against this Markdown.
test('Markdown export and CLI agree to the cent', async () => {
  const w = JSON.parse(await cli('json')) as WeekSummary;
  const md = await cli('md');
  const text = await cli('text');
  assert.equal(md, toMarkdown(w), 'the CLI Markdown is the export');
  const fromView = headlineTexts(w);
  assert.equal(fromView.spend, '$4.20');
  const money = [w.headline.spendUSD, ...w.days.map(d => d.costUSD), ...w.models.map(m => m.costUSD), ...w.agents.map(a => a.costUSD),
    ...w.projects.map(p => p.costUSD), ...w.topSessions.map(s => s.costUSD), ...w.quotas.map(q => q.spentUSD), w.cache.savingsUSD, w.totals.costUSD];
  for (const v of money) {
    const s = formatMoney(v);
    assert.ok(md.includes(s), `Markdown shows ${s}`);
    assert.ok(text.includes(s), `CLI text shows ${s}`);
  }
  assert.ok(md.includes(`Spend ${fromView.spend} · ${fromView.tokens} tokens · ${fromView.requests} requests · ${fromView.sessions} sessions`));
  assert.ok(text.includes(`Spend ${fromView.spend} · ${fromView.tokens} tokens`));
  // rounded once, to the cent, at the half cent too
  assert.deepEqual([0.005, 1.005, 2.675, 1234.565, -0.004, 0.0049].map(formatMoney), ['$0.01', '$1.00', '$2.68', '$1,234.57', '$0.00', '$0.00']);
});

test('CSV: one row per day × agent × model, cost to the cent, formulas neutralised', async () => {
  const csv = await cli('csv');
  const rows = csv.trim().split('\r\n');
  assert.equal(rows[0], 'date,agent,model,input_tokens,output_tokens,cache_creation_tokens,cache_read_tokens,total_tokens,requests,cost_usd,basis');
  assert.deepEqual(rows.slice(1).map(r => r.split(',').slice(0, 3).join(' ')), [
    '2026-05-04 claude-code claude-sonnet-4-5-20250929', '2026-05-05 claude-code claude-opus-4-1-20250805', '2026-05-06 codex gpt-5.2-codex']);
  assert.equal(rows[1]!.split(',').at(-2), '0.27');
  assert.equal(rows[1]!.split(',').pop(), 'exact');
  const w = JSON.parse(await cli('json')) as WeekSummary;
  w.dayRows[0]!.model = '=HYPERLINK("x")';
  assert.match(toCsv(w), /"'=HYPERLINK\(""x""\)"/);
});

test('Markdown escapes what comes from logs', async () => {
  const w = JSON.parse(await cli('json')) as WeekSummary;
  w.projects[0]!.name = 'a|b<script>';
  const md = toMarkdown(w);
  assert.ok(md.includes('a\\|b<script>') || md.includes('a\\|b&lt;script&gt;'));
  assert.ok(!/\| a\|b/.test(md));
});

test('bad arguments exit 2 with one line', async () => {
  for (const args of [['--week', '2026-13-01'], ['--format', 'pdf'], ['--timezone', 'Mars/Olympus'], ['--bogus'], ['extra'], ['--claude-dir', '/no/such/dir'], ['--week-starts-on', 'friday'], ['--waste-threshold', 'lots']]) {
    const o = io();
    assert.equal(await main(['week', ...args], o), 2, args.join(' '));
    assert.equal(o.err.trim().split('\n').length, 1, o.err);
    assert.match(o.err, /^tokenomics week: /);
  }
  const o = io({ TOKENOMICS_QUOTAS: '{' });
  assert.equal(await main(['week', ...DIRS], o), 2);
});

test('the cache makes a second run read no transcripts, and --no-cache writes nothing', async () => {
  const h = tempDir('tkx-week-cache-');
  const a = io({ XDG_CACHE_HOME: h });
  assert.equal(await main(['week', '--week', '2026-05-04', '--format', 'json', '--no-cache', ...DIRS], a), 0);
  assert.equal(fs.readdirSync(h).length, 0);
  const b = io({ XDG_CACHE_HOME: h });
  assert.equal(await main(['week', '--week', '2026-05-04', '--format', 'json', ...DIRS], b), 0);
  const files = fs.readdirSync(path.join(h, 'tokenomics'));
  assert.ok(files.some(f => f.startsWith('activity-')), files.join());
  const c = io({ XDG_CACHE_HOME: h });
  assert.equal(await main(['week', '--week', '2026-05-04', '--format', 'json', ...DIRS], c), 0);
  const strip = (s: string) => ({ ...JSON.parse(s), generatedAt: 0 });
  assert.deepEqual(strip(c.out), strip(b.out));
  assert.deepEqual(strip(a.out), strip(b.out));
});

test('the weekly nudge text', async () => {
  const w = JSON.parse(await cli('json')) as WeekSummary;
  assert.equal(nudgeText(w), 'Last week: $4.20, +180% — 1 session over $2.00 changed nothing');
  w.headline.change.spendPercent = -12.4;
  w.value.wasteCandidates = [];
  assert.equal(nudgeText(w), 'Last week: $4.20, −12% — about $0.15 in waste findings');
});

test('tokenomics week with a ReDoS quota pattern finishes; a quota with too many patterns is named on stderr', { timeout: 60_000 }, async () => {
  // was a backtracking regex: `*a*a*…*ab` against a long folder name never finished
  const hostile = JSON.stringify([
    { name: 'redos', projects: [`*${'a*'.repeat(14)}b`, `${'**/'.repeat(8)}x`, `/home/dev/${'a'.repeat(200)}`], weeklyUSD: 1 },
    { name: 'many', projects: Array.from({ length: 201 }, (_, i) => `/p${i}`), weeklyUSD: 1 },
  ]);
  const o = io({ TOKENOMICS_QUOTAS: hostile });
  assert.equal(await main(['week', '--week', '2026-05-04', '--format', 'json', '--timezone', 'UTC', '--no-cache', ...DIRS], o), 0, o.err);
  const w = JSON.parse(o.out) as WeekSummary;
  assert.deepEqual(w.quotas.map(q => q.name), ['redos']);
  assert.match(o.err, /invalid quota "many" \(projects\): tokenomics\.quotas\[1\]\.projects: 201 patterns, more than the 200 allowed/);
});

// Issue 10/11: every figure says where it comes from. Copilot's chat journal keeps only the last model
// call of a request (a lower bound), Continue's tokensGenerated.jsonl is counted from text (an estimate):
// the summary marks both, in the Markdown and text exports, the CSV and the webview (same formatters).
test('week marks lower bounds (≥) and estimates (≈) in every export', async () => {
  const A = path.resolve(__dirname, '../../../test/fixtures/agent-logs');
  const o = io();
  const args = ['week', '--week', '2026-11-16', '--timezone', 'UTC', '--claude-dir', empty, '--codex-dir', empty, '--gemini-dir', empty,
    '--cline-dir', empty, '--opencode-dir', empty, '--kilo-dir', empty,
    '--vscode-user-dir', path.join(A, 'copilot/User'), '--continue-dir', path.join(A, 'continue/dot-continue')];
  assert.equal(await main([...args, '--format', 'json'], o), 0, o.err);
  const w = JSON.parse(o.out) as WeekSummary;
  assert.deepEqual(w.agents.map(a => [a.agent, a.basis]), [['copilot', 'lower-bound'], ['continue', 'estimate']]);
  assert.equal(w.totals.basis, 'estimate', 'a total with an estimated part is an estimate');
  const h = headlineTexts(w);
  assert.equal(h.spend, `≈${formatMoney(w.headline.spendUSD)}`);
  assert.match(h.tokens, /^≈[\d,]+$/);
  const md = toMarkdown(w);
  assert.match(md, /\| GitHub Copilot \| [\d,]+ \| ≥[\d,]+ \| ≥\$[\d.]+ \|/);
  assert.match(md, /\| Continue \| [\d,]+ \| ≈[\d,]+ \| ≈\$[\d.]+ \|/);
  assert.match(md, /≥ lower bound for GitHub Copilot: .*≈ estimate for Continue/);
  const csv = toCsv(w).trim().split('\r\n');
  assert.equal(csv[0]!.split(',').pop(), 'basis');
  assert.deepEqual([...new Set(csv.slice(1).map(r => `${r.split(',')[1]} ${r.split(',').pop()}`))].sort(), ['continue estimate', 'copilot exact', 'copilot lower-bound'], 'a day row of exact trace-store calls stays exact');
  const r = io();
  assert.equal(await main(['report', ...args.slice(5)], r), 0, r.err);
  assert.match(r.out, /^Total .* ≈[\d,.]+k?\s+\d+\s+≈\$[\d.]+$/m, 'report\'s table marks the estimated total');
  // and an all-exact week carries no mark and no note
  const exact = JSON.parse(await cli('json')) as WeekSummary;
  assert.equal(exact.totals.basis, 'exact');
  assert.ok(!/[≥≈]/.test(toMarkdown(exact).split('## Always-loaded')[0]!), 'no mark on exact figures');
});

// A FIFO at a cache path must not hang: the usage index was read without blocking, the activity and
// leak-facts caches were read with readFileSync, which waits forever on a FIFO (persist.ts readPersisted).
// Run as a child process so a hang is a failed run (killed at the timeout), not a frozen test file.
test('week with FIFOs at the activity and leak-facts cache paths answers as without them, and saves over them', () => {
  const cacheHome = tempDir('tkx-week-fifo-');
  const cli = path.resolve(__dirname, '../../src/cli/cli.js');
  const run = () => spawnSync(process.execPath, [cli, 'week', '--week', '2026-05-04', '--format', 'json', '--timezone', 'UTC', ...DIRS],
    { cwd: FIX, env: { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: cacheHome, TZ: 'UTC' }, encoding: 'utf8', timeout: 20_000 });
  const first = run();
  assert.equal(first.status, 0, first.stderr);
  const dir = path.join(cacheHome, 'tokenomics');
  const caches = fs.readdirSync(dir).filter(f => /^(activity|leaks)-.*\.json$/.test(f));
  assert.equal(caches.length, 2, `test bug: the caches are ${fs.readdirSync(dir).join(', ')}`);
  for (const f of caches) { fs.rmSync(path.join(dir, f)); execFileSync('mkfifo', [path.join(dir, f)]); }
  const second = run();
  assert.equal(second.error, undefined, 'the run ended by itself (no hang on a FIFO)');
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(JSON.parse(second.stdout).value, JSON.parse(first.stdout).value, 'the activity is read from the transcripts again');
  assert.deepEqual(JSON.parse(second.stdout).leaks, JSON.parse(first.stdout).leaks);
  for (const f of caches) assert.ok(fs.statSync(path.join(dir, f)).isFile(), `${f} saved over the FIFO`);
});
