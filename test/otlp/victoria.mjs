// A real OTLP receiver for the tests: VictoriaMetrics on 127.0.0.1 with a free port, installed by
// ./get-victoriametrics.sh (Debian's package, cached under ~/.cache/tokenomics-e2e/vm), and PromQL
// helpers to read back what it stored. Used by test/otlp/ and the e2e scenario ui/otlp-export.mjs.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Installs VictoriaMetrics if needed; returns the binary's path. */
export function installVictoria() {
  const got = spawnSync('bash', [path.join(HERE, 'get-victoriametrics.sh')], { encoding: 'utf8' });
  if (got.status !== 0) throw new Error(`installing VictoriaMetrics (test/otlp/get-victoriametrics.sh) failed: ${got.stderr}`);
  return got.stdout.trim().split('\n').pop();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** A receiver on `port` storing into `dataDir`; `stop()` ends it, `start()` starts it again on the same port and data. */
export async function victoria({ bin, port, dataDir }) {
  const base = `http://127.0.0.1:${port}`;
  let proc;
  const start = async () => {
    proc = spawn(bin, [`-storageDataPath=${dataDir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=1y', '-search.latencyOffset=0s',
      '-search.disableCache', '-opentelemetry.usePrometheusNaming', '-loggerLevel=ERROR'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', d => { err += d; });
    for (let i = 0; i < 150; i++) {
      try { if ((await fetch(`${base}/health`)).ok) return; } catch { /* not up yet */ }
      if (proc.exitCode !== null) throw new Error(`VictoriaMetrics exited: ${err}`);
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`VictoriaMetrics did not answer on ${base}: ${err}`);
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null) return;
    const done = new Promise(r => proc.once('exit', r));
    proc.kill('SIGINT');
    await done;
  };
  /** Makes what was ingested searchable (VictoriaMetrics buffers ~1 s). */
  const flush = async () => {
    await fetch(`${base}/internal/force_flush`);
    await new Promise(r => setTimeout(r, 1500));
  };
  const query = async (expr, time) => {
    const body = new URLSearchParams({ query: expr });
    if (time !== undefined) body.set('time', String(time));
    const r = await (await fetch(`${base}/api/v1/query`, { method: 'POST', body })).json();
    assert.equal(r.status, 'success', `${expr}: ${JSON.stringify(r)}`);
    return r.data.result;
  };
  const queryRange = async (expr, startS, endS, step) => {
    const body = new URLSearchParams({ query: expr, start: String(startS), end: String(endS), step });
    const r = await (await fetch(`${base}/api/v1/query_range`, { method: 'POST', body })).json();
    assert.equal(r.status, 'success', `${expr}: ${JSON.stringify(r)}`);
    return r.data.result;
  };
  /** `sum by (label)` as { value of label: number }. */
  const sumBy = async (metric, label) => {
    const out = {};
    for (const s of await query(`sum by (${label}) (${metric})`)) out[s.metric[label]] = Number(s.value[1]);
    return out;
  };
  await start();
  return { base, metricsUrl: `${base}/opentelemetry/v1/metrics`, start, stop, flush, query, queryRange, sumBy };
}
