// Copilot Chat's OpenTelemetry file exporter (microsoft/vscode-copilot-chat at commit
// 31acd00a86424e2ee6e980e54919cf31fbf88030: src/platform/otel/node/fileExporters.ts writes
// `JSON.stringify(object) + '\n'` per span, log record and metrics export, `{}` when stringify throws;
// the path comes from `github.copilot.chat.otel.outfile` or `$COPILOT_OTEL_FILE_EXPORTER_PATH`,
// src/platform/otel/common/otelConfig.ts and src/extension/extension/vscode-node/services.ts).
// The fixtures under test/fixtures/agent-logs/copilot-otel/ were written by the SDK versions Copilot
// pins (@opentelemetry/sdk-trace-base 2.5.1, sdk-logs 0.212.0; metrics from sdk-metrics 2.12), with the
// attributes chatMLFetcher.ts sets on a `chat` span and genAiEvents.ts on its log record:
//  - pinned-sdk.jsonl: what Copilot really writes: three inference log records, `{}` for each of the
//    four spans (the span object refers back to its processor: stringify throws), a metrics export;
//  - span-objects.jsonl: the same spans as the span objects' own fields (stringified without the
//    processor back-reference), the shape a span line has whenever stringify succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentRoots } from '../../src/core/agents/locations';
import { parseSettings } from '../../src/core/settings';
import { otelOutfiles } from '../../src/core/agents/copilotOtelFile';
import { UsageIndex } from '../../src/core/usage/usageIndex';
import { main } from '../../src/cli/cli';
import type { CliIO } from '../../src/cli/io';
import { tempDir } from './tempDirs';
import { VSCODE_FIXTURES } from './agents-vscode-helpers';

const OTEL = path.join(VSCODE_FIXTURES, 'copilot-otel');
const l = (o: unknown) => JSON.stringify(o) + '\n';
const T = Date.UTC(2026, 10, 20, 9, 0, 0);
// the chat spans of span-objects.jsonl: [span id, input (cache included), cache read, output]
const SPANS = { a: '59ccef37c508bc77', b: '76de4bd435d8410c', title: 'febc8f7b29d84fc5', agent: '9cd694fce88f98ce' };

/** A VS Code user folder: two journals (sess-o, which the exporter covers, and sess-p), and a settings.json naming the exporter's file. */
function userTree(otelSource: string | null): { dir: string; user: string; outfile: string } {
  const dir = tempDir('tk-copilot-otel-');
  const user = path.join(dir, 'User');
  const chats = path.join(user, 'workspaceStorage', 'h', 'chatSessions');
  fs.mkdirSync(chats, { recursive: true });
  const journal = (sid: string, n: number) => l({ kind: 0, v: { sessionId: sid, creationDate: T, requests: Array.from({ length: n }, (_, i) => (
    { requestId: `${sid}-r${i}`, timestamp: T + i * 10000, modelId: 'copilot/claude-sonnet-4.5', result: { metadata: { promptTokens: 9000, outputTokens: 100, modelMessageId: `${sid}-m${i}` } } })) } });
  fs.writeFileSync(path.join(chats, 'sess-o.jsonl'), journal('sess-o', 2));
  fs.writeFileSync(path.join(chats, 'sess-p.jsonl'), journal('sess-p', 1));
  const outfile = path.join(dir, 'telemetry', 'copilot-otel.jsonl');
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  if (otelSource) fs.copyFileSync(otelSource, outfile);
  // JSONC as VS Code keeps it: comments and a trailing comma
  fs.writeFileSync(path.join(user, 'settings.json'), `{
  // Copilot telemetry to a file
  "github.copilot.chat.otel.enabled": true,
  /* JSON lines */ "github.copilot.chat.otel.outfile": ${JSON.stringify(outfile)},
}
`);
  return { dir, user, outfile };
}

