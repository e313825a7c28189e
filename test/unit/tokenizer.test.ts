import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { get_encoding, Tiktoken } from 'tiktoken';
import { BpeCounter, HUGE_PIECE, rustWhitespacePattern } from '../../src/core/bpe';
import { decodeRanks, encodeRanks } from '../../src/core/ranks';
import { getCounter, loadRanks } from '../../src/core/tokenizer';
import { IncrementalCounter, cutChunks } from '../../src/core/incremental';
import { rng } from './helpers';

const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;

// The oracle is OpenAI's tiktoken itself: the `tiktoken` package is its Rust core (CoreBPE over
// fancy-regex, whose `\s` is the regex crate's Unicode White_Space) compiled to WASM, not a
// JavaScript port; js-tiktoken splits with JavaScript's `\s` and so disagrees on U+FEFF and U+0085.
const oracles = new Map<string, Tiktoken>();
const oracle = (name: string) => {
  let o = oracles.get(name);
  if (!o) oracles.set(name, (o = get_encoding(name as 'o200k_base')));
  return o;
};
const ref = (name: string, text: string) => oracle(name).encode_ordinary(text).length;
after(() => { for (const o of oracles.values()) o.free(); });

// Alphabet chosen to stress the split pattern: newlines and CRLF, runs of spaces, contractions,
// digits, punctuation, combining marks, CJK, emoji (surrogate pairs), mixed-case words, and every
// character on which JavaScript's `\s` and Rust's disagree or which sits next to the whitespace
// classes: BOM (U+FEFF: space to JavaScript only), NEL (U+0085: space to Rust only), U+2028/2029,
// NBSP, U+180E (space in neither since Unicode 6.3), U+200B, U+3000, U+1680, U+202F, VT, FF.
const ATOMS = ['\n', '\r\n', ' ', '  ', '\t', 'the', ' quick', 'Brown', "'s", "'LL", '123456', '.', ',', '//', '{', '}', '=>',
  'é', 'e\u0301', '日本語', '😀', '👩‍💻', 'ß', 'ǅ', '\u00a0', 'x'.repeat(60), 'AbCdEf', '\n\n\n', '    ', ' -', '"', '/*', 'λ',
  '\ufeff', '\u0085', '\u2028', '\u2029', '\u180e', '\u200b', '\u3000', '\u1680', '\u202f', '\u000b', '\u000c', '#', '>I',
  '\ufeff#', '\u0085>', ' \u0085', '\u00a0\u00a0', '\n\u0085', '\n\ufeff', '한국어', 'ก', '١٢٣', '7'.repeat(40)];

function randomText(r: () => number, atoms: number): string {
  let s = '';
  for (let i = 0; i < atoms; i++) s += ATOMS[Math.floor(r() * ATOMS.length)]!;
  return s;
}

test('the reported cases count as OpenAI\'s tokenizer does', async () => {
  for (const name of ENCODINGS) {
    const ours = await getCounter(name);
    // tiktoken (Rust): "\ufeff#" is 1 token and "\u0085>I" 3; with JavaScript's \s they were 2 and 4
    assert.equal(ref(name, '\ufeff#'), 1);
    assert.equal(ref(name, '\u0085>I'), 3);
    for (const text of ['\ufeff#', '\u0085>I', '\ufeff# Title\n', 'a\u0085 b', 'x \u2028 y\u3000z']) assert.equal(ours.count(text), ref(name, text), `${name} ${JSON.stringify(text)}`);
  }
});

test('the split pattern spells out Rust\'s \\s inside and outside classes', () => {
  const whole = (src: string) => new RegExp(`^(?:${rustWhitespacePattern(src)})$`, 'u');
  for (const src of [String.raw`\s`, String.raw`[\s]`]) {
    assert.ok(whole(src).test('\u0085') && whole(src).test('\u2028') && whole(src).test('\u3000'), src);
    assert.ok(!whole(src).test('\ufeff') && !whole(src).test('\u180e') && !whole(src).test('\u200b'), src);
  }
  for (const src of [String.raw`\S`, String.raw`[^\s\p{L}]`]) {
    assert.ok(whole(src).test('\ufeff') && !whole(src).test('\u0085'), src);
  }
  assert.ok(whole(String.raw`\\s`).test('\\s'), 'an escaped backslash before s is not \\s');
});

