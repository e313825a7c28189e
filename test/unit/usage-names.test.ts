// Log files and folders whose names are not valid UTF-8 (issue 14): on Linux a name is bytes, and
// `fs.readdir` decodes 0xff to U+FFFD, a string that opens nothing; such a transcript, or a whole folder
// of them, was lost without a word. The walk reads such names as bytes (src/core/agents/fileNames.ts).
// The transcripts are Claude Code's shape (projects/<folder>/<session>.jsonl, one assistant line per
// request with message.usage), as in test/bench/stress.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import { findLogFiles } from '../../src/core/agents/locations';
import { decodeName, fsPath, shownPath } from '../../src/core/agents/fileNames';

const line = (i: number) => JSON.stringify({ type: 'assistant', sessionId: `s${i}`, cwd: `/home/dev/p${i}`, timestamp: `2026-03-16T10:0${i}:00.000Z`,
  requestId: `r${i}`, message: { id: `m${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 300 } } }) + '\n';

const b = (s: string) => Buffer.from(s, 'utf8');
const join = (...parts: Buffer[]) => Buffer.concat(parts.flatMap((p, i) => i ? [b('/'), p] : [p]));

/** projects/ with one good folder, one folder whose name has 0xff, and a file named with 0xfe 0x41 in the good one. */
function tree(): { root: string } {
  const root = tempDir('tkx-names-');
  const projects = b(path.join(root, 'projects'));
  fs.mkdirSync(projects);
  const good = join(projects, b('-home-dev-p1'));
  fs.mkdirSync(good);
  fs.writeFileSync(join(good, b('s1.jsonl')), line(1));
  fs.writeFileSync(Buffer.concat([join(good, Buffer.from([0x73, 0xfe, 0x41])), b('.jsonl')]), line(2));
  const badDir = join(projects, Buffer.from([0x2d, 0x70, 0xff]));
  fs.mkdirSync(badDir);
  fs.writeFileSync(join(badDir, b('s3.jsonl')), line(3));
  fs.writeFileSync(join(badDir, Buffer.from([0xc3, 0x28, 0x2e, 0x6a, 0x73, 0x6f, 0x6e, 0x6c])), line(4)); // "\xC3(.jsonl": a broken 2-byte sequence
  process.on('exit', () => removeBytes(b(root)));
  return { root };
}

/** fs.rmSync walks names as strings and cannot remove these: removed by bytes. */
function removeBytes(p: Buffer): void {
  try {
    if (fs.lstatSync(p).isDirectory()) { for (const n of fs.readdirSync(p, { encoding: 'buffer' })) removeBytes(join(p, n)); fs.rmdirSync(p); }
    else fs.unlinkSync(p);
  } catch { /* gone */ }
}

test('names as bytes: invalid UTF-8 kept as lone surrogates, mapped back exactly, shown escaped', () => {
  const raw = Buffer.from([0x61, 0xff, 0xc3, 0xa9, 0xc3, 0x28, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0x80, 0xef, 0xbf, 0xbd]);
  const name = decodeName(raw);
  assert.equal(name, 'a\udcffé\udcc3(😀\udced\udca0\udc80\ufffd');
  assert.deepEqual(fsPath(name), raw);
  assert.equal(shownPath(name), 'a\\xFFé\\xC3(😀\\xED\\xA0\\x80\ufffd');
  // valid names stay strings, whatever they hold (a real U+FFFD, an emoji)
  assert.equal(fsPath('/logs/é😀\ufffd.jsonl'), '/logs/é😀\ufffd.jsonl');
  assert.equal(decodeName(b('/logs/\ufffd.jsonl')), '/logs/\ufffd.jsonl');
});

test('the walk finds logs in a folder and under a file name that are not UTF-8, and their stats', () => {
  const { root } = tree();
  const { files, problems } = findLogFiles([{ agent: 'claude-code', dir: root, explicit: true }]);
  assert.deepEqual(problems, []);
  assert.equal(files.length, 4, files.map(f => shownPath(f.path)).join(', '));
  const shown = files.map(f => shownPath(path.relative(root, f.path))).sort();
  assert.deepEqual(shown, ['projects/-home-dev-p1/s1.jsonl', 'projects/-home-dev-p1/s\\xFEA.jsonl', 'projects/-p\\xFF/\\xC3(.jsonl', 'projects/-p\\xFF/s3.jsonl']);
  for (const f of files) assert.ok(f.stats?.isFile() && fs.statSync(fsPath(f.path)).size > 0);
});

function io(home: string): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC', CODEX_HOME: path.join(home, 'none') }, cwd: home };
  return o;
}

test('report and week count the requests in logs whose names are not UTF-8, cold and from the saved index', async () => {
  const { root } = tree();
  const home = tempDir('tkx-names-home-');
  const cold = io(home);
  assert.equal(await main(['report', '--json', '--claude-dir', root], cold), 0, cold.err);
  assert.equal(JSON.parse(cold.out).totals.requests, 4, cold.err);
  const warm = io(home);
  assert.equal(await main(['report', '--json', '--claude-dir', root], warm), 0, warm.err);
  assert.deepEqual(JSON.parse(warm.out), JSON.parse(cold.out));
  const week = io(home);
  assert.equal(await main(['week', '--week', '2026-03-16', '--format', 'json', '--no-cache', '--claude-dir', root], week), 0, week.err);
  assert.equal(JSON.parse(week.out).totals.requests, 4);
  // a line in such a file that cannot be counted is reported under the escaped name
  fs.appendFileSync(Buffer.concat([b(path.join(root, 'projects')), b('/'), Buffer.from([0x2d, 0x70, 0xff]), b('/s3.jsonl')]), '{"type":"assistant","message":{"usage":{"input_tokens":"x"}}\n');
  const after = io(home);
  assert.equal(await main(['report', '--json', '--no-cache', '--claude-dir', root], after), 0, after.err);
  assert.match(after.err, /malformed line in .*projects\/-p\\xFF\/s3\.jsonl/);
});
