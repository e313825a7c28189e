// The `tokenomics.*` settings as the engine sees them: validated with zod, each bad value reported by
// name and replaced by its default, so one typo never disables the rest.
import * as z from 'zod';
import { parseOverrides, OverrideProblem, PriceOverrides } from './catalog';
import { ADAPTERS } from './agents/index';
import { isValidTimeZone } from './time';
import { globListProblem } from './glob';
import { fillerSettingProblem } from './prompt/filler';

export const DEFAULT_MODEL = 'claude-sonnet-4-6';

export const DEFAULT_PROMPT_FILES = [
  '**/*.prompt.md', '**/*.instructions.md', '**/*.chatmode.md', '**/*.agent.md',
  '**/AGENTS.md', '**/CLAUDE.md', '**/CLAUDE.local.md', '**/GEMINI.md', '**/.github/copilot-instructions.md',
  '**/.cursorrules', '**/.cursor/rules/**/*.mdc', '**/.windsurfrules', '**/.claude/commands/**/*.md',
  '**/.claude/agents/**/*.md', '**/.claude/rules/**/*.md', '**/SKILL.md', '**/*.prompty',
];

/** Patterns from settings are matched in linear time, and their number and length are capped (issue 14). */
const limited = <T>(problem: (v: T) => string | null) => (v: T, ctx: z.RefinementCtx) => {
  const message = problem(v);
  if (message) ctx.addIssue({ code: 'custom', message });
};

const fields = {
  model: z.string().trim().min(1).default(DEFAULT_MODEL),
  maxFileSizeMB: z.number().positive().max(1024).default(20),
  timezone: z.string().refine(tz => tz === '' || isValidTimeZone(tz), 'not an IANA time zone such as Europe/Berlin').default(''),
  weekStartsOn: z.enum(['monday', 'sunday', 'saturday']).default('monday'),
  'budget.dailyUSD': z.number().nonnegative().nullable().default(null),
  'budget.weeklyUSD': z.number().nonnegative().nullable().default(null),
  'budget.warnAtPercent': z.number().min(1).max(100).default(80),
  'contextWarning.percent': z.number().min(1).max(100).default(60),
  'contextWarning.notifyPercent': z.number().min(1).max(100).default(85),
  promptFiles: z.array(z.string().min(1)).superRefine(limited(v => globListProblem('tokenomics.promptFiles', v))).default(DEFAULT_PROMPT_FILES),
  promptBudgetTokens: z.object({ alwaysLoaded: z.number().int().positive().default(2000), other: z.number().int().positive().default(8000) })
    .default({ alwaysLoaded: 2000, other: 8000 }),
  assumedRequestsPerWeek: z.number().int().nonnegative().default(300),
  rules: z.record(z.string(), z.boolean()).default({}),
  fillerPhrases: z.array(z.string().min(2)).superRefine(limited(fillerSettingProblem)).default([]),
  logDumpLines: z.number().int().min(3).default(30),
  wasteThresholdUSD: z.number().nonnegative().default(2),
  quotas: z.array(z.unknown()).default([]),
  'weeklySummary.notify': z.boolean().default(true),
} as const;

type Fields = typeof fields;
/** Each agent's log folders (`tokenomics.claudeDirs`, ...), keyed by its adapter's `logs.setting`. */
export type AgentDirs = Readonly<Record<string, string[]>>;
export type Settings = { [K in keyof Fields]: z.output<Fields[K]> } & { prices: PriceOverrides; agentDirs: AgentDirs };

const dirsSchema = z.array(z.string()).default([]);
/** The agents' folder settings, in the adapters' order; read after this key, where they always were. */
const DIRS_AFTER: keyof Fields = 'maxFileSizeMB';

export interface SettingProblem { setting: string; message: string }

/** Reads a nested VS Code configuration object (or a flat one with dotted keys). */
function get(raw: Record<string, unknown>, key: string): unknown {
  if (key in raw) return raw[key];
  let cur: unknown = raw;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A bad value as JSON, cut short: a 100,000-phrase list must not become a megabyte message. */
function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 200 ? `${json.slice(0, 200)}… (${json.length} characters)` : json;
}

export function parseSettings(raw: unknown): { settings: Settings; problems: SettingProblem[] } {
  const obj = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const problems: SettingProblem[] = [];
  const out: Record<string, unknown> = {};
  const read = (key: string, schema: z.ZodType): unknown => {
    const value = get(obj, key);
    const r = schema.safeParse(value === null && !key.startsWith('budget.') ? undefined : value);
    if (r.success) return r.data;
    problems.push({ setting: `tokenomics.${key}`, message: `${preview(value)} is invalid (${r.error.issues[0]?.message ?? 'wrong type'}); using the default` });
    return schema.parse(undefined);
  };
  const agentDirs: Record<string, string[]> = {};
  for (const [key, schema] of Object.entries(fields) as [keyof Fields, z.ZodType][]) {
    out[key] = read(key, schema);
    if (key === DIRS_AFTER) for (const a of ADAPTERS) {
      agentDirs[a.logs.setting] = read(a.logs.setting, dirsSchema) as string[];
      if (a.logs.files) agentDirs[a.logs.files.setting] = read(a.logs.files.setting, dirsSchema) as string[];
    }
  }
  out.agentDirs = agentDirs;
  const prices = parseOverrides(get(obj, 'prices'));
  out.prices = prices.overrides;
  problems.push(...prices.problems.map((p: OverrideProblem) => ({
    setting: `tokenomics.prices["${p.model}"]${p.field === '*' ? '' : `.${p.field}`}`,
    message: `${p.message}; the bundled price is used`,
  })));
  return { settings: out as Settings, problems };
}
