import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { getEncoding } from 'js-tiktoken';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';

function io(stdin = ''): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => stdin, env: {}, cwd: process.cwd() };
  return o;
}

const dir = tempDir('tokenomics-count-');
const file = path.join(dir, 'a.md');
const text = '# Title\n\nSome prose with code: `const x = 1;`\n'.repeat(50);
fs.writeFileSync(file, text);

test('count --json gives the exact count, cost and context share on an OpenAI model', async () => {
  const o = io();
  assert.equal(await main(['count', '--model', 'gpt-4o', '--json', file], o), 0);
  const row = JSON.parse(o.out.trim());
  const tokens = getEncoding('o200k_base').encode(text).length;
  assert.deepEqual(Object.keys(row), ['file', 'model', 'encoding', 'exact', 'tokens', 'costUSD', 'contextShare']);
  assert.equal(row.tokens, tokens);
  assert.equal(row.exact, true);
  assert.ok(Math.abs(row.costUSD - tokens * 2.5 / 1e6) < 1e-12);
  assert.ok(Math.abs(row.contextShare - tokens / 128000) < 1e-12);
});

test('count reads stdin with -, and marks Claude counts as estimates', async () => {
  const o = io('hello world');
  assert.equal(await main(['count', '--model', 'claude-sonnet-4-5', '-'], o), 0);
  assert.match(o.out, /≈/);
  assert.match(o.out, /o200k_base × 1\.15/);
});

test('an unknown model is unpriced, with null cost in JSON', async () => {
  const o = io();
  assert.equal(await main(['count', '--model', 'my-llama', '--json', file], o), 0);
  assert.equal(JSON.parse(o.out).costUSD, null);
});

test('bad arguments and unreadable files exit 2 with one line', async () => {
  for (const argv of [['count'], ['count', '--bogus', file], ['count', path.join(dir, 'missing.md')], ['count', '--model'], ['nope']]) {
    const o = io();
    assert.equal(await main(argv, o), 2, argv.join(' '));
    assert.equal(o.err.trim().split('\n').length, 1, o.err);
  }
  const bin = path.join(dir, 'b.bin');
  fs.writeFileSync(bin, Buffer.from([0, 1, 2, 3]));
  const o = io();
  assert.equal(await main(['count', bin], o), 2);
  assert.match(o.err, /binary/);
});
