// The readers' fast paths (`lineBytes`: Codex token_count, Claude Code assistant lines, read from the
// line's bytes by src/core/agents/jsonFields.ts) must give exactly what the slow path (JSON.parse + the
// zod schemas) gives, or hand the line over to it: the same outcome, the same records, the same state
// after every line. The lines are the real-shaped ones of the fixtures (which cite the producers'
// sources) plus the shapes the Codex and Claude Code benchmarks write, then mutated at random with a
// fixed seed: key order, whitespace, escapes, nulls, wrong types, odd numbers, duplicate keys, raw
// control characters, stray bytes, truncation. Each line sits in a buffer between other bytes, as in
// the scanner's chunk, so a read past its end shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assistantReads, claudeCodeReader } from '../../src/core/agents/claudeCode';
import { codexReader, tokenCountReads } from '../../src/core/agents/codex';
import { JsonCursor, plainEnd } from '../../src/core/agents/jsonFields';
import type { AgentReader, LineOutcome, UsageRecord } from '../../src/core/agents/records';
import { FIXTURES } from './agents-fixtures';
import { rng } from './helpers';

const SEED = 20261201;
const CASES = 5000;

/** The lines of each fixture file `match` picks that hold one of `needles`, in file order. */
function fixtureFiles(match: (file: string) => boolean, needles: readonly string[]): string[][] {
  const out: string[][] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.jsonl') && match(p)) {
        const lines = fs.readFileSync(p, 'utf8').split('\n').filter(l => needles.some(n => l.includes(n)));
        if (lines.length) out.push(lines);
      }
    }
  };
  walk(FIXTURES);
  return out;
}

// the shapes test/bench/codex.mjs and test/bench/agents.mjs write, and the rarer fields the readers know
const CODEX_EXTRA = [
  '{"timestamp":"2026-04-02T10:00:03.200Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":41234,"cached_input_tokens":30011,"output_tokens":812,"reasoning_output_tokens":301,"total_tokens":42046},"last_token_usage":{"input_tokens":41234,"cached_input_tokens":30011,"output_tokens":812,"reasoning_output_tokens":301,"total_tokens":42046},"model_context_window":258400},"rate_limits":{"limit_id":"codex","limit_name":null,"primary":{"used_percent":12.0,"window_minutes":300,"resets_at":1775132403},"secondary":{"used_percent":1.2,"window_minutes":10080,"resets_at":1775526403},"credits":null,"plan_type":"plus"}}}',
  '{"timestamp":"2026-04-02T10:00:09.000Z","ordinal":17,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":50000,"cached_input_tokens":20000,"cache_write_input_tokens":1000,"output_tokens":900,"reasoning_output_tokens":0,"total_tokens":50900},"last_token_usage":null,"model":"gpt-5.2-codex"},"rate_limits":{"primary":{"used_percent":40,"window_minutes":null,"resets_in_seconds":3600},"secondary":null,"plan_type":null,"credits":{"has_credits":true,"unlimited":false,"balance":"12.50"}}}}',
  '{"timestamp":"2026-04-02T10:00:10.000Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":41.5,"window_minutes":300,"resets_at":1775132403},"plan_type":"pro"}}}',
  '{"timestamp":"2026-04-02T10:00:11.000Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":100,"output_tokens":5}}}}',
  '{"timestamp":"2026-04-02T10:00:00.000Z","type":"turn_context","payload":{"cwd":"/home/dev/p","model":"gpt-5.3-codex"}}',
];
const CLAUDE_EXTRA = [
  '{"parentUuid":"0b0e7c1e-0000-4000-8000-000000000001","isSidechain":false,"userType":"external","cwd":"/home/dev/project1","sessionId":"5d1c0c1e-0000-4000-8000-000000000001","version":"2.1.90","gitBranch":"main","message":{"id":"msg_01abc","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"thinking","thinking":"lorem ipsum \\"quoted\\" dolor","signature":"abcdef"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":1200,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":1200,"ephemeral_1h_input_tokens":0},"output_tokens":7,"service_tier":"standard"}},"requestId":"req_011abc","type":"assistant","uuid":"0b0e7c1e-0000-4000-8000-000000000002","timestamp":"2026-03-02T10:00:00.000Z"}',
  '{"type":"assistant","timestamp":"2026-03-02T10:00:01.000Z","message":{"model":"claude-opus-4-1-20250805","usage":{"input_tokens":10,"output_tokens":20,"cache_creation":{"ephemeral_5m_input_tokens":5,"ephemeral_1h_input_tokens":50},"speed":"fast","server_tool_use":{"web_search_requests":2}}},"isSidechain":true}',
  '{"type":"user","timestamp":"2026-03-02T10:00:02.000Z","message":{"role":"user","content":[{"type":"tool_result","content":"{\\"usage\\":{\\"input_tokens\\":5}}"}]}}',
  // usage.iterations: the main model's calls (the fast path reads the line), an advisor's (the slow path does)
  '{"type":"assistant","timestamp":"2026-03-02T10:00:03.000Z","sessionId":"s","message":{"id":"msg_it","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"output_tokens":9,"cache_read_input_tokens":900,"iterations":[{"type":"message","input_tokens":3,"output_tokens":9,"cache_read_input_tokens":900}],"speed":"standard"}}}',
  '{"type":"assistant","timestamp":"2026-03-02T10:00:04.000Z","sessionId":"s","message":{"id":"msg_adv","model":"claude-sonnet-4-6","usage":{"input_tokens":3,"output_tokens":9,"iterations":[{"type":"advisor_message","model":"claude-opus-4-7","input_tokens":5000,"output_tokens":70,"speed":"fast"},{"type":"advisor_message","input_tokens":1,"output_tokens":1}]}}}',
];

