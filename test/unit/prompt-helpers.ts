// Shared by the prompt unit tests: analyse a text with default settings and a warm o200k counter.
import { getCounter } from '../../src/core/tokenizer';
import { Catalog } from '../../src/core/catalog';
import { parseSettings } from '../../src/core/settings';
import { PromptAnalyzer, PromptAnalysis, WorkspaceView } from '../../src/core/prompt';

export const catalog = new Catalog();

export async function analyze(text: string, opts: { path?: string; settings?: Record<string, unknown>; model?: string; workspace?: WorkspaceView; sessionsPerWeek?: number } = {}): Promise<PromptAnalysis> {
  const counter = await getCounter('o200k_base');
  const { settings } = parseSettings(opts.settings ?? {});
  return new PromptAnalyzer(counter).analyze({ text, path: opts.path ?? '/ws/task.prompt.md', settings, catalog, defaultModel: opts.model ?? 'gpt-4o',
    workspace: opts.workspace, root: opts.workspace?.root, sessionsPerWeek: opts.sessionsPerWeek === undefined ? undefined : () => opts.sessionsPerWeek });
}

export function codes(a: PromptAnalysis): string[] {
  return a.findings.map(f => f.rule);
}
