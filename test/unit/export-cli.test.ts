// `tokenomics export`: usage errors exit 2 with one line, before anything is read or sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-export-cli-'));
test.after(() => fs.rmSync(home, { recursive: true, force: true }));
function io(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC', ...env }, cwd: home };
  return o;
}

test('export: bad arguments exit 2 with one line naming the problem, and nothing is written', async () => {
  const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
    [['export'], /--otlp URL is required/],
    [['export', '--otlp', 'not a url'], /--otlp: 'not a url' is not a URL/],
    [['export', '--otlp', 'file:///tmp/x'], /not an http or https URL/],
    [['export', '--otlp', 'http://a:b@host/v1/metrics'], /credentials in the headers/],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--projects', 'paths'], /--projects paths is not one of none, hashed, names/],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--attribute', 'team'], /--attribute team is not NAME=VALUE/],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--attribute', 'host.id=x'], /set by Tokenomics itself/],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--interval', '0'], /--interval 0 is not a whole number/],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics'], /OTEL_EXPORTER_OTLP_HEADERS: headers: expected name=value/, { OTEL_EXPORTER_OTLP_HEADERS: 'garbage' }],
    [['export', '--otlp', 'http://127.0.0.1:9/v1/metrics', '--bogus'], /unknown option --bogus/],
  ];
  for (const [argv, re, env] of cases) {
    const o = io(env);
    assert.equal(await main(argv, o), 2, argv.join(' '));
    assert.match(o.err, re, argv.join(' '));
    assert.equal(o.err.trim().split('\n').length, 1, o.err);
    assert.equal(o.out, '');
  }
  assert.equal(fs.existsSync(path.join(home, 'cache')), false, 'no state, salt or lock was written');
});

test('export --help describes the command, and the top-level help lists it', async () => {
  const o = io();
  assert.equal(await main(['export', '--help'], o), 0);
  assert.match(o.out, /usage: tokenomics export --otlp URL \[--once\] \[--backfill\]/);
  assert.match(o.out, /OTEL_EXPORTER_OTLP_HEADERS/);
  const top = io();
  assert.equal(await main(['--help'], top), 0);
  assert.match(top.out, /tokenomics export --otlp URL/);
});