for (const name of ENCODINGS) {
  test(`${name}: BpeCounter equals OpenAI's tiktoken (Rust, WASM) on 600 random texts`, async () => {
    const ours = await getCounter(name);
    const r = rng(42);
    for (let i = 0; i < 600; i++) {
      const text = randomText(r, 1 + Math.floor(r() * 200));
      assert.equal(ours.count(text), ref(name, text), JSON.stringify(text));
    }
  });

  test(`${name}: long pieces use the heap merge and stay exact`, async () => {
    const ours = await getCounter(name);
    const r = rng(7);
    for (const len of [49, 100, 700, 1500]) {
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(97 + Math.floor(r() * 26));
      assert.equal(ours.count(s), ref(name, s), `lowercase run of ${len}`);
      const hex = Array.from({ length: len }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
      assert.equal(ours.count(hex), ref(name, hex), `hex run of ${len}`);
      const b64 = Buffer.from(Array.from({ length: len }, () => Math.floor(r() * 256))).toString('base64');
      assert.equal(ours.count(b64), ref(name, b64), `base64 of ${len} bytes`);
    }
  });

  test(`${name}: special-token strings count as plain text`, async () => {
    const ours = await getCounter(name);
    const text = 'before <|endoftext|> after <|fim_prefix|>';
    assert.equal(ours.count(text), ref(name, text));
  });

  test(`${name}: incremental counts equal a full count through random edit sequences`, async () => {
    const ours = await getCounter(name);
    const r = rng(name === 'o200k_base' ? 1 : 2);
    for (let doc = 0; doc < 12; doc++) {
      // small chunk target so edits and pastes cross chunk boundaries often
      const inc = new IncrementalCounter(ours, 64);
      let text = randomText(r, 300 + Math.floor(r() * 300));
      assert.equal(inc.update(text), ref(name, text));
      for (let step = 0; step < 40; step++) {
        const at = Math.floor(r() * (text.length + 1));
        const kind = r();
        if (kind < 0.4) text = text.slice(0, at) + randomText(r, 1 + Math.floor(r() * 3)) + text.slice(at);          // typing
        else if (kind < 0.7) text = text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 200))); // deletion
        else if (kind < 0.9) text = text.slice(0, at) + randomText(r, 20 + Math.floor(r() * 200)) + text.slice(at);     // paste
        else { const b = Math.floor(r() * (text.length + 1)); text = text.slice(0, Math.min(at, b)) + text.slice(Math.max(at, b)); }
        assert.equal(inc.update(text), ref(name, text), `doc ${doc} step ${step}: ${JSON.stringify(text)}`);
      }
    }
  });
}

test('an edit in a large document re-counts only the chunks around it', async () => {
  const ours = await getCounter('o200k_base');
  const line = 'The quick brown fox jumps over the lazy dog, again and again.\n';
  let text = line.repeat(20_000); // ~1.2 MB
  const inc = new IncrementalCounter(ours);
  const before = inc.update(text);
  text = text.slice(0, 600_000) + 'X' + text.slice(600_000);
  const after = inc.update(text);
  assert.equal(after, ours.count(text));
  assert.ok(after >= before);
  assert.ok(inc.lastRecounted < 20_000, `recounted ${inc.lastRecounted} chars`);
});

for (const name of ENCODINGS) {
  test(`${name}: every cut point is safe (chunk counts sum to the full count)`, async () => {
    const ours = await getCounter(name);
    const r = rng(5);
    for (let i = 0; i < 1500; i++) {
      const text = randomText(r, 50 + Math.floor(r() * 300));
      const sum = cutChunks(text, 0, text.length, 16).reduce((a, t) => a + ours.count(t), 0);
      assert.equal(sum, ours.count(text), JSON.stringify(text));
    }
  });
}

