// The export's settings, from VS Code (`tokenomics.export.otlp.*`, sent to the engine with the headers
// from SecretStorage) or from the CLI's flags: validated here, each bad value named.
import * as z from 'zod';
import type { ProjectMode } from './series';

export const DEFAULT_INTERVAL_SECONDS = 60;
/** Attribute names the export sets itself: a user attribute may not replace them. */
const RESERVED = new Set(['service.name', 'service.version', 'service.instance.id', 'host.id', 'agent', 'basis', 'project',
  'gen_ai.provider.name', 'gen_ai.request.model', 'gen_ai.token.type']);

export interface ExportConfig {
  /** The OTLP/HTTP metrics URL; null: export off. */
  endpoint: string | null;
  headers: Record<string, string>;
  intervalSeconds: number;
  attributes: Record<string, string>;
  includeProjects: ProjectMode;
}

export interface ConfigProblem { setting: string; message: string }

/** An OTLP/HTTP metrics URL: http or https; a bare origin gets the standard `/v1/metrics` path. */
export function endpointUrl(raw: string): { url: string } | { error: string } {
  let u: URL;
  try { u = new URL(raw.trim()); } catch { return { error: `'${raw}' is not a URL (e.g. http://collector:4318/v1/metrics)` }; }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: `'${raw}' is not an http or https URL` };
  if (u.username || u.password) return { error: 'put credentials in the headers, not in the URL' };
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/metrics';
  return { url: u.toString() };
}

/**
 * Headers as OTEL_EXPORTER_OTLP_HEADERS writes them (`k=v,k2=v2`, values percent-encoded), or a
 * JSON object of strings.
 */
export function parseHeaders(raw: string): { headers: Record<string, string> } | { error: string } {
  const text = raw.trim();
  if (!text) return { headers: {} };
  if (text.startsWith('{')) {
    let v: unknown;
    try { v = JSON.parse(text); } catch { return { error: 'headers: not valid JSON' }; }
    const r = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string()).safeParse(v);
    return r.success ? { headers: r.data } : { error: 'headers: a JSON object of header names to strings' };
  }
  const headers: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return { error: 'headers: expected name=value pairs separated by commas' };
    let value = part.slice(eq + 1).trim();
    try { value = decodeURIComponent(value); } catch { /* taken as written */ }
    headers[name] = value;
  }
  return { headers };
}

const AttributeName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'letters, digits, _ and . only');

/** User attributes: strings (numbers and booleans are written as strings), reserved names refused. */
export function parseAttributes(raw: unknown, problems: ConfigProblem[], setting = 'tokenomics.export.otlp.attributes'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) { problems.push({ setting, message: 'must be an object of names to strings' }); return {}; }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!AttributeName.safeParse(k).success) { problems.push({ setting: `${setting}.${k}`, message: 'not an attribute name (letters, digits, _ and .)' }); continue; }
    if (RESERVED.has(k)) { problems.push({ setting: `${setting}.${k}`, message: 'set by Tokenomics itself' }); continue; }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') { problems.push({ setting: `${setting}.${k}`, message: 'must be a string' }); continue; }
    out[k] = String(v).slice(0, 256);
  }
  return out;
}

const Raw = z.object({
  endpoint: z.unknown().optional(),
  headers: z.unknown().optional(),
  intervalSeconds: z.unknown().optional(),
  attributes: z.unknown().optional(),
  includeProjects: z.unknown().optional(),
}).passthrough();

/** The config the extension sends (`tokenomics/exportConfig`): each field checked, a bad one reported and defaulted. */
export function parseExportConfig(raw: unknown): { config: ExportConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const r = Raw.safeParse(raw ?? {});
  const o = r.success ? r.data : {};
  let endpoint: string | null = null;
  if (typeof o.endpoint === 'string' && o.endpoint.trim()) {
    const u = endpointUrl(o.endpoint);
    if ('url' in u) endpoint = u.url; else problems.push({ setting: 'tokenomics.export.otlp.endpoint', message: `${u.error}; export is off` });
  } else if (o.endpoint !== undefined && o.endpoint !== null && o.endpoint !== '') {
    problems.push({ setting: 'tokenomics.export.otlp.endpoint', message: 'must be a URL string; export is off' });
  }
  let headers: Record<string, string> = {};
  if (typeof o.headers === 'string') {
    const h = parseHeaders(o.headers);
    if ('headers' in h) headers = h.headers; else problems.push({ setting: 'OTLP export headers', message: h.error });
  } else if (o.headers && typeof o.headers === 'object') {
    const h = z.record(z.string(), z.string()).safeParse(o.headers);
    if (h.success) headers = h.data; else problems.push({ setting: 'OTLP export headers', message: 'must be strings' });
  }
  let intervalSeconds = DEFAULT_INTERVAL_SECONDS;
  if (o.intervalSeconds !== undefined && o.intervalSeconds !== null) {
    const i = z.number().int().min(10).max(86_400).safeParse(o.intervalSeconds);
    if (i.success) intervalSeconds = i.data;
    else problems.push({ setting: 'tokenomics.export.otlp.intervalSeconds', message: `${JSON.stringify(o.intervalSeconds)} is not a whole number of seconds from 10 to 86400; using ${DEFAULT_INTERVAL_SECONDS}` });
  }
  const attributes = parseAttributes(o.attributes, problems);
  let includeProjects: ProjectMode = 'hashed';
  if (o.includeProjects !== undefined && o.includeProjects !== null) {
    const p = z.enum(['none', 'hashed', 'names']).safeParse(o.includeProjects);
    if (p.success) includeProjects = p.data;
    else problems.push({ setting: 'tokenomics.export.otlp.includeProjects', message: `${JSON.stringify(o.includeProjects)} is not none, hashed or names; using hashed` });
  }
  return { config: { endpoint, headers, intervalSeconds, attributes, includeProjects }, problems };
}
