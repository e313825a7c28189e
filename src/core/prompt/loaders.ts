// Which agents load a prompt file, and when: on every request, only while working below its folder,
// only for files matching its `applyTo` / `globs`, or only when asked for (commands, skills). This
// decides the budget, whose tokenizer counts it, and what the weekly lens may claim.
// Sources: Claude Code memory docs (CLAUDE.md up the tree at start, nested ones when reading files
// below them, `.claude/rules/*.md` with optional `paths:`), Codex (AGENTS.md from the repo root down
// to the working folder), Copilot (`.github/copilot-instructions.md`, `*.instructions.md` with
// `applyTo`), Cursor (`.cursor/rules/*.mdc`: `alwaysApply`, `globs`, else on request), Gemini CLI
// (GEMINI.md), Windsurf (`.windsurfrules`).
import type { FrontMatter } from './frontMatter';

export type LoadWhen = 'always' | 'below' | 'matching' | 'on-request';

export interface AgentLoad {
  agent: string;
  /** The agent's id in the usage index (`claude`, `codex`, `gemini`), when its logs are read. */
  logId?: string;
  when: LoadWhen;
  /** 'below': the folder (relative to the project) the agent must work in; 'matching': the pattern. */
  scope?: string;
  /**
   * The model whose tokenizer counts the file for this agent; undefined: the configured model
   * (multi-model agents such as Copilot and Cursor).
   */
  countOn?: 'claude' | 'o200k' | 'gemini';
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(?:true|yes|on)$/i.test(v.trim());
}

/** `applyTo` / `globs` patterns (comma-separated or a YAML flow list), trimmed and unquoted. */
export function patternsOf(v: string | undefined): string[] {
  if (!v) return [];
  return v.replace(/^\[|\]$/g, '').split(',').map(s => s.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
}

/** Patterns that attach a file to every request. */
export function matchesEverything(p: string): boolean {
  return /^(?:\*\*|\*\*\/\*|\*\*\/\*\.\*|\*|\*\.\*)$/.test(p);
}

/**
 * @param filePath the file's path (any form, `/` or `\`)
 * @param root the project folder that contains it, when known: a CLAUDE.md or AGENTS.md below it is nested
 */
export function agentsLoading(filePath: string, fm: FrontMatter, root?: string): AgentLoad[] {
  const p = filePath.replace(/\\/g, '/');
  const base = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
  const dir = p.slice(0, p.lastIndexOf('/'));
  const r = root?.replace(/\\/g, '/').replace(/\/+$/, '');
  const relDir = r !== undefined && (dir === r || dir.startsWith(`${r}/`)) ? dir.slice(r.length + 1) : undefined;
  const nested = relDir !== undefined && relDir !== '' ? relDir : undefined;
  const treeWhen = (): Pick<AgentLoad, 'when' | 'scope'> => (nested ? { when: 'below', scope: nested } : { when: 'always' });
  // a skill's files (its SKILL.md and the references beside it, even one named AGENTS.md) are read
  // when the skill is used, not with every request
  if (/(?:^|\/)skills\/[^/]+\//i.test(p)) {
    return [{ agent: /(?:^|\/)\.claude\//.test(p) ? 'Claude Code' : 'the agent using the skill', ...(p.includes('/.claude/') ? { logId: 'claude', countOn: 'claude' as const } : {}), when: 'on-request' }];
  }

  if (base === 'claude.md' || base === 'claude.local.md') {
    // .claude/CLAUDE.md is the project memory too
    const n = nested === '.claude' ? undefined : nested;
    return [{ agent: 'Claude Code', logId: 'claude', countOn: 'claude', ...(n ? { when: 'below', scope: n } : { when: 'always' }) }];
  }
  if (base === 'agents.md') {
    return [
      { agent: 'Codex', logId: 'codex', countOn: 'o200k', ...treeWhen() },
      { agent: 'Copilot', ...treeWhen() },
      { agent: 'Cursor', ...treeWhen() },
    ];
  }
  if (base === 'gemini.md') return [{ agent: 'Gemini CLI', logId: 'gemini', countOn: 'gemini', ...treeWhen() }];
  if (/(?:^|\/)\.github\/copilot-instructions\.md$/i.test(p)) return [{ agent: 'Copilot', when: 'always' }];
  if (base.endsWith('.instructions.md')) {
    const pats = patternsOf(fm.fields.get('applyTo')?.value);
    if (pats.some(matchesEverything)) return [{ agent: 'Copilot', when: 'always' }];
    return [{ agent: 'Copilot', ...(pats.length ? { when: 'matching', scope: pats.join(', ') } : { when: 'on-request' }) }];
  }
  if (/(?:^|\/)\.cursor\/rules\/.*\.mdc?$/i.test(p)) {
    if (truthy(fm.fields.get('alwaysApply')?.value)) return [{ agent: 'Cursor', when: 'always' }];
    const pats = patternsOf(fm.fields.get('globs')?.value);
    if (pats.some(matchesEverything)) return [{ agent: 'Cursor', when: 'always' }];
    return [{ agent: 'Cursor', ...(pats.length ? { when: 'matching', scope: pats.join(', ') } : { when: 'on-request' }) }];
  }
  if (base === '.cursorrules') return [{ agent: 'Cursor', when: 'always' }];
  if (base === '.windsurfrules') return [{ agent: 'Windsurf', when: 'always' }];
  if (/(?:^|\/)\.claude\/rules\/.*\.md$/i.test(p)) {
    const pats = patternsOf(fm.fields.get('paths')?.value);
    return [{ agent: 'Claude Code', logId: 'claude', countOn: 'claude', ...(pats.length && !pats.some(matchesEverything) ? { when: 'matching', scope: pats.join(', ') } : { when: 'always' }) }];
  }
  if (/(?:^|\/)\.claude\/(?:agents|commands)\/.*\.md$/i.test(p)) return [{ agent: 'Claude Code', logId: 'claude', countOn: 'claude', when: 'on-request' }];
  return [];
}

/** "Claude Code", "Codex, Copilot and Cursor". */
export function agentList(loads: readonly AgentLoad[]): string {
  const names = [...new Set(loads.map(l => l.agent))];
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