for (const name of ENCODINGS) {
  test(`${name}: no cut between a newline and a NEL (whitespace to Rust, not to JavaScript)`, async () => {
    const ours = await getCounter(name);
    // "\n\u0085\n" is one whitespace piece to tiktoken: a cut after the first newline would split it
    const text = 'alpha beta gamma\n\u0085\ndelta\n\u2028\nepsilon\n'.repeat(40);
    const chunks = cutChunks(text, 0, text.length, 8);
    assert.ok(chunks.length > 40);
    assert.ok(chunks.every(c => !c.startsWith('\u0085')), 'a cut before a NEL that follows a newline');
    assert.equal(chunks.reduce((a, t) => a + ours.count(t), 0), ref(name, text));
    const inc = new IncrementalCounter(ours, 8);
    assert.equal(inc.update(text), ref(name, text));
  });
}

test('cutChunks covers the text exactly and only cuts at safe points', () => {
  const text = 'alpha beta\ngamma delta\n  indented\n\nnext '.repeat(500);
  const chunks = cutChunks(text, 0, text.length, 32);
  assert.equal(chunks.join(''), text);
  assert.ok(chunks.length > 10);
});

test('a 100,000-letter run counts exactly', async () => {
  const ours = await getCounter('o200k_base');
  const r = rng(99);
  let s = '';
  for (let i = 0; i < 100_000; i++) s += String.fromCharCode(97 + Math.floor(r() * 26));
  // tiktoken's own merge is quadratic too, but 100,000 letters take it only a few seconds
  assert.equal(ours.count(s), ref('o200k_base', s));
});

for (const name of ENCODINGS) {
  test(`${name}: the binary ranks the build writes load to the same table`, async () => {
    const text = loadRanks(name, '/nonexistent'); // the text form
    const bin = encodeRanks(text.table, text.patStr);
    const back = decodeRanks(bin);
    assert.equal(back.patStr, text.patStr);
    assert.equal(back.table.size, text.table.size);
    const bytes = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    assert.ok(bytes(back.table.lengths).equals(bytes(text.table.lengths)));
    assert.ok(bytes(back.table.blob).equals(bytes(text.table.blob)));
    const counter = new BpeCounter(back.table, back.patStr);
    const r = rng(11);
    for (let i = 0; i < 100; i++) {
      const t = randomText(r, 1 + Math.floor(r() * 100));
      assert.equal(counter.count(t), ref(name, t), JSON.stringify(t));
    }
    assert.throws(() => decodeRanks(bin.subarray(0, bin.length - 1)), /lengths say|truncated/);
    assert.throws(() => decodeRanks(Buffer.from('not ranks at all')), /not a token rank file/);
  });
}

test('a piece over a million characters is estimated from samples, and says so', async () => {
  const ours = await getCounter('o200k_base');
  const small = ours.measure('a normal sentence. ' + 'x'.repeat(5000));
  assert.equal(small.exact, true);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let run = '';
  while (run.length <= HUGE_PIECE) run += letters.repeat(1000);
  const big = ours.measure(`intro ${run} outro`);
  assert.equal(big.exact, false);
  // the sampled estimate lands close to the exact count of the same run (periodic, so ~linear)
  const exact = ours.count(letters.repeat(1000));
  const expected = exact * (run.length / (letters.length * 1000)) + ours.count('intro ') + ours.count(' outro');
  assert.ok(Math.abs(big.tokens - expected) / expected < 0.01, `${big.tokens} vs ${expected}`);
  assert.equal(ours.measure('back to normal').exact, true, 'exactness is per call');
  // the incremental counter carries it: the document's total is an estimate while the run is in it
  const inc = new IncrementalCounter(ours);
  inc.update(`# Notes\n\n${run}\n`);
  assert.equal(inc.exact, false);
  inc.update('# Notes\n\nshort again\n');
  assert.equal(inc.exact, true);
});