const TIMES = ['"2026-02-30T00:00:00Z"', '"2026-02-29T00:00:00Z"', '"2026-04-02T24:00:00Z"', '"0999-01-01T00:00:00Z"', '"2026-04-02t10:00:03Z"', '"2026-04-02T10:00:60Z"', '"2026-04-02T10:00:03.2Z"', '"2026-04-02T10:00:03Z"', '"garbage"', '"2026-04-02"', '"1999-01-01T00:00:00Z"', '"2999-01-01T00:00:00Z"', '"2026-04-02T10:00:00+02:00"', '""', '"2026-04-02T10:00:00.000Z"', 'null', '1775132403'];
const HOT_KEYS = ['ordinal', 'type', 'payload', 'info', 'total_token_usage', 'last_token_usage', 'input_tokens', 'cached_input_tokens', 'output_tokens',
  'total_tokens', 'model', 'rate_limits', 'primary', 'used_percent', 'resets_at', 'resets_in_seconds', 'window_minutes', 'plan_type', 'limit_id', 'credits',
  'message', 'usage', 'id', 'sessionId', 'cwd', 'requestId', 'isSidechain', 'cache_creation', 'ephemeral_1h_input_tokens', 'cache_read_input_tokens',
  'speed', 'server_tool_use', 'web_search_requests', 'subagent_history_start_ordinal', 'forked_from_id', 'iterations', 'advisor_message'];
