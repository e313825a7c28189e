// The OTLP export in the engine, over its real protocol: off by default with nothing of OpenTelemetry
// loaded; on, one engine per machine exports (a second window waits, and does not load it either);
// headers from the client reach the receiver; what is sent holds no path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { REPO, startServer, TestServer } from './lspClient';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tkx-lsp-export-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FIXTURES = path.join(REPO, 'test/fixtures/agent-logs');
const env = { HOME: path.join(tmp, 'home'), XDG_CACHE_HOME: path.join(tmp, 'cache'), CLAUDE_CONFIG_DIR: path.join(FIXTURES, 'claude'),
  CODEX_HOME: path.join(FIXTURES, 'codex'), OTEL_EXPORTER_OTLP_HEADERS: '', OTEL_EXPORTER_OTLP_METRICS_HEADERS: '' };

interface Received { headers: http.IncomingHttpHeaders; body: Buffer; url: string }

async function receiver(port = 0): Promise<{ url: string; got: Received[]; close: () => Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c as Buffer));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url ?? '' });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>(r => server.listen(port, '127.0.0.1', r));
  const at = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${at}/v1/metrics`, got, close: () => new Promise(r => server.close(() => r())) };
}

const status = (s: TestServer): Promise<any> => s.conn.sendRequest('tokenomics/exportStatus');
async function until(what: string, f: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

test('the OpenTelemetry packages are bundled apart (dist/otlp.js), not into the engine, the CLI or the extension', () => {
  const marker = 'OTel-OTLP-Exporter-JavaScript'; // the exporter's user agent
  const otlp = fs.readFileSync(path.join(REPO, 'dist/otlp.js'), 'utf8');
  assert.ok(otlp.includes(marker));
  // only the sender: an import that drags the usage index or the agent readers in would show here
  assert.ok(otlp.length < 150 * 1024, `dist/otlp.js is ${Math.round(otlp.length / 1024)} KB`);
  assert.ok(!otlp.includes('cache_creation_input_tokens'), 'dist/otlp.js holds no agent-log reader');
  for (const f of ['server.js', 'cli.js', 'extension.js']) {
    const code = fs.readFileSync(path.join(REPO, 'dist', f), 'utf8');
    assert.ok(!code.includes(marker) && !code.includes('opentelemetry.js.api'), `${f} holds OpenTelemetry code`);
  }
  // and the package ships it (.vscodeignore lists what goes into the .vsix)
  assert.ok(fs.readFileSync(path.join(REPO, '.vscodeignore'), 'utf8').split('\n').includes('!dist/otlp.js'), '.vscodeignore keeps dist/otlp.js');
});

test('export off: nothing of OpenTelemetry is loaded; on: one engine per machine exports, with the client\'s headers', async () => {
  const rx = await receiver();
  const a = await startServer({ env, storagePath: path.join(tmp, 'storage-a') });
  let b: TestServer | undefined;
  try {
    await a.conn.sendRequest('tokenomics/usage');
    assert.deepEqual(await status(a), { enabled: false, senderLoaded: false, exporting: false, lastSuccess: null, lastError: null, lastPoints: 0 });
    await a.conn.sendNotification('tokenomics/exportConfig', { endpoint: '', includeProjects: 'hashed' });
    assert.equal((await status(a)).senderLoaded, false, 'an empty endpoint is off');

    await a.conn.sendNotification('tokenomics/exportConfig', { endpoint: rx.url, headers: 'authorization=Bearer s3cret', intervalSeconds: 10, attributes: { team: 'payments' } });
    await until('the first export', async () => (await status(a)).lastSuccess !== null);
    const sa = await status(a);
    assert.deepEqual([sa.enabled, sa.senderLoaded, sa.exporting, sa.lastError], [true, true, true, null]);
    assert.ok(sa.lastPoints > 0);
    const req = rx.got[0]!;
    assert.equal(req.url, '/v1/metrics');
    assert.equal(req.headers['content-type'], 'application/x-protobuf');
    assert.equal(req.headers.authorization, 'Bearer s3cret', 'the headers from secret storage reach the receiver');
    const text = req.body.toString('latin1');
    for (const s of ['tokenomics.token.usage', 'tokenomics.cost.usage', 'gen_ai.token.type', 'cache_read', 'claude-code', 'payments', 'host.id']) assert.ok(text.includes(s), s);
    for (const s of ['/home/dev', 'shop', '.jsonl', 'projects', os.hostname()]) assert.ok(!text.includes(s), `${s} must not be sent`);

    // a second window on the same machine: it waits for the lock, and loads nothing of the exporter
    b = await startServer({ env, storagePath: path.join(tmp, 'storage-b') });
    await b.conn.sendNotification('tokenomics/exportConfig', { endpoint: rx.url, intervalSeconds: 10 });
    await b.waitNotification('window/logMessage', (p: any) => /another process \(pid \d+\) exports for this machine/.test(p.message));
    const sb = await status(b);
    assert.deepEqual([sb.enabled, sb.exporting, sb.senderLoaded], [true, false, false]);

    // a bad endpoint is reported by setting name, and turns the export off
    await a.conn.sendNotification('tokenomics/exportConfig', { endpoint: 'ftp://nope' });
    await a.waitNotification('window/showMessageRequest', (p: any) => /tokenomics\.export\.otlp\.endpoint/.test(p.message));
    assert.equal((await status(a)).enabled, false);
    assert.equal(fs.existsSync(path.join(tmp, 'cache/tokenomics/otlp/export.lock')), false, 'turning it off frees the lock');
  } finally {
    await a.stop();
    await b?.stop();
    await rx.close();
  }
});

test('a receiver that is down: the failure is logged once, and the next interval sends the totals', async () => {
  const probe = await receiver();
  const url = probe.url;
  await probe.close(); // nothing listens there now
  const cache = path.join(tmp, 'cache-down');
  const s = await startServer({ env: { ...env, XDG_CACHE_HOME: cache }, storagePath: path.join(tmp, 'storage-down') });
  let rx: Awaited<ReturnType<typeof receiver>> | undefined;
  try {
    await s.conn.sendNotification('tokenomics/exportConfig', { endpoint: url, intervalSeconds: 10 });
    await until('the failed export', async () => (await status(s)).lastError !== null);
    const failed = await status(s);
    assert.equal(failed.lastSuccess, null);
    await s.waitNotification('window/logMessage', (p: any) => /OTLP export: export to .* failed: .*; nothing is lost: the totals are sent again in 10 s/.test(p.message));
    assert.equal(fs.existsSync(path.join(cache, 'tokenomics/otlp/state.json')), false, 'no state is kept for an export that was not accepted');
    rx = await receiver(Number(new URL(url).port));
    await until('the next export', async () => (await status(s)).lastSuccess !== null, 25_000);
    assert.equal((await status(s)).lastError, null);
    assert.ok(rx.got.length >= 1);
    assert.ok(rx.got[0]!.body.toString('latin1').includes('tokenomics.token.usage'));
    await s.waitNotification('window/logMessage', (p: any) => /works again/.test(p.message));
    assert.ok(fs.existsSync(path.join(cache, 'tokenomics/otlp/state.json')));
  } finally {
    await s.stop();
    await rx?.close();
  }
});
