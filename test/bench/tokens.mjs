// Token engine benchmarks (foundation issue, issue 10): rank load in a fresh process against the old
// text loader, cold count throughput vs js-tiktoken (counts checked against OpenAI's tiktoken), one-
// character edit recount in a 1 MB document, the 100k-letter worst case, and the engine's memory.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from './lsp-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const { getCounter } = require(path.join(ROOT, 'out/src/core/tokenizer.js'));
const { BpeCounter } = require(path.join(ROOT, 'out/src/core/bpe.js'));
const { loadRanks } = require(path.join(ROOT, 'out/src/core/tokenizer.js'));
const { IncrementalCounter } = require(path.join(ROOT, 'out/src/core/incremental.js'));

const median = a => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const time = fn => { const t = performance.now(); const v = fn(); return [performance.now() - t, v]; };

/** ~2 MB of real prose (package READMEs) and real code (TypeScript's lib declarations and sources), interleaved. */
export function corpus(bytes = 2_000_000) {
  const nm = path.join(ROOT, 'node_modules');
  const prose = [], code = [];
  const walk = (dir, depth) => {
    let entries = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && depth < 4) walk(p, depth + 1);
      else if (e.isFile() && /\.md$/i.test(e.name)) prose.push(p);
      else if (e.isFile() && /\.(ts|js|mjs)$/.test(e.name) && !/\.min\.|ranks/.test(p)) code.push(p);
    }
  };
  walk(nm, 0);
  let out = '', i = 0;
  const seen = new Set();
  while (out.length < bytes && (i < prose.length || i < code.length)) {
    for (const list of [prose, code]) {
      const f = list[i];
      if (!f) continue;
      const text = fs.readFileSync(f, 'utf8');
      if (text.length > 200_000 || seen.has(text)) continue;
      seen.add(text);
      out += text + '\n';
    }
    i++;
  }
  return out.slice(0, bytes);
}

