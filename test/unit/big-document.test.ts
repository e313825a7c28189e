// The engine keeps large open documents in pieces (src/server/bigDocument.ts): every answer must be the
// library's `TextDocument` answer for the same edits. Random edits with a fixed seed, on small pieces so
// that edits start, end and delete across piece boundaries, with `\r\n`, lone `\r` and `\n` line breaks
// (an edit may split a `\r\n` or join a `\r` and a `\n` into one break).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ENGINE_DOCUMENTS, PieceDocument } from '../../src/server/bigDocument';

function rng(seed: number): () => number {
  return () => { seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const ALPHABET = ['a', 'b', ' ', '\n', '\r', '\r\n', 'é', '😀', 'xyz'];

function text(r: () => number, n: number): string {
  let s = '';
  while (s.length < n) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

function same(a: TextDocument, b: PieceDocument, r: () => number, what: string): void {
  assert.equal(b.getText(), a.getText(), `${what}: text`);
  assert.equal(b.lineCount, a.lineCount, `${what}: lineCount`);
  const len = a.getText().length;
  for (let k = 0; k < 30; k++) {
    const o = Math.floor(r() * (len + 3)) - 1;
    assert.deepEqual(b.positionAt(o), a.positionAt(o), `${what}: positionAt(${o})`);
    const p = { line: Math.floor(r() * (a.lineCount + 3)) - 1, character: Math.floor(r() * 12) - 1 };
    assert.equal(b.offsetAt(p), a.offsetAt(p), `${what}: offsetAt(${JSON.stringify(p)})`);
    const q = { line: Math.floor(r() * a.lineCount), character: Math.floor(r() * 40) };
    const range = { start: p, end: q };
    assert.equal(b.getText(range), a.getText(range), `${what}: getText(${JSON.stringify(range)})`);
    assert.deepEqual(b.getLineRange(p.line), a.getLineRange(p.line), `${what}: getLineRange(${p.line})`);
    assert.equal(b.getEOLCharacters(p.line), a.getEOLCharacters(p.line), `${what}: getEOLCharacters(${p.line})`);
  }
}

test('a document in pieces answers as TextDocument does, edit after edit', () => {
  const r = rng(14);
  for (let doc = 0; doc < 6; doc++) {
    const initial = text(r, 200 + Math.floor(r() * 3000));
    let a = TextDocument.create('file:///a.md', 'markdown', 1, initial);
    const b = new PieceDocument('file:///a.md', 'markdown', 1, initial, 16 + Math.floor(r() * 64));
    same(a, b, r, `doc ${doc} opened`);
    for (let edit = 0; edit < 300; edit++) {
      const len = a.getText().length;
      const s = Math.floor(r() * (len + 1));
      const e = Math.min(len, s + Math.floor(r() * (r() < 0.1 ? 500 : 12)));
      const range = r() < 0.5 ? { start: a.positionAt(s), end: a.positionAt(e) } : { start: a.positionAt(e), end: a.positionAt(s) };
      const change = r() < 0.02 ? { text: text(r, Math.floor(r() * 400)) } : { range, text: r() < 0.3 ? '' : text(r, Math.floor(r() * (r() < 0.1 ? 300 : 6))) };
      a = TextDocument.update(a, [change], edit + 2);
      b.update([change], edit + 2);
      assert.equal(b.version, a.version);
      same(a, b, r, `doc ${doc} edit ${edit} ${JSON.stringify(change).slice(0, 80)}`);
    }
  }
});

test('the engine keeps large documents in pieces and small ones as TextDocument', () => {
  const small = ENGINE_DOCUMENTS.create('file:///s.md', 'markdown', 1, 'hello\n');
  assert.ok(!(small instanceof PieceDocument));
  const big = ENGINE_DOCUMENTS.create('file:///b.md', 'markdown', 1, '## Section\n\nsome text\n'.repeat(100_000));
  assert.ok(big instanceof PieceDocument);
  const edited = ENGINE_DOCUMENTS.update(big, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x' }], 2);
  assert.equal(edited, big, 'edited in place');
  assert.equal(edited.getText({ start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }), 'x## Section\n');
  // a small document grown large by a paste moves into pieces
  const grown = ENGINE_DOCUMENTS.update(small, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: 'y'.repeat(3 << 20) }], 2);
  assert.ok(grown instanceof PieceDocument);
  assert.equal(grown.getText().length, 6 + (3 << 20));
});
