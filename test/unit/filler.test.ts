import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILT_IN_FILLER, FILLER_LIMITS, fillerMatcher, fillerSettingProblem, fillerWork, findFiller, FillerPhrase, parseFillerSetting } from '../../src/core/prompt/filler';
import { parseSettings } from '../../src/core/settings';
import { rng } from './helpers';

/** The regex the trie replaced (src/core/prompt/filler.ts before issue 14): the oracle on ordinary phrase lists. */
function oldFillerRegex(phrases: readonly FillerPhrase[]): RegExp {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').replace(/[’]/g, "'");
  const keys = [...new Set(phrases.map(p => norm(p.phrase)))];
  const alts = keys.sort((a, b) => b.length - a.length).map(p =>
    p.split(' ').map(w => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/'/g, "['’]")).join('[ \\t]+'));
  return new RegExp(`(?<![\\w'])(?:${alts.join('|')})(?![\\w'])`, 'gi');
}

function oldSpans(re: RegExp, text: string): string[] {
  const out: string[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(`${m.index}+${m[0].length}`);
  return out;
}

function newSpans(phrases: readonly FillerPhrase[], text: string): string[] {
  const m = fillerMatcher(phrases)!;
  const out: string[] = [];
  for (let f = m.next(text, 0); f; f = m.next(text, f.end)) out.push(`${f.start}+${f.end - f.start}`);
  return out;
}

const USER: FillerPhrase[] = parseFillerSetting(['as discussed earlier,', 'in order', 'e.g.', 'kindly note => note', "don't forget", 'per se', 'ok']);
const WORDS = ['I', 'want', 'you', 'to', 'please', 'make', 'sure', 'that', 'In', 'ORDER', 'order', 'in', 'kindly', 'Kindly', 'note', 'as',
  'discussed', 'earlier', 'earlier,', 'e.g.', 'eg', "don't", 'don’t', 'forget', 'per', 'se', 'ok', 'okay', "ok's", '_ok', 'ok1', 'x',
  'the', 'fact', 'due', 'thanks', 'advance', 'each', 'and', 'every', 'at', 'this', 'point', 'time', 'AI', 'language', 'model,', 'model'];
const SEPS = [' ', ' ', ' ', '  ', '\t', ' \t ', '\n', '. ', ', ', "'", '’', '-', '(', ')', '`', ''];

test('the trie finds exactly the spans the old regex found, on random prose', () => {
  const phrases = [...BUILT_IN_FILLER, ...USER];
  const re = oldFillerRegex(phrases);
  const r = rng(14);
  let found = 0;
  for (let i = 0; i < 1500; i++) {
    let text = '';
    const n = 1 + Math.floor(r() * 40);
    for (let k = 0; k < n; k++) text += WORDS[Math.floor(r() * WORDS.length)]! + SEPS[Math.floor(r() * SEPS.length)]!;
    const expected = oldSpans(re, text);
    found += expected.length;
    assert.deepEqual(newSpans(phrases, text), expected, JSON.stringify(text));
  }
  assert.ok(found > 500, `only ${found} phrases in the random texts`);
});

test('findFiller still removes, replaces and re-capitalises, and leaves inline code alone', () => {
  const m = fillerMatcher([...BUILT_IN_FILLER, ...USER])!;
  const text = 'I want you to fix it. We do this in order to win. `I want you to` stays. Kindly note this.';
  const hits = findFiller(text, m);
  const apply = (t: string) => hits.reduceRight((s, h) => s.slice(0, h.start) + h.newText + s.slice(h.end), t);
  assert.equal(apply(text), 'Fix it. We do this to win. `I want you to` stays. Note this.');
});

/** Runs `fn` and returns the filler steps it took. */
function steps(fn: () => void): number {
  const before = fillerWork.steps;
  fn();
  return fillerWork.steps - before;
}

test('matching work grows with the text, not with the number of phrases', () => {
  const prose = 'We need you to review the change, and in order to ship it quickly please make sure that tests pass. '.repeat(500);
  const few = parseFillerSetting(Array.from({ length: 10 }, (_, i) => `custom phrase ${i}`));
  const many = parseFillerSetting(Array.from({ length: FILLER_LIMITS.count }, (_, i) => `custom phrase number ${i} for the linter`));
  const withFew = steps(() => findFiller(prose, fillerMatcher([...BUILT_IN_FILLER, ...few])!));
  const withMany = steps(() => findFiller(prose, fillerMatcher([...BUILT_IN_FILLER, ...many])!));
  assert.ok(withFew <= 3 * prose.length, `${withFew} steps for ${prose.length} characters`);
  assert.ok(withMany <= 3 * prose.length, `${withMany} steps for ${prose.length} characters with ${FILLER_LIMITS.count} phrases`);
  const twice = steps(() => findFiller(prose + prose, fillerMatcher([...BUILT_IN_FILLER, ...many])!));
  assert.ok(twice <= 2.1 * withMany, `${twice} vs ${withMany}`);
});

test('a walk from a word start is bounded by the phrase length limit, even on hostile phrases', () => {
  // every prefix of "a a a ... a" is a phrase, and the text is that run again: the worst case for a trie
  const run = Array.from({ length: 100 }, () => 'a').join(' ');
  const phrases = parseFillerSetting(Array.from({ length: 99 }, (_, i) => run.slice(0, 2 * i + 3)));
  const text = `${run} `.repeat(50);
  const n = steps(() => findFiller(text, fillerMatcher(phrases)!));
  assert.ok(n <= text.length * (FILLER_LIMITS.length + 2), `${n} steps`);
});

test('10,000 and 100,000 phrases are refused with a message naming the setting', () => {
  for (const count of [10_000, 100_000]) {
    const entries = Array.from({ length: count }, (_, i) => `filler phrase ${i}`);
    assert.equal(fillerSettingProblem(entries), `tokenomics.fillerPhrases: ${count} phrases, more than the ${FILLER_LIMITS.count} allowed`);
    const { settings, problems } = parseSettings({ fillerPhrases: entries });
    assert.deepEqual(settings.fillerPhrases, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.setting, 'tokenomics.fillerPhrases');
    assert.match(problems[0]!.message, /more than the 2000 allowed\); using the default$/);
    assert.ok(problems[0]!.message.length < 500);
    // even unvalidated, the parser keeps only what the limit allows
    assert.equal(parseFillerSetting(entries).length, FILLER_LIMITS.count);
  }
  const long = 'x'.repeat(FILLER_LIMITS.length + 1);
  assert.match(fillerSettingProblem(['fine', `${long} => y`])!, /^tokenomics\.fillerPhrases\[1\]: a phrase of 201 characters is longer than the 200 allowed$/);
  assert.equal(fillerSettingProblem(['in order to => to']), null);
});

test('the matcher is built once per settings change, not per keystroke', () => {
  const entries = ['first custom phrase', 'second custom phrase'];
  const a = fillerMatcher([...BUILT_IN_FILLER, ...parseFillerSetting(entries)]);
  const b = fillerMatcher([...BUILT_IN_FILLER, ...parseFillerSetting(entries)]);
  assert.equal(a, b, 'the same settings array gives the same matcher');
  const c = fillerMatcher([...BUILT_IN_FILLER, ...parseFillerSetting([...entries])]);
  assert.notEqual(c, a, 'a new settings array is a settings change');
});