const copilotOnly = (roots: ReturnType<typeof agentRoots>) => roots.filter(r => String(r.agent) === 'copilot');
const view = (ix: UsageIndex) => ix.records().map(r => [r.sessionId, r.key, r.basis, r.usage.input, r.usage.cacheRead, r.usage.output, r.model]).sort();

test('copilot OTel file: found from the user\'s own outfile setting; chat spans are exact and replace the session\'s lower bound', async () => {
  const { user, outfile } = userTree(path.join(OTEL, 'span-objects.jsonl'));
  const ix = new UsageIndex({ roots: copilotOnly(agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] })), cacheFile: null });
  await ix.refresh();
  assert.deepEqual(view(ix), [
    ['sess-o', `p:span:${SPANS.a}`, 'exact', 4000, 8000, 300, 'claude-sonnet-4.5-2025'], // input_tokens includes the cache reads
    ['sess-o', `p:span:${SPANS.b}`, 'exact', 4000, 11000, 450, 'claude-sonnet-4.5-2025'],
    ['sess-o', `p:span:${SPANS.title}`, 'exact', 600, 0, 12, 'gpt-4o-mini-2025'], // a title call, counted for its parent session
    ['sess-p', 'p:m:sess-p-m0', 'lower-bound', 9000, 0, 100, 'claude-sonnet-4.5'], // a session the file does not cover keeps its bound
  ]);
  assert.ok(ix.records().every(r => r.sessionId !== 'sess-o' || r.file === outfile), 'sess-o from the exporter only, never added to its journal');
  assert.equal(ix.records().find(r => r.key === `p:span:${SPANS.a}`)!.timestamp, T + 10000, 'the span\'s start time ([seconds, nanoseconds])');
  assert.ok(!ix.records().some(r => r.key === `p:span:${SPANS.agent}`), 'invoke_agent sums its rounds: not counted');
  assert.equal(ix.stats().malformedLines, 0, '{}, log records and metrics are not malformed, only not ours');
});

// microsoft/vscode extensions/copilot/src/platform/otel/node/fileExporters.ts, current builds: a span line
// is `readableSpanToJson(span)`, the span's public data with its ids at the top (`...spanContextToJson(span.spanContext())`),
// no `_spanContext`; log records are still the SDK object; nothing is written when a line cannot be.
test('copilot OTel file: spans as current builds write them (readableSpanToJson, ids at the top) are read the same', async () => {
  const { user, outfile } = userTree(null);
  const ctx = (c: { traceId: string; spanId: string; traceFlags: number }) => ({ traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags });
  const lines = fs.readFileSync(path.join(OTEL, 'span-objects.jsonl'), 'utf8').split('\n').filter(Boolean).map(t => JSON.parse(t) as Record<string, any>).flatMap(o => {
    if (!o._spanContext) return Object.keys(o).length ? [o] : []; // a log record or metrics as before; no `{}`
    const raw = o.resource?._rawAttributes as [string, unknown][] | undefined;
    return [{ ...ctx(o._spanContext), parentSpanContext: o.parentSpanContext ? ctx(o.parentSpanContext) : undefined, name: o.name, kind: o.kind,
      startTime: o.startTime, endTime: o.endTime, duration: o._duration, ended: o._ended, attributes: o.attributes, status: o.status, events: o.events, links: [],
      resource: { attributes: Object.fromEntries(raw ?? []) }, instrumentationScope: o.instrumentationScope,
      droppedAttributesCount: o._droppedAttributesCount, droppedEventsCount: o._droppedEventsCount, droppedLinksCount: o._droppedLinksCount }];
  });
  assert.ok(lines.every(o => !('_spanContext' in o)));
  fs.writeFileSync(outfile, lines.map(o => JSON.stringify(o)).join('\n') + '\n');
  const ix = new UsageIndex({ roots: copilotOnly(agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] })), cacheFile: null });
  await ix.refresh();
  assert.deepEqual(view(ix), [ // was: every span line ignored, sess-o at its journal's lower bound
    ['sess-o', `p:span:${SPANS.a}`, 'exact', 4000, 8000, 300, 'claude-sonnet-4.5-2025'],
    ['sess-o', `p:span:${SPANS.b}`, 'exact', 4000, 11000, 450, 'claude-sonnet-4.5-2025'],
    ['sess-o', `p:span:${SPANS.title}`, 'exact', 600, 0, 12, 'gpt-4o-mini-2025'],
    ['sess-p', 'p:m:sess-p-m0', 'lower-bound', 9000, 0, 100, 'claude-sonnet-4.5'],
  ]);
  assert.equal(ix.records().find(r => r.key === `p:span:${SPANS.a}`)!.timestamp, T + 10000);
  assert.equal(ix.stats().malformedLines, 0);
});

