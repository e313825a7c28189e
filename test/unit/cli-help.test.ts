import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import { ADAPTERS } from '../../src/core/agents/index';

function io(): CliIO & { out: string; err: string } {
  const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
    readStdin: async () => '', env: { HOME: '/nonexistent-home', XDG_CACHE_HOME: '/nonexistent-cache' }, cwd: '/' };
  return o;
}

test('tokenomics <command> --help prints that command\'s usage and exits 0 (week --help was "unknown option")', async () => {
  for (const cmd of ['count', 'report', 'week', 'export', 'forget']) {
    for (const flag of ['--help', '-h']) {
      const o = io();
      assert.equal(await main([cmd, flag], o), 0, `${cmd} ${flag}: ${o.err}`);
      assert.equal(o.err, '');
      assert.match(o.out, new RegExp(`^usage: tokenomics ${cmd} `), `${cmd} ${flag}`);
    }
  }
  const w = io();
  assert.equal(await main(['week', '--format', 'md', '--help'], w), 0, 'help wins over the other flags, which are not checked');
  for (const f of ['--week DATE', '--format FORMAT', '--week-starts-on DAY', '--waste-threshold USD', '--no-cache', 'TOKENOMICS_QUOTAS']) assert.ok(w.out.includes(f), f);
  const h = io();
  assert.equal(await main(['help', 'report'], h), 0);
  assert.match(h.out, /^usage: tokenomics report /);
});

test('every agent\'s folder flag is in the help of report and week, with where its logs are looked for by default', async () => {
  for (const cmd of ['report', 'week']) {
    const o = io();
    await main([cmd, '--help'], o);
    for (const a of ADAPTERS) {
      assert.ok(o.out.includes(`[--${a.logs.cliFlag} DIR]...`), `${cmd}: synopsis names --${a.logs.cliFlag}`);
      assert.match(o.out, new RegExp(`--${a.logs.cliFlag} DIR +${a.displayName} logs`), `${cmd}: --${a.logs.cliFlag} explained`);
    }
    assert.ok(o.out.includes('$CLAUDE_CONFIG_DIR, else ~/.config/claude, ~/.claude'));
  }
});

test('the overview lists every command; no command prints usage and exits 2; an unknown command is named', async () => {
  const o = io();
  assert.equal(await main(['--help'], o), 0);
  for (const cmd of ['count', 'report', 'week', 'export', 'forget', 'leaks']) assert.match(o.out, new RegExp(`^  tokenomics ${cmd} `, 'm'));
  const none = io();
  assert.equal(await main([], none), 2);
  assert.equal(none.out, o.out);
  const bad = io();
  assert.equal(await main(['weak', '--help'], bad), 2);
  assert.match(bad.err, /unknown command 'weak' \(try: count, report, week, export, forget, leaks\)/);
});

test('after --, --help is a file name, not a request for help', async () => {
  const o = io();
  assert.equal(await main(['count', '--', '--help'], o), 2);
  assert.match(o.err, /cannot read --help/);
  assert.equal(o.out, '');
});

test('names from the command line are looked up as own keys only: constructor, __proto__ and toString are unknown', async () => {
  for (const argv of [['constructor'], ['__proto__'], ['report', '--constructor', 'x'], ['week', '--format', 'toString'], ['report', '--__proto__']]) {
    const o = io();
    assert.equal(await main(argv, o), 2, `${argv.join(' ')}: ${o.err}`);
    assert.match(o.err, /unknown command|unknown option|is not one of/, argv.join(' '));
    assert.doesNotMatch(o.err, /TypeError|\n\s+at /, 'a message, not a stack');
  }
});