export async function run(log) {
  const { getEncoding } = require('js-tiktoken');
  const text = corpus();
  log(`corpus: ${(text.length / 1e6).toFixed(2)} M chars of package READMEs and source`);

  const load = rankLoad();
  // The ratio is what this run can vouch for on a busy machine; scaled to the old loader's 130 ms on a
  // quiet one (issue 10's measurement) it gives the absolute figure the target is stated in.
  const ratio = load.text / load.binary;
  log(`rank load (o200k_base, fresh process, median of ${load.runs}): binary ${load.binary.toFixed(1)} ms vs old text parse ${load.text.toFixed(1)} ms: ${ratio.toFixed(1)}x faster; at the old loader's quiet-machine 130 ms that is ${(130 / ratio).toFixed(0)} ms (target ≤ 50 ms)`);

  const ref = getEncoding('o200k_base');
  const { get_encoding } = require('tiktoken'); // OpenAI's Rust tokenizer (WASM): the exact reference
  const oracle = get_encoding('o200k_base');
  const warm = await getCounter('o200k_base');
  const { table, patStr } = loadRanks('o200k_base', path.join(ROOT, 'dist/ranks'));
  const cold = new BpeCounter(table, patStr); // empty piece memo: a true cold count
  const [tRef] = time(() => ref.encode(text).length);
  const [tOurs, nOurs] = time(() => cold.count(text));
  const nRef = oracle.encode_ordinary(text).length;
  if (nRef !== nOurs) throw new Error(`count mismatch: engine ${nOurs} vs tiktoken ${nRef}`);
  log(`cold count of 2 MB: engine ${tOurs.toFixed(0)} ms vs js-tiktoken encode().length ${tRef.toFixed(0)} ms: ${(tRef / tOurs).toFixed(1)}x faster (target ≥ 3x), equal to tiktoken (${nOurs})`);

  // one-character edits in a 1 MB document
  let doc = text.slice(0, 1_000_000);
  const inc = new IncrementalCounter(warm);
  inc.update(doc);
  const edits = [], fulls = [];
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let k = 0; k < 60; k++) {
    const at = Math.floor(rnd() * doc.length);
    doc = doc.slice(0, at) + 'abcdefghij x\n'[k % 13] + doc.slice(at);
    const [t, n] = time(() => inc.update(doc));
    edits.push(t);
    if (k % 6 === 0) {
      const [tf, nf] = time(() => warm.count(doc));
      fulls.push(tf);
      if (nf !== n) throw new Error(`incremental count ${n} != full ${nf}`);
    }
  }
  log(`1-char edit in 1 MB: median ${median(edits).toFixed(2)} ms vs full recount ${median(fulls).toFixed(1)} ms: ${(median(fulls) / median(edits)).toFixed(0)}x (target ≤ 5 ms)`);

  // the worst case: 100,000 lowercase letters, one split-pattern piece
  let run = '', a = 1;
  for (let i = 0; i < 100_000; i++) { a = (a * 1103515245 + 12345) % 2147483648; run += String.fromCharCode(97 + ((a >> 16) % 26)); }
  const [tRun, nRun] = time(() => cold.count(run));
  const [tW, nW] = time(() => oracle.encode_ordinary(run).length);
  const exactNote = `tiktoken (WASM) says ${nW} in ${(tW / 1000).toFixed(1)} s: ${nRun === nW ? 'equal' : `error ${(Math.abs(nRun - nW) / nW * 100).toFixed(3)}%`}`;
  oracle.free();
  const [tSmall] = time(() => ref.encode(run.slice(0, 2000)).length);
  log(`100,000-letter run: ${tRun.toFixed(0)} ms, ${nRun} tokens (target ≤ 250 ms, within 1%); ${exactNote}; js-tiktoken takes ${tSmall.toFixed(0)} ms for the first 2,000 letters alone`);

  settingsPatterns(log);

  // the engine process with the 2 MB corpus open
  const server = await startServer({ settings: { model: 'gpt-4o' } });
  const uri = 'file:///bench/corpus.md';
  server.open(uri, text, 'plaintext');
  const t0 = performance.now();
  const r = await server.count(uri, 1);
  const tFirst = performance.now() - t0;
  if (r.tokens !== nRef) throw new Error(`engine process counted ${r.tokens}, expected ${nRef}`);
  const mem = server.rssMB();
  log(`engine process: first count of the 2 MB corpus ${tFirst.toFixed(0)} ms (includes rank load if not yet warm); memory RSS ${mem.rss.toFixed(0)} MB, peak ${mem.peak.toFixed(0)} MB`);
  await server.stop();
}

/**
 * Issue 14: patterns from settings, each evaluated in ≤ 50 ms or rejected. The old backtracking regexes
 * run on smaller inputs as the baseline (at full size they take minutes: ~170 s and ≥ 40 s).
 */