test('copilot OTel file: a VS Code Server\'s remote settings (data/Machine/settings.json) name it too; relative paths and other keys do not', () => {
  const dir = tempDir('tk-copilot-otel-remote-');
  const user = path.join(dir, 'data', 'User');
  fs.mkdirSync(user, { recursive: true });
  fs.mkdirSync(path.join(dir, 'data', 'Machine'));
  fs.writeFileSync(path.join(dir, 'data', 'Machine', 'settings.json'), '{ "github.copilot.chat.otel.outfile": "/var/log/copilot-otel.jsonl", }');
  fs.writeFileSync(path.join(user, 'settings.json'), '{ "github": { "copilot": { "chat": { "otel": { "outfile": "/home/u/nested.jsonl" } } } } }');
  assert.deepEqual(otelOutfiles(user), [path.resolve('/home/u/nested.jsonl'), path.resolve('/var/log/copilot-otel.jsonl')]);
  fs.writeFileSync(path.join(user, 'settings.json'), '{ "github.copilot.chat.otel.outfile": "relative/otel.jsonl", "github.copilot.chat.otel.exporterType": "file" }');
  assert.deepEqual(otelOutfiles(user), [path.resolve('/var/log/copilot-otel.jsonl')]);
});

test('copilot OTel file: as the pinned SDK writes it ({} for every span), nothing is counted and nothing is added to the journal', async () => {
  const { user } = userTree(path.join(OTEL, 'pinned-sdk.jsonl'));
  const ix = new UsageIndex({ roots: copilotOnly(agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] })), cacheFile: null });
  await ix.refresh();
  // the inference log records hold per-call tokens but no chat session: counting them would add to sess-o's bound
  assert.deepEqual(view(ix).map(r => [r[0], r[2]]), [['sess-o', 'lower-bound'], ['sess-o', 'lower-bound'], ['sess-p', 'lower-bound']]);
  assert.equal(ix.stats().malformedLines, 0);
  assert.equal(ix.stats().files, 3, 'the exporter file is read (and watched) all the same');
});

test('copilot OTel file: a call in both the trace store and the file counts once', async () => {
  const { user } = userTree(path.join(OTEL, 'span-objects.jsonl'));
  const store = path.join(user, 'globalStorage', 'github.copilot-chat');
  fs.mkdirSync(store, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Database } = require('node-sqlite3-wasm') as { Database: new (f: string) => { exec(s: string): void; run(s: string, p: unknown[]): void; close(): void } };
  const db = new Database(path.join(store, 'agent-traces.db'));
  // the columns of otelSqliteStore.ts that the reader uses; span a again, plus a call only the store has
  db.exec(`CREATE TABLE spans (span_id TEXT PRIMARY KEY, trace_id TEXT, name TEXT, start_time_ms INTEGER, operation_name TEXT, request_model TEXT,
    response_model TEXT, input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, chat_session_id TEXT, conversation_id TEXT)`);
  for (const [id, input, cached, output] of [[SPANS.a, 12000, 8000, 300], ['0000000000000042', 5000, 0, 50]] as const) {
    db.run(`INSERT INTO spans VALUES (?, 't', 'chat claude-sonnet-4.5', ?, 'chat', 'claude-sonnet-4.5', 'claude-sonnet-4.5-2025', ?, ?, ?, 'sess-o', 'req')`, [id, T + 10000, input, output, cached]);
  }
  db.close();
  const ix = new UsageIndex({ roots: copilotOnly(agentRoots({ HOME: '/nonexistent/tk' }, { vscodeUserDirs: [user] })), cacheFile: null });
  await ix.refresh();
  const keys = ix.records().filter(r => r.sessionId === 'sess-o').map(r => r.key).sort();
  assert.deepEqual(keys, [`p:span:0000000000000042`, `p:span:${SPANS.a}`, `p:span:${SPANS.b}`, `p:span:${SPANS.title}`].sort());
});

