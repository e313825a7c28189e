// The OTLP/HTTP protobuf sender: the only module that loads OpenTelemetry. It is its own bundle
// (dist/otlp.js), required by export.ts only once an export is turned on, so with export off none of
// it is loaded, in the engine or the CLI.
//
// Points are handed to the official exporter as the SDK's ResourceMetrics, built here rather than by
// a MeterProvider: the SDK's asynchronous counters turn a total that falls into a delta and keep
// adding, and stamp their own start times, while Tokenomics' counters are all-time totals whose start
// times (and resets) come from the export state.
import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { COST_METRIC, COST_UNIT, TOKEN_METRIC, TOKEN_UNIT } from '../core/export/names';
import type { Point } from '../core/export/state';

export interface SendOptions {
  url: string;
  headers: Record<string, string>;
  resource: Record<string, string>;
  timeoutMs?: number;
}

/** `retryable`: the receiver could not be reached or asked to come back (408, 429, 5xx); else it rejected the data. */
export type SendResult = { ok: true } | { ok: false; error: string; retryable: boolean };

const hr = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

const DESCRIPTIONS: Record<string, { unit: string; description: string; valueType: ValueType }> = {
  [TOKEN_METRIC]: { unit: TOKEN_UNIT, description: 'Tokens used by coding agents, all-time per series, from their logs (Tokenomics).', valueType: ValueType.INT },
  [COST_METRIC]: { unit: COST_UNIT, description: 'What the tokens cost in USD at list prices, all-time per series (Tokenomics).', valueType: ValueType.DOUBLE },
};

export function resourceMetrics(points: readonly Point[], resource: Record<string, string>, version: string): ResourceMetrics {
  const metrics: MetricData[] = [];
  for (const name of [TOKEN_METRIC, COST_METRIC]) {
    const ps = points.filter(p => p.metric === name);
    if (!ps.length) continue;
    const d = DESCRIPTIONS[name]!;
    metrics.push({
      descriptor: { name, unit: d.unit, description: d.description, valueType: d.valueType },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: ps.map(p => ({ startTime: hr(p.startMs), endTime: hr(p.endMs), attributes: p.attributes, value: p.value })),
    });
  }
  return {
    resource: resourceFromAttributes(resource),
    scopeMetrics: [{ scope: { name: 'tokenomics', version }, metrics }],
  };
}

/** One export. The exporter's result is checked here: a rejected export is an error with the receiver's answer. */
export function send(points: readonly Point[], opts: SendOptions & { version: string }): Promise<SendResult> {
  const exporter = new OTLPMetricExporter({ url: opts.url, headers: opts.headers, timeoutMillis: opts.timeoutMs ?? 10_000 });
  const data = resourceMetrics(points, opts.resource, opts.version);
  return new Promise<SendResult>(resolve => {
    exporter.export(data, result => {
      if (result.code === ExportResultCode.SUCCESS) resolve({ ok: true });
      else resolve({ ok: false, error: describe(result.error), retryable: retryable(result.error) });
    });
  }).finally(() => exporter.shutdown().catch(() => { /* nothing left to flush */ }));
}

function retryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number') return true; // no HTTP answer: refused, timed out, reset
  return code === 408 || code === 429 || code >= 500;
}

function describe(e: unknown): string {
  if (!e) return 'the export failed';
  const err = e as { message?: string; code?: number | string; data?: string; cause?: { code?: string; message?: string } };
  const parts = [err.message || String(e)];
  if (err.code !== undefined && !parts[0]!.includes(String(err.code))) parts.push(`status ${err.code}`);
  if (typeof err.data === 'string' && err.data.trim()) parts.push(`the receiver answered: ${err.data.trim().slice(0, 300)}`);
  if (err.cause?.code) parts.push(err.cause.code);
  return parts.join('; ');
}
