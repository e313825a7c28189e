// What the OpenTelemetry export sends: all-time totals from the usage index, one cumulative series per
// agent × model × token type (and one cost series per agent × model), so that any number of senders
// (a restart, a second window, the CLI) send the same values for the same series and never add up.
import crypto from 'node:crypto';
import type { Basis } from '../agents/adapter';
import { adapterOf, isAgentId } from '../agents/index';
import type { Catalog, ModelInfo } from '../catalog';
import { SLOT_MS, dayName, dayNumberer } from '../time';
import { COLUMNS, COLUMNS_PER_ROW, UsageColumns } from '../usage/columns';
import { COST_METRIC, TOKEN_METRIC } from './names';

export { COST_METRIC, COST_UNIT, TOKEN_METRIC, TOKEN_UNIT } from './names';

/** `gen_ai.token.type` values: `input` is uncached input; cache writes of every duration are `cache_creation`. */
export const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_creation'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export type ProjectMode = 'none' | 'hashed' | 'names';
export const BASES: readonly Basis[] = ['exact', 'lower-bound', 'estimate'];

export interface Series {
  /** Identity of the series: metric name and its attributes, stable across processes. */
  key: string;
  metric: typeof TOKEN_METRIC | typeof COST_METRIC;
  attributes: Readonly<Record<string, string>>;
  value: number;
}

export interface SeriesOptions {
  projects: ProjectMode;
  /** Per-machine secret mixed into project hashes, so a hash cannot be matched against a guessed path. */
  salt: string;
  /**
   * Per row (same indexing as `cols.times`): index into BASES, for records that carry their own
   * basis; any other value, or no column: the agent's adapter says (`AgentAdapter.basis`), else `exact`.
   */
  basis?: ArrayLike<number>;
}

/** The agents' providers, for records whose model is not in the catalog. */
const AGENT_PROVIDER: Record<string, string> = { 'claude-code': 'anthropic', codex: 'openai', gemini: 'gcp.gemini' };
/** Catalog (LiteLLM) provider names to the GenAI semantic conventions' `gen_ai.provider.name` values. */
const PROVIDER_NAMES: Record<string, string> = {
  anthropic: 'anthropic', openai: 'openai', gemini: 'gcp.gemini', vertex_ai: 'gcp.vertex_ai', 'vertex_ai-language-models': 'gcp.vertex_ai',
  bedrock: 'aws.bedrock', bedrock_converse: 'aws.bedrock', azure: 'azure.ai.openai', azure_ai: 'azure.ai.inference', mistral: 'mistral_ai',
  deepseek: 'deepseek', xai: 'x_ai', groq: 'groq', cohere: 'cohere', cohere_chat: 'cohere', perplexity: 'perplexity', watsonx: 'ibm.watsonx.ai',
};

export function providerName(model: ModelInfo | null, agent: string): string {
  if (model) return PROVIDER_NAMES[model.provider] ?? model.provider;
  return AGENT_PROVIDER[agent] ?? 'unknown';
}

/**
 * The `project` attribute: never the path. `hashed`: 12 hex digits of SHA-256 over the machine's salt
 * and the path; `names`: the folder's base name (either separator: agents log both).
 */
export function projectLabel(project: string, mode: ProjectMode, salt: string): string | undefined {
  if (mode === 'none') return undefined;
  if (mode === 'names') {
    const parts = project.split(/[\\/]+/).filter(Boolean);
    return parts[parts.length - 1] ?? '';
  }
  return crypto.createHash('sha256').update(`${salt}\0${project}`).digest('hex').slice(0, 12);
}

/** The key of a series: metric and sorted attributes, as one string. */
export function seriesKey(metric: string, attributes: Readonly<Record<string, string>>): string {
  return metric + JSON.stringify(Object.keys(attributes).sort().map(k => [k, attributes[k]]));
}

// Per group: the four token types, cost, and whether any request of it was priced.
const A_INPUT = 0, A_OUTPUT = 1, A_CACHE_READ = 2, A_CREATION = 3, A_COST = 4, A_PRICED = 5, A = 6;
const { input: C_INPUT, output: C_OUTPUT, cacheRead: C_CACHE_READ, cacheWrite5m: C_W5, cacheWrite1h: C_W1, model: C_MODEL, project: C_PROJECT, slot: C_SLOT } = COLUMNS;
const ROW = COLUMNS_PER_ROW;