test('copilot OTel file: tokenomics.copilotOtelFiles, $COPILOT_OTEL_FILE_EXPORTER_PATH and --copilot-otel-file name it too; appends are read alone', async () => {
  const { dir, user, outfile } = userTree(null);
  fs.rmSync(path.join(user, 'settings.json'));
  const named = path.join(dir, 'elsewhere.jsonl');
  fs.copyFileSync(path.join(OTEL, 'span-objects.jsonl'), named);
  const lines = fs.readFileSync(named, 'utf8').split('\n');
  // the setting adds files, it never replaces the folders
  const { settings } = parseSettings({ copilotOtelFiles: [named], vscodeUserDirs: [user] });
  const roots = copilotOnly(agentRoots({ HOME: '/nonexistent/tk' }, settings.agentDirs));
  assert.deepEqual(roots.map(r => [r.dir, r.explicit]), [[user, true], [named, true]]);
  fs.writeFileSync(outfile, '');
  const env = copilotOnly(agentRoots({ HOME: '/nonexistent/tk', COPILOT_OTEL_FILE_EXPORTER_PATH: outfile }, { vscodeUserDirs: [user] }));
  assert.deepEqual(env.map(r => r.dir), [user, outfile]);
  // a live index over the setting's file: the exporter appends a batch, the watcher names the file
  fs.writeFileSync(named, lines.slice(0, 2).join('\n') + '\n');
  const ix = new UsageIndex({ roots, cacheFile: null, autoSave: false });
  await ix.refresh({ full: true });
  assert.deepEqual(ix.records().filter(r => r.basis === 'exact').map(r => r.key), [`p:span:${SPANS.a}`]);
  fs.appendFileSync(named, lines.slice(2).join('\n'));
  const reads = ix.fileReads;
  const r = await ix.refresh({ full: false, touched: new Set([named]) });
  assert.deepEqual([r.appendedFiles, ix.fileReads - reads], [1, 1]);
  assert.equal(ix.records().filter(x => x.basis === 'exact').length, 3);
  // the CLI: the flag names the file (it must exist), repeatable like the folder flags
  const home = tempDir('tk-copilot-otel-home-');
  const io = (): CliIO & { out: string; err: string } => {
    const o = { out: '', err: '', stdout: (s: string) => { o.out += s; }, stderr: (s: string) => { o.err += s; },
      readStdin: async () => '', env: { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache'), TZ: 'UTC' }, cwd: dir };
    return o;
  };
  const a = io();
  assert.equal(await main(['report', '--json', '--no-cache', '--vscode-user-dir', user, '--copilot-otel-file', named, '--since', '2026-11-01', '--until', '2026-11-30'], a), 0, a.err);
  const rep = JSON.parse(a.out) as { agents: { agent: string; requests: number; basis?: string }[] };
  assert.equal(rep.agents.find(x => x.agent === 'copilot')!.requests, 4, 'three exact calls for sess-o, the bound of sess-p');
  const b = io();
  assert.equal(await main(['report', '--json', '--no-cache', '--copilot-otel-file', path.join(dir, 'missing.jsonl')], b), 2);
  assert.match(b.err, /no such file: .*missing\.jsonl/);
});