export function settingsPatterns(log) {
  const { matchesAnyGlob } = require(path.join(ROOT, 'out/src/core/prompt/glob.js'));
  const { projectMatcher } = require(path.join(ROOT, 'out/src/core/glob.js'));
  const filler = require(path.join(ROOT, 'out/src/core/prompt/filler.js'));
  const { parseSettings } = require(path.join(ROOT, 'out/src/core/settings.js'));
  const starA = '*a*a*a*a*a*ab.md', stars = '**/'.repeat(8) + 'x.md';
  const deep = d => '/' + Array.from({ length: d }, (_, i) => `d${i}`).join('/') + '/y.md';
  const [tA] = time(() => matchesAnyGlob([starA], `/w/${'a'.repeat(200)}`, 'a'.repeat(200)));
  const [tOldA] = time(() => /^[^/]*a[^/]*a[^/]*a[^/]*a[^/]*a[^/]*ab\.md$/.test('a'.repeat(60)));
  log(`glob ${starA} on a 200-letter name: ${tA.toFixed(2)} ms (target ≤ 50 ms); the old regex took ${tOldA.toFixed(0)} ms on 60 letters`);
  const [tS] = time(() => matchesAnyGlob([stars], deep(60)));
  const [tOldS] = time(() => new RegExp(`^${'(?:[^/]*/)*'.repeat(8)}x\\.md$`).test(deep(22)));
  log(`glob **/ x8 + x.md on a 60-folder path: ${tS.toFixed(2)} ms (target ≤ 50 ms); the old regex took ${tOldS.toFixed(0)} ms at 22 folders`);
  const [tQ] = time(() => projectMatcher([starA, stars, '~/work/*'])('/' + Array.from({ length: 60 }, () => 'a').join('/')));
  log(`quota with both patterns on a 60-deep project: ${tQ.toFixed(2)} ms (target ≤ 50 ms)`);

  const prompt = corpus(100_000);
  const entries = Array.from({ length: filler.FILLER_LIMITS.count }, (_, i) => `custom filler phrase number ${i}`);
  const phrases = [...filler.BUILT_IN_FILLER, ...filler.parseFillerSetting(entries)];
  const [tBuild, m] = time(() => filler.fillerMatcher(phrases));
  const [tFind, hits] = time(() => filler.findFiller(prompt, m));
  const norm = x => x.toLowerCase().replace(/\s+/g, ' ');
  const alts = [...new Set(phrases.map(p => norm(p.phrase)))].sort((a, b) => b.length - a.length)
    .map(p => p.split(' ').map(w => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[ \\t]+'));
  const oldRe = new RegExp(`(?<![\\w'])(?:${alts.join('|')})(?![\\w'])`, 'gi');
  const [tOld] = time(() => { let n = 0; for (const _ of prompt.slice(0, 10_000).matchAll(oldRe)) n++; return n; });
  log(`filler, ${entries.length} phrases (the limit) on a 100 KB prompt: build ${tBuild.toFixed(0)} ms once per settings change, match ${tFind.toFixed(0)} ms (${hits.length} hits; target ≤ 50 ms); the old regex took ${tOld.toFixed(0)} ms on the first 10 KB alone`);
  for (const count of [10_000, 100_000]) {
    const big = Array.from({ length: count }, (_, i) => `filler phrase ${i}`);
    const [tP, r] = time(() => parseSettings({ fillerPhrases: big }));
    log(`${count.toLocaleString('en-US')} filler phrases: rejected in ${tP.toFixed(0)} ms (${r.problems[0]?.message.replace(/^.*\((tokenomics[^)]*)\).*$/, '$1')})`);
  }
}

/**
 * Cold rank load, each in a fresh node process (no warm JIT, no page-cached module): the binary form
 * the build writes against the loader it replaced (require js-tiktoken's text ranks, parse into a Map),
 * alternating so both see the same machine load. Timed inside the child from before the first require.
 */
export function rankLoad(runs = 7) {
  const binary = `const t=performance.now();const {loadRanks}=require(${JSON.stringify(path.join(ROOT, 'out/src/core/tokenizer.js'))});
    const {BpeCounter}=require(${JSON.stringify(path.join(ROOT, 'out/src/core/bpe.js'))});
    const {table,patStr}=loadRanks('o200k_base',${JSON.stringify(path.join(ROOT, 'dist/ranks'))});new BpeCounter(table,patStr).count('x');
    process.stdout.write(String(performance.now()-t))`;
  // the loader before issue 10, verbatim in substance: base64 text -> latin1 string keys in a Map
  const text = `const t=performance.now();const f=require('js-tiktoken/ranks/o200k_base');const m=new Map();
    for(const line of f.bpe_ranks.split('\\n')){if(!line)continue;const fl=line.split(' ');const off=Number.parseInt(fl[1],10);
    for(let i=2;i<fl.length;i++)m.set(Buffer.from(fl[i],'base64').toString('latin1'),off+i-2);}new RegExp(f.pat_str,'gu').exec('x');
    process.stdout.write(String(performance.now()-t))`;
  const once = code => Number(execFileSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8' }));
  const b = [], t = [];
  for (let i = 0; i < runs; i++) { b.push(once(binary)); t.push(once(text)); }
  return { runs, binary: median(b), text: median(t) };
}

if (import.meta.url === `file://${process.argv[1]}`) await run(console.log);