interface Group { agent: number; model: number; project: number; basis: number }

/**
 * Sums the counted rows per (agent, model, basis, project) group, optionally per day as well.
 * Cost is priced request by request with the long-context tier each prompt falls in, as the report does.
 */
class Accumulator {
  readonly groups: Group[] = [];
  private readonly ids = new Map<number, number>();
  private readonly models: (ModelInfo | null | undefined)[];
  /** Per agent index of the columns: its adapter's basis, for rows without their own. */
  private readonly agentBasis: number[];
  constructor(private readonly cols: UsageColumns, private readonly catalog: Catalog, private readonly opts: SeriesOptions) {
    this.models = new Array(cols.strings.length);
    this.agentBasis = cols.agentIds.map(id => Math.max(0, BASES.indexOf(isAgentId(id) ? adapterOf(id).basis : 'exact')));
  }

  model(mi: number): ModelInfo | null {
    let m = this.models[mi];
    if (m === undefined) m = this.models[mi] = this.catalog.resolve(this.cols.strings[mi]!);
    return m;
  }

  /** The group of a row, created on first use. */
  group(row: number): number {
    const { ints, agents, strings } = this.cols;
    const k = row * ROW;
    const mi = ints[k + C_MODEL]!, pi = this.opts.projects === 'none' ? 0 : ints[k + C_PROJECT]!, ai = agents[row]!;
    const own = this.opts.basis ? this.opts.basis[row]! : -1;
    const bi = own >= 0 && own < BASES.length ? own : this.agentBasis[ai]!;
    const id = ((mi * strings.length + pi) * this.cols.agentIds.length + ai) * BASES.length + bi;
    let g = this.ids.get(id);
    if (g === undefined) {
      g = this.groups.length;
      this.ids.set(id, g);
      this.groups.push({ agent: ai, model: mi, project: this.opts.projects === 'none' ? -1 : pi, basis: bi });
    }
    return g;
  }

  /** Adds a row's tokens and cost into `acc` at offset `o`. */
  add(acc: Float64Array, o: number, row: number): void {
    const ints = this.cols.ints, k = row * ROW;
    const input = ints[k + C_INPUT]!, output = ints[k + C_OUTPUT]!, cacheRead = ints[k + C_CACHE_READ]!;
    const w5 = ints[k + C_W5]!, w1 = ints[k + C_W1]!;
    acc[o + A_INPUT]! += input; acc[o + A_OUTPUT]! += output; acc[o + A_CACHE_READ]! += cacheRead; acc[o + A_CREATION]! += w5 + w1;
    const model = this.model(ints[k + C_MODEL]!);
    if (model === null) return;
    let r = model.rates;
    if (model.longContext.length) {
      const prompt = input + cacheRead + w5 + w1;
      for (const t of model.longContext) if (prompt > t.threshold) r = t.rates;
    }
    acc[o + A_COST]! += (input * r.input + output * r.output + cacheRead * r.cacheRead + w5 * r.cacheWrite5m + w1 * r.cacheWrite1h) / 1e6;
    acc[o + A_PRICED] = 1;
  }

  /** The series of the groups' sums in `acc` (offset `g * A`). */
  series(acc: Float64Array, include: (group: number) => boolean = () => true): Series[] {
    const out: Series[] = [];
    const labels = new Map<number, string | undefined>();
    this.groups.forEach((g, i) => {
      if (!include(i)) return;
      const o = i * A;
      const agent = this.cols.agentIds[g.agent] ?? 'unknown';
      const modelId = this.cols.strings[g.model]!;
      const base: Record<string, string> = {
        'gen_ai.provider.name': providerName(this.model(g.model), agent),
        'gen_ai.request.model': modelId,
        agent,
        basis: BASES[g.basis] ?? 'exact',
      };
      if (g.project >= 0) {
        let label = labels.get(g.project);
        if (!labels.has(g.project)) { label = projectLabel(this.cols.strings[g.project]!, this.opts.projects, this.opts.salt); labels.set(g.project, label); }
        if (label !== undefined) base.project = label;
      }
      TOKEN_TYPES.forEach((type, t) => {
        const attributes = { ...base, 'gen_ai.token.type': type };
        out.push({ key: seriesKey(TOKEN_METRIC, attributes), metric: TOKEN_METRIC, attributes, value: acc[o + t]! });
      });
      // An unpriced model has no cost series: it is not free, its price is unknown.
      if (acc[o + A_PRICED]) out.push({ key: seriesKey(COST_METRIC, base), metric: COST_METRIC, attributes: base, value: acc[o + A_COST]! });
    });
    return merge(out);
  }
}

