import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';

// Issue 14 item 8: `count` crashed on a 300 MB run without spaces. The run is one split-pattern
// piece, and merging it exactly took ~50 bytes of memory per byte in JavaScript arrays: V8 aborted
// ("Fatal JavaScript invalid size error" growing the merge heap) at 8 GB. Such a piece is now
// estimated from samples, and the row says it is not exact.
test('count on a 300 MB run of letters without spaces answers, and marks the count as an estimate', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenomics-huge-'));
  try {
    const file = path.join(dir, 'run.txt');
    const out = fs.createWriteStream(file);
    const chunk = 'abcdefghijklmnopqrstuvwxyz'.repeat(40_000); // ~1 MB
    for (let written = 0; written < 300e6; written += chunk.length) if (!out.write(chunk)) await once(out, 'drain');
    out.end();
    await once(out, 'finish');
    const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
      readStdin: async () => '', env: {}, cwd: dir };
    assert.equal(await main(['count', '--model', 'gpt-4o', '--json', file], o as CliIO), 0, o.err);
    const row = JSON.parse(o.out.trim().split('\n')[0]!);
    assert.equal(row.exact, false);
    // "abc...z" is a fixed rhythm of tokens, so the sampled estimate sits near bytes × (tokens / byte) of one period
    const size = fs.statSync(file).size;
    assert.ok(row.tokens > size / 40 && row.tokens < size / 10, String(row.tokens));
    const text = { ...o, out: '' };
    text.stdout = (s: string) => { text.out += s; };
    assert.equal(await main(['count', '--model', 'gpt-4o', file], text as CliIO), 0);
    assert.match(text.out, /≈/);
    assert.match(text.out, /estimated from samples/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
