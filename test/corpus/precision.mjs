#!/usr/bin/env node
// Scores a diagnose.mjs run against the verdicts in test/corpus/prompts/labels.json and fixall.json.
// Usage: node test/corpus/precision.mjs run.jsonl [--unlabelled] [--corpus test/corpus/holdout]
//   prints a Markdown table per rule (fired / true / false / unlabelled / precision) and the Fix-all
//   summary; with --unlabelled, prints instead the diagnostics and Fix-all removals that have no
//   verdict yet (or whose message changed since they were judged), one JSON object per line.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [runFile, ...flags] = process.argv.slice(2);
if (!runFile) { console.error('usage: node test/corpus/precision.mjs run.jsonl [--unlabelled] [--corpus test/corpus/holdout]'); process.exit(2); }
const ci = flags.indexOf('--corpus');
const CORPUS_DIR = ci >= 0 ? path.resolve(flags[ci + 1]) : path.join(HERE, 'prompts');
const run = fs.readFileSync(runFile, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l));
const labels = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, 'labels.json'), 'utf8'));
const fixLabels = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, 'fixall.json'), 'utf8'));

/** The key of a verdict: a diagnostic is the same one when file, rule, first line and flagged text agree. */
export const keyOf = d => JSON.stringify([d.file, d.rule, d.line, d.excerpt]);
const byKey = new Map();
for (const l of labels) { const k = keyOf(l); byKey.set(k, [...(byKey.get(k) ?? []), l]); }
/** The verdict judged on the same message, else none: a changed message is judged again. */
const verdictOf = d => (byKey.get(keyOf(d)) ?? []).filter(l => l.message === undefined || l.message === d.message).pop();

const removalKey = (file, removed) => JSON.stringify([file, removed.trim()]);
const fixByKey = new Map(fixLabels.map(l => [removalKey(l.file, l.removed), l]));
/** A Fix-all edit that deletes or rewrites text (not only whitespace) is judged on its own. */
const removals = a => a.edits.filter(e => e.removed.trim() !== e.newText.trim()).map(e => ({ file: a.file, line: e.line, removed: e.removed, newText: e.newText }));

const diags = run.filter(x => x.type === 'diagnostic');
const fixes = run.filter(x => x.type === 'fixAll');

if (flags.includes('--unlabelled')) {
  for (const d of diags) if (!verdictOf(d)) console.log(JSON.stringify({ ...d, stale: byKey.has(keyOf(d)) }));
  for (const a of fixes) for (const r of removals(a)) if (!fixByKey.has(removalKey(r.file, r.removed))) console.log(JSON.stringify({ type: 'fixAllRemoval', ...r }));
  process.exit(0);
}

const rules = [...new Set(diags.map(d => d.rule))].sort();
const pct = (t, f) => (t + f ? `${Math.round((100 * t) / (t + f))}%` : '–');
const rows = [['Rule', 'Fired', 'True', 'False', 'Unlabelled', 'Precision']];
let T = 0, F = 0, U = 0;
for (const r of rules) {
  const ds = diags.filter(d => d.rule === r);
  const v = ds.map(verdictOf);
  const t = v.filter(x => x?.verdict === 'true').length, f = v.filter(x => x?.verdict === 'false').length, u = v.filter(x => !x).length;
  T += t; F += f; U += u;
  rows.push([`\`${r}\``, ds.length, t, f, u, pct(t, f)]);
}
rows.push(['**all**', diags.length, T, F, U, pct(T, F)]);
console.log(rows.map((r, i) => `| ${r.join(' | ')} |${i === 0 ? `\n|${r.map((_, j) => (j ? '---:' : '---')).join('|')}|` : ''}`).join('\n'));

const files = run.filter(x => x.type === 'file');
let unsafeFiles = 0, unlabelledRemovals = 0, removing = 0;
const unsafe = [];
for (const a of fixes) {
  const rs = removals(a);
  if (rs.length) removing++;
  const bad = rs.map(r => ({ r, l: fixByKey.get(removalKey(r.file, r.removed)) }));
  unlabelledRemovals += bad.filter(b => !b.l).length;
  const u = bad.filter(b => b.l?.verdict === 'unsafe');
  if (u.length) { unsafeFiles++; unsafe.push(...u.map(b => `${b.r.file}:${b.r.line} ${JSON.stringify(b.r.removed.trim().slice(0, 80))}`)); }
}
console.log(`\n${files.length} files (${files.filter(f => f.isPrompt).length} analysed as prompts). Fix all safe bloat offered in ${fixes.length} files; it deletes or rewrites text (beyond whitespace) in ${removing}; it removes an instruction whose meaning is not kept in the same scope in ${unsafeFiles}${unlabelledRemovals ? `; ${unlabelledRemovals} removals not judged yet` : ''}.`);
for (const u of unsafe) console.log(`- ${u}`);