/**
 * Two groups can end up as one series (two project paths with the same base name): their values add.
 * Output is sorted by key, so two processes send the same series in the same order.
 */
function merge(series: Series[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of series) {
    const cur = byKey.get(s.key);
    if (cur) cur.value += s.value; else byKey.set(s.key, { ...s });
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** All-time totals of the counted rows, as series. */
export function usageSeries(cols: UsageColumns, catalog: Catalog, opts: SeriesOptions): Series[] {
  const acc = new Accumulator(cols, catalog, opts);
  let sums = new Float64Array(64 * A);
  const rows = cols.rows;
  for (let j = 0, n = rows.length; j < n; j++) {
    const row = rows[j]!;
    const g = acc.group(row);
    if ((g + 1) * A > sums.length) { const grown = new Float64Array(sums.length * 2); grown.set(sums); sums = grown; }
    acc.add(sums, g * A, row);
  }
  return acc.series(sums);
}

export interface DaySeries {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  /** Start and end of that day (epoch ms); the end is the last millisecond of the day. */
  startMs: number;
  endMs: number;
  /** Cumulative totals at the end of the day: everything up to and including it. */
  series: Series[];
}

/**
 * Cumulative totals at the end of every day from the first with requests to `through` (a day number
 * from `dayNumberer`; default the last day with requests), for `export --backfill`. Days without
 * requests carry the totals forward, so a dashboard's per-day increase finds a point every day. The
 * last day's totals equal `usageSeries`. Days are calendar days in `timezone`.
 */
export function dailySeries(cols: UsageColumns, catalog: Catalog, opts: SeriesOptions & { timezone: string; through?: number }): DaySeries[] {
  const acc = new Accumulator(cols, catalog, opts);
  const dayOf = dayNumberer(opts.timezone);
  const perDay = new Map<number, Map<number, Float64Array>>();
  const firstDay: number[] = [];
  const rows = cols.rows, ints = cols.ints;
  let lastSlot = -1, day = 0, lo = Infinity, hi = -Infinity;
  for (let j = 0, n = rows.length; j < n; j++) {
    const row = rows[j]!;
    const slot = ints[row * ROW + C_SLOT]!;
    if (slot !== lastSlot) { lastSlot = slot; day = dayOf(slot * SLOT_MS); if (day < lo) lo = day; if (day > hi) hi = day; }
    let groups = perDay.get(day);
    if (!groups) perDay.set(day, (groups = new Map()));
    const g = acc.group(row);
    if (!(firstDay[g]! <= day)) firstDay[g] = day;
    let a = groups.get(g);
    if (!a) groups.set(g, (a = new Float64Array(A)));
    acc.add(a, 0, row);
  }
  const out: DaySeries[] = [];
  if (lo === Infinity) return out;
  const last = Math.max(hi, opts.through ?? hi);
  const running = new Float64Array(Math.max(1, acc.groups.length) * A);
  for (let d = lo; d <= last; d++) {
    for (const [g, a] of perDay.get(d) ?? []) {
      for (let i = 0; i < A_PRICED; i++) running[g * A + i]! += a[i]!;
      if (a[A_PRICED]) running[g * A + A_PRICED] = 1;
    }
    const bounds = dayBounds(d, opts.timezone);
    // a group first seen on a later day has no series yet
    out.push({ date: dayName(d), startMs: bounds.start, endMs: bounds.end, series: acc.series(running, g => firstDay[g]! <= d) });
  }
  return out;
}

/** Epoch ms of the first and last millisecond of a local calendar day. */
export function dayBounds(day: number, timezone: string): { start: number; end: number } {
  const dayOf = dayNumberer(timezone);
  // Every offset in use is within 14 h of UTC and a multiple of 15 minutes: step to the edges.
  let start = day * 86_400_000 - 14 * 3_600_000;
  while (dayOf(start) < day) start += SLOT_MS;
  let end = start + 20 * 3_600_000;
  while (dayOf(end) <= day) end += SLOT_MS;
  return { start, end: end - 1 };
}