const WS = [' ', '\t', '\r', '\n', '  '];
const ODD_VALUES = ['null', '"x"', '""', '0', '-0', '1.5', '-3', '1e400', '12.0', '1E+2', '123456789012345678', '0.1', '2.675', 'true', 'false', '[]', '{}', '[1]', '{"a":1}', '"\\u0041"'];
const ODD_NUMBERS = ['1.0', '1e2', '01', '1e400', '-1e999', '00', '12345678901234567890123', '1.2345678901234567890123', '0.30000000000000004441', '98.76543210987654321', '-', '1.', '.5', '1E+2', '9007199254740993', '0.000001', '-0.0', '5e-324', '12345678901234.5'];
const STRAY = ['{', '}', '[', ']', '"', ',', ':', '\\', '0', '9', '-', 'e', '.', ' ', '\u0001', '\u001f', 'n', 't', 'é', '\u2028'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One random change to a line, as text; the result may well not be JSON. */
function mutate(line: string, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const at = () => Math.floor(r() * (line.length + 1));
  const kind = Math.floor(r() * 14);
  if (kind === 13) {
    // an odd value in one of the fields the readers look at
    let v: Json;
    try { v = JSON.parse(line) as Json; } catch { return line; }
    const key = pick(HOT_KEYS);
    const holders: { [k: string]: Json }[] = [];
    const find = (x: Json) => {
      if (Array.isArray(x)) x.forEach(find);
      else if (x && typeof x === 'object') { if (key in x) holders.push(x); Object.values(x).forEach(find); }
    };
    find(v);
    if (!holders.length) return line;
    pick(holders)[key] = JSON.parse(pick(ODD_VALUES)) as Json;
    return JSON.stringify(v);
  }
  if (kind === 12) {
    // another time: invalid, out of range, another form
    const m = /"timestamp":"[^"]*"/.exec(line);
    if (!m) return line;
    return line.slice(0, m.index) + `"timestamp":${pick(TIMES)}` + line.slice(m.index + m[0].length);
  }
  if (kind === 0) return line.slice(0, at()); // truncated
  if (kind === 1) { const i = at(); return line.slice(0, i) + pick(STRAY) + line.slice(i); } // a stray character
  if (kind === 2) { const i = at(); return line.slice(0, i) + pick(STRAY) + line.slice(i + 1); } // one replaced
  if (kind === 3) return line.replace(/([{,:\[])/g, m => (r() < 0.3 ? m + pick(WS) : m)).replace(/^/, r() < 0.3 ? pick(WS) : '') + (r() < 0.3 ? pick(WS) : '');
  if (kind === 4) {
    // an escape in a string: a key, a value, a wanted one or not
    const strings = [...line.matchAll(/"([^"\\]+)"/g)];
    if (!strings.length) return line;
    const m = pick(strings);
    const s = m[1]!, j = Math.floor(r() * s.length);
    const esc = r() < 0.5 ? `\\u${s.charCodeAt(j).toString(16).padStart(4, '0')}` : pick(['\\/', '\\n', '\\"', '\\\\', '\\x', '\\u12', '\t']);
    return line.slice(0, m.index! + 1 + j) + esc + line.slice(m.index! + 1 + j + (r() < 0.5 ? 1 : 0));
  }
  if (kind === 5) {
    // a number written another way
    const nums = [...line.matchAll(/(?<=:)-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)];
    if (!nums.length) return line;
    const m = pick(nums);
    return line.slice(0, m.index!) + pick(ODD_NUMBERS) + line.slice(m.index! + m[0].length);
  }
  let v: Json;
  try { v = JSON.parse(line) as Json; } catch { return line; }
  const objects: { [k: string]: Json }[] = [];
  const collect = (x: Json) => {
    if (Array.isArray(x)) x.forEach(collect);
    else if (x && typeof x === 'object') { objects.push(x); Object.values(x).forEach(collect); }
  };
  collect(v);
  if (!objects.length) return line;
  const o = pick(objects);
  const keys = Object.keys(o);
  if (kind === 6 && keys.length) { o[pick(keys)] = JSON.parse(pick(ODD_VALUES)) as Json; return JSON.stringify(v); } // a wrong type or null
  if (kind === 7 && keys.length) { delete o[pick(keys)]; return JSON.stringify(v); } // a field missing
  if (kind === 8) {
    // keys in another order, everywhere
    const shuffle = (x: Json): Json => {
      if (Array.isArray(x)) return x.map(shuffle);
      if (!x || typeof x !== 'object') return x;
      const ks = Object.keys(x).sort(() => r() - 0.5);
      return Object.fromEntries(ks.map(k => [k, shuffle(x[k]!)]));
    };
    return JSON.stringify(shuffle(v));
  }
  if (kind === 9 && keys.length) {
    // a duplicate key (JSON.parse keeps the last): written as text, JSON.stringify cannot
    // mostly a key holding an object: a copy with fewer fields is where a reader could mix the two
    const objectKeys = keys.filter(k => o[k] && typeof o[k] === 'object');
    const k = objectKeys.length && r() < 0.7 ? pick(objectKeys) : pick(keys);
    const text = JSON.stringify(o);
    // the other copy: an odd value, or the same value with its numbers changed (the copy JSON.parse keeps may then count)
    const val = o[k]!;
    const part = val && typeof val === 'object' && !Array.isArray(val) && r() < 0.5
      ? Object.fromEntries(Object.entries(val).filter(() => r() < 0.5)) : val; // an object copy with fewer fields
    const other = r() < 0.3 ? pick(ODD_VALUES) : JSON.stringify(part).replace(/\d+/g, d => (r() < 0.5 ? String(Number(d) + 1) : d));
    const dup = `${JSON.stringify(k)}:${other}`;
    const withDup = r() < 0.5 ? `{${dup},${text.slice(1)}` : `${text.slice(0, -1)},${dup}}`;
    const whole = JSON.stringify(v);
    const i = whole.indexOf(text);
    return i < 0 ? whole : whole.slice(0, i) + withDup + whole.slice(i + text.length);
  }
  if (kind === 10 && keys.length) { o[pick(keys)] = pick(['é ü', '日本', '😀', 'a\u0001b', '\u2028', 'x'.repeat(300)]); return JSON.stringify(v); }
  // a raw control character inside a string (JSON.parse refuses it)
  const q = [...line.matchAll(/"[^"\\]{2,}"/g)];
  if (!q.length) return line;
  const m = pick(q);
  return line.slice(0, m.index! + 1) + pick(['\u0000', '\u0009', '\u001f', '\u000b']) + line.slice(m.index! + 1);
}

interface Seen { outcome: LineOutcome; records: UsageRecord[] }

/** Runs `lines` as one file through the reader, the fast path first when `fast` (null: the slow path reads the line). */
function read<S>(reader: AgentReader<S>, file: string, lines: readonly Buffer[], fast: boolean, r: () => number) {
  const state = reader.initState(file);
  const seen: Seen[] = [];
  let fastLines = 0;
  lines.forEach((line, i) => {
    const records: UsageRecord[] = [];
    const emit = (x: UsageRecord) => { records.push(x); };
    let outcome: LineOutcome | null = null;
    if (fast) {
      // the line inside other bytes, as in the scanner's chunk: digits right after it catch a read past its end
      const before = Buffer.from(r() < 0.5 ? '' : '{"x":1}\n'), after = Buffer.from(r() < 0.5 ? '\n' : '12345"}\n{');
      const buf = Buffer.concat([before, line, after]);
      outcome = reader.lineBytes!(state, buf, before.length, before.length + line.length, i * 100, file, emit);
      if (outcome !== null) fastLines++;
    }
    outcome ??= reader.line(state, line.toString('utf8'), i * 100, file, emit);
    seen.push({ outcome, records });
  });
  return { seen, state, fastLines };
}

const agents: [string, AgentReader<unknown>, string, string[][]][] = [
  ['codex', codexReader as AgentReader<unknown>, '/home/dev/.codex/sessions/2026/04/02/rollout-2026-04-02T10-00-00-aaaaaaaa-0000-4000-8000-000000000001.jsonl',
    // session_meta and turn_context lines too: they set the state (forks, history ordinals, the model) the token counts are read against
    [...fixtureFiles(f => f.includes(`${path.sep}rollout-`), ['token_count', 'turn_context', 'session_meta']), CODEX_EXTRA]],
  ['claude-code', claudeCodeReader as AgentReader<unknown>, '/home/dev/.claude/projects/-home-dev-p/5d1c0c1e-0000-4000-8000-000000000001.jsonl',
    [...fixtureFiles(f => f.includes(`${path.sep}projects${path.sep}`), ['"usage"']), CLAUDE_EXTRA]],
];

for (const [agent, reader, file, files] of agents) {
  test(`fast path: ${agent} lines read from their bytes give what JSON.parse + zod give (${CASES} seeded cases)`, () => {
    const base = files.flat();
    assert.ok(base.length >= 5, `too few ${agent} fixture lines: ${base.length}`);
    const r = rng(SEED);
    let fast = 0, total = 0, changed = 0;
    for (let c = 0; c < CASES; c++) {
      // a few lines of one file: the state (running totals, rate limits, models) carries over
      // half the time a run of one file's lines in order (a fork's session_meta before its token counts), else any lines
      const lines: Buffer[] = [];
      const from = files[Math.floor(r() * files.length)]!;
      const ordered = r() < 0.5;
      const first = Math.floor(r() * from.length);
      const n = ordered ? from.length - first : 1 + Math.floor(r() * 5);
      for (let i = 0; i < n; i++) {
        let line = ordered ? from[first + i]! : base[Math.floor(r() * base.length)]!;
        const edits = r() < 0.25 ? 0 : 1 + Math.floor(r() * 2);
        for (let e = 0; e < edits; e++) line = mutate(line, r);
        if (edits) changed++;
        lines.push(Buffer.from(line, 'utf8'));
      }
      const slow = read(reader, file, lines, false, r);
      const quick = read(reader, file, lines, true, r);
      const where = () => `case ${c}:\n${lines.map(l => l.toString('utf8').slice(0, 600)).join('\n')}`;
      assert.deepStrictEqual(quick.seen, slow.seen, where());
      assert.deepStrictEqual(quick.state, slow.state, where());
      fast += quick.fastLines;
      total += lines.length;
    }
    // the test means something only if both paths ran often
    assert.ok(fast > total * 0.3, `only ${fast} of ${total} lines took the fast path`);
    assert.ok(total - fast > total * 0.2, `only ${total - fast} of ${total} lines fell back`);
    assert.ok(changed > total * 0.5);
  });
}

for (const [agent, reader, file, files] of agents) {
  test(`fast path: ${agent}: every field the reader looks at, set to every odd value, in every fixture file, reads the same`, () => {
    let runs = 0;
    const r = rng(SEED);
    for (const all of files) {
      const lines = all.slice(0, 8); // enough for the state a file builds up
      lines.forEach((line, i) => {
        let v: Json;
        try { v = JSON.parse(line) as Json; } catch { return; } // the fixtures' own broken lines: the seeded cases have them
        const holders: [{ [k: string]: Json }, string][] = [];
        const find = (x: Json) => {
          if (Array.isArray(x)) x.forEach(find);
          else if (x && typeof x === 'object') { for (const k of Object.keys(x)) if (HOT_KEYS.includes(k)) holders.push([x, k]); Object.values(x).forEach(find); }
        };
        find(v);
        for (const [o, k] of holders) {
          const keep = o[k]!;
          for (const odd of ODD_VALUES.filter(() => r() < 0.5)) {
            o[k] = JSON.parse(odd) as Json;
            const changed = lines.map((l, j) => Buffer.from(j === i ? JSON.stringify(v) : l));
            const slow = read(reader, file, changed, false, r), quick = read(reader, file, changed, true, r);
            assert.deepStrictEqual(quick.seen, slow.seen, `${k} = ${odd} in: ${changed[i]!.toString().slice(0, 400)}`);
            assert.deepStrictEqual(quick.state, slow.state, `${k} = ${odd} in: ${changed[i]!.toString().slice(0, 400)}`);
            runs++;
          }
          o[k] = keep;
        }
      });
    }
    assert.ok(runs > 500, `${runs} runs`);
  });
}

test('fast path: rate limits read from their bytes, times counted from each line, and the newest report wins', () => {
  const file = '/x/rollout-2026-04-02T10-00-00-aaaaaaaa-0000-4000-8000-000000000009.jsonl';
  const line = (ts: string, used: number, total: number) => Buffer.from(`{"timestamp":"${ts}","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":${total},"output_tokens":1},"last_token_usage":{"input_tokens":100,"output_tokens":1}},"rate_limits":{"primary":{"used_percent":${used},"window_minutes":300,"resets_in_seconds":60},"plan_type":"plus"}}}`);
  const state = codexReader.initState(file) as { rateLimits: { at: number; limits: { primary?: { usedPercent: number; resetsAt: number | null } } } | null };
  const emit = () => {};
  const at = (ts: string) => Date.parse(ts);
  for (const [ts, used, total] of [['2026-04-02T10:00:01.000Z', 10, 100], ['2026-04-02T10:00:02.000Z', 10, 200], ['2026-04-02T10:00:03.000Z', 11, 300]] as const) {
    const b = line(ts, used, total);
    assert.equal(codexReader.lineBytes!(state as never, b, 0, b.length, 0, file, emit), 'record');
    // resets_in_seconds counts from the line's own time, even when the bytes are the same as before
    assert.deepEqual(state.rateLimits?.limits.primary, { usedPercent: used, windowMinutes: 300, resetsAt: at(ts) + 60_000 });
    assert.equal(state.rateLimits?.at, at(ts));
  }
  // a report stamped before the kept one never replaces it
  const older = line('2026-04-02T10:00:02.500Z', 99, 400);
  assert.equal(codexReader.lineBytes!(state as never, older, 0, older.length, 0, file, emit), 'record');
  assert.equal(state.rateLimits?.limits.primary?.usedPercent, 11);
});

/**
 * `lines` as one file read both ways give the same outcomes, records and state; the learned shape read
 * more than `min.template` of them and the cursor more than ten, and more than `min.records` were requests.
 */
function readsLikeTheSlowPath(reader: AgentReader<unknown>, file: string, lines: readonly string[], reads: { template: number; cursor: number },
  min: { template: number; records: number }): void {
  const before = { ...reads };
  const r = rng(SEED);
  const bufs = lines.map(l => Buffer.from(l));
  const slow = read(reader, file, bufs, false, r), quick = read(reader, file, bufs, true, r);
  assert.deepStrictEqual(quick.seen, slow.seen);
  assert.deepStrictEqual(quick.state, slow.state);
  const template = reads.template - before.template, cursor = reads.cursor - before.cursor;
  assert.ok(template > min.template, `${template} of ${lines.length} lines by the learned shape`);
  assert.ok(cursor > 10, `${cursor} lines by the cursor`);
  assert.ok(slow.seen.filter(s => s.outcome === 'record').length > min.records);
}

test('fast path: codex token_count lines of one shape are read by their learned shape, and read what the slow path reads', () => {
  // Codex writes every token_count of a rollout alike (codex-rs/protocol TokenCountEvent, serde's field
  // order): only the counts, the time and the rate limits change. The values below are every kind a
  // hole may hold: what the shape reads itself (whole numbers) and what it hands to the cursor's
  // number and time readers (fractions, exponents, 16 digits and more, -0, a time in another form),
  // and what must not match (null, a string, a leading zero, a value cut short, spacing, an added key).
  const shape = (n: string, t = '"2026-04-02T10:00:03.200Z"', pct = '12.0') =>
    `{"timestamp":${t},"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":${n},"cached_input_tokens":30011,"output_tokens":812,"reasoning_output_tokens":301,"total_tokens":42046},"last_token_usage":{"input_tokens":4123,"cached_input_tokens":3001,"output_tokens":81,"reasoning_output_tokens":30,"total_tokens":4204},"model_context_window":258400},"rate_limits":{"limit_id":"codex","limit_name":null,"primary":{"used_percent":${pct},"window_minutes":300,"resets_at":1775132403},"secondary":{"used_percent":1.2,"window_minutes":10080,"resets_at":1775526403},"credits":null,"plan_type":"plus"}}}`;
  const values = ['41234', '41235', '9', '0', '-0', '1.5', '1e3', '2E+2', '123456789012345', '1234567890123456', '12345678901234567890', '-7',
    'null', '"5"', '01', '1.', '.5', '1e', '-', ' 41234', '41234 ', 'true', '[1]', '{}', '1234567890123456789012345678901234567890'];
  // runs of one shape, each value in turn in one hole, then shapes that differ outside the holes
  const lines: string[] = [
    ...values.map(v => shape(v)), ...values.map(v => shape('50000', '"2026-04-02T10:00:04Z"', v)),
    ...values.map((v, i) => shape(String(50001 + i), i % 2 ? '"2026-04-02T10:00:03+02:00"' : `"2026-04-02T10:00:${String(10 + i)}.000Z"`)),
    ...values.map((v, i) => shape(String(60000 + i)).replace('"plan_type":"plus"', i % 3 ? '"plan_type":"pro"' : '"plan_type":null')),
    ...values.map((v, i) => shape(String(70000 + i)).replace(',"credits":null', i % 2 ? '' : ',"credits":{"has_credits":true,"unlimited":false}')),
  ];
  lines.push(shape('1').slice(0, -1), shape('2') + ' ', shape('3').replace(':4123,', ': 4123,'));
  const file = '/home/dev/.codex/sessions/2026/04/02/rollout-2026-04-02T10-00-00-aaaaaaaa-0000-4000-8000-000000000001.jsonl';
  readsLikeTheSlowPath(codexReader as AgentReader<unknown>, file, lines, tokenCountReads, { template: lines.length / 3, records: 20 });
});

test('fast path: claude-code assistant lines of one shape are read by their learned shape, and read what the slow path reads', () => {
  // Claude Code writes a transcript's assistant lines alike (the same keys in the same order); what
  // changes is the content, ids, times, counts, the model (a sub-agent's haiku) and, across files,
  // the session and folder: the holes of the learned shape. Every kind of value goes into them, and
  // shapes that differ outside them (a key more or less, another type, other spacing) must not match.
  const shape = (o: { n?: string; content?: string; model?: string; id?: string; t?: string; req?: string; side?: string; session?: string } = {}) =>
    `{"parentUuid":"0b0e7c1e-0000-4000-8000-000000000001","isSidechain":${o.side ?? 'false'},"userType":"external","cwd":"/home/dev/project1","sessionId":${o.session ?? '"5d1c0c1e-0000-4000-8000-000000000001"'},"version":"2.1.90","gitBranch":"main","message":{"id":${o.id ?? '"msg_01abc"'},"type":"message","role":"assistant","model":${o.model ?? '"claude-sonnet-4-5-20250929"'},"content":${o.content ?? '[{"type":"text","text":"hello"}]'},"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":${o.n ?? '3'},"cache_creation_input_tokens":1200,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":1200,"ephemeral_1h_input_tokens":0},"output_tokens":7,"service_tier":"standard"}},"requestId":${o.req ?? '"req_011abc"'},"type":"assistant","uuid":"0b0e7c1e-0000-4000-8000-000000000002","timestamp":${o.t ?? '"2026-03-02T10:00:00.000Z"'}}`;
  const values = ['3', '0', '-0', '1.5', '1e3', '123456789012345', '12345678901234567890', 'null', '"5"', '01', 'true', '[1]', '{}', '"\\u0041"', '"a\\"b"', '"\u0001"', '"é"'];
  const lines: string[] = [
    ...values.map(v => shape({ n: v })), ...values.map(v => shape({ content: v })), ...values.map(v => shape({ model: v })),
    ...values.map(v => shape({ id: v })), ...values.map(v => shape({ t: v })), ...values.map(v => shape({ req: v })),
    ...values.map(v => shape({ side: v })), ...values.map(v => shape({ session: v })),
    ...values.map((v, i) => shape({ n: String(i), content: `[{"type":"tool_use","id":"toolu_${i}","name":"Edit","input":{"file_path":"/p/f${i}.ts"}}]`, model: i % 3 ? '"claude-haiku-4-5"' : '"claude-opus-4-1"' })),
    shape().replace(',"service_tier":"standard"', ''), shape().replace('"userType":"external",', ''), shape() + ' ', shape().slice(0, -1),
    shape().replace('"input_tokens":3,', '"input_tokens": 3,'), shape().replace('"type":"assistant"', '"type":"user"'),
  ];
  const file = '/home/dev/.claude/projects/-home-dev-p/5d1c0c1e-0000-4000-8000-000000000001.jsonl';
  readsLikeTheSlowPath(claudeCodeReader as AgentReader<unknown>, file, lines, assistantReads, { template: lines.length / 4, records: 60 });
});

test('fast path: claude-code usage.iterations is a hole the learned shape steps over; a line with an advisor call goes to the slow path', () => {
  // Claude Code writes `usage.iterations` on its turns (the model calls of one turn); only an
  // `advisor_message` among them is a request the top-level usage leaves out (claudeCode.ts).
  const shape = (it: string, n = 3) =>
    `{"parentUuid":"p","isSidechain":false,"cwd":"/home/dev/app","sessionId":"5d1c0c1e-0000-4000-8000-0000000000ad","message":{"id":"msg_${n}","type":"message","role":"assistant","model":"claude-sonnet-4-6","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":${n},"cache_creation_input_tokens":0,"cache_read_input_tokens":20000,"output_tokens":7,"service_tier":"standard","iterations":${it},"speed":"standard"}},"requestId":"req_${n}","type":"assistant","uuid":"u","timestamp":"2026-07-10T10:00:00.000Z"}`;
  const main = (n: number) => `[{"type":"message","input_tokens":${n},"output_tokens":7,"cache_read_input_tokens":20000,"cache_creation_input_tokens":0}]`;
  const advisor = (n: number, extra = '') => `[{"type":"message","input_tokens":1,"output_tokens":2},{"type":"advisor_message","model":"claude-opus-4-7","input_tokens":${n},"output_tokens":70,"cache_read_input_tokens":0,"cache_creation_input_tokens":0${extra}}]`;
  const odd = ['[]', 'null', '{}', '"advisor_message"', '[{"type":"advisor_message"}]', '[{"type":"advisor_message","input_tokens":"5"}]', '[{"type":"advisor_message","input_tokens":5,"model":7}]',
    '[{"type":"fallback_message","model":"claude-opus-4-7","input_tokens":9000}]', '[{"type":"advisor_\\u006dessage","input_tokens":5}]', '[1,null,"x"]', `${advisor(5)} `, advisor(8, ',"speed":"fast"'),
    advisor(9, ',"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":4}'), advisor(10, ',"server_tool_use":{"web_search_requests":2}')];
  const lines: string[] = [];
  for (let i = 1; i <= 40; i++) lines.push(shape(main(i), i));
  for (let i = 0; i < 12; i++) lines.push(shape(advisor(1000 + i), 100 + i), shape(main(200 + i), 200 + i));
  odd.forEach((v, i) => lines.push(shape(v, 300 + i), shape(main(400 + i), 400 + i)));
  // shapes that differ outside the holes: the cursor reads them, and learns them
  for (let i = 0; i < 12; i++) lines.push(i % 2 ? shape(main(500 + i), 500 + i).replace(',"speed":"standard"', '') : shape(advisor(600 + i), 600 + i).replace('"iterations":', '"iterations": '));
  const file = '/home/dev/.claude/projects/-home-dev-app/5d1c0c1e-0000-4000-8000-0000000000ad.jsonl';
  readsLikeTheSlowPath(claudeCodeReader as AgentReader<unknown>, file, lines, assistantReads, { template: 40, records: 100 });
});

test('fast path: plainEnd stops at the first quote, backslash or control character, four bytes at a time, as the byte loop does', () => {
  const stop = (c: number) => c < 0x20 || c === 0x22 || c === 0x5c;
  const random = rng(SEED);
  const rand = (n: number) => Math.floor(random() * n);
  // every byte value in every lane, after and before every other byte value's borrow
  const buf = Buffer.alloc(4096);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let round = 0; round < 3000; round++) {
    for (let i = 0; i < buf.length; i++) buf[i] = rand(4) ? 0x20 + rand(0xe0) : rand(256);
    if (round % 3 === 0) for (let i = 0; i < buf.length; i++) if (stop(buf[i]!)) buf[i] = 0x61; // long plain runs
    const from = rand(64), end = buf.length - rand(64);
    let want = from;
    while (want < end && !stop(buf[want]!)) want++;
    assert.equal(plainEnd(view, buf, from, end), want, `round ${round}`);
  }
  // every pair of byte values in every two neighbouring lanes of a word (a borrow runs upwards from a lane)
  const word = Buffer.alloc(12), wv = new DataView(word.buffer, word.byteOffset, word.byteLength);
  for (let lane = 0; lane < 3; lane++) {
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        word.fill(0x61); word[4 + lane] = a; word[5 + lane] = b;
        const want = stop(a) ? 4 + lane : stop(b) ? 5 + lane : 12;
        if (plainEnd(wv, word, 0, 12) !== want) assert.fail(`lane ${lane}: bytes ${a}, ${b}`);
      }
    }
  }
});

test('fast path: times read from their digits are Date.parse\'s, on every day of every month, leap years and centuries included', () => {
  const c = new JsonCursor();
  const at = (text: string) => { const b = Buffer.from(JSON.stringify(text)); return c.reset(b, 0, b.length).time(); };
  for (const year of [1000, 1600, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2025, 2026, 2100, 2400, 9999]) {
    for (let month = 1; month <= 12; month++) {
      for (let day = 1; day <= 31; day++) {
        const d = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        for (const t of [`${d}T00:00:00Z`, `${d}T23:59:59.999Z`, `${d}T12:34:56.078Z`]) {
          const want = Date.parse(t);
          assert.ok(Object.is(at(t), want), `${t}: ${at(t)} against ${want}`);
        }
      }
    }
  }
});
