// Tokenomics: Select Model: a quick pick of the catalog grouped by provider, with tier and price.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelListItem, ModelsRequest } from '../server/protocol';
import { formatRate, formatTokensShort } from '../core/format';

const PROVIDER_NAMES: Record<string, string> = { anthropic: 'Anthropic', openai: 'OpenAI', google: 'Google', xai: 'xAI', deepseek: 'DeepSeek', moonshot: 'Moonshot', zhipu: 'Zhipu', minimax: 'MiniMax', custom: 'Custom prices' };
const PROVIDER_ORDER = ['anthropic', 'openai', 'google'];
const TIER_ORDER = ['frontier', 'balanced', 'fast'];

interface ModelPick extends vscode.QuickPickItem { id?: string }

export async function selectModel(client: LanguageClient): Promise<string | undefined> {
  const models = await client.sendRequest(ModelsRequest);
  // tokenomics.model is resource-scoped: the value in effect is the active file's folder's.
  // A folder-level value wins over a workspace one, which wins over the user's: update the one in effect.
  const folder = vscode.window.activeTextEditor && vscode.workspace.getWorkspaceFolder(vscode.window.activeTextEditor.document.uri);
  const scoped = vscode.workspace.getConfiguration('tokenomics', folder?.uri);
  const current = scoped.get<string>('model');
  const byProvider = new Map<string, ModelListItem[]>();
  for (const m of models) {
    if (m.deprecated && m.deprecated < new Date().toISOString().slice(0, 10)) continue;
    byProvider.set(m.provider, [...(byProvider.get(m.provider) ?? []), m]);
  }
  const providers = [...byProvider.keys()].sort((a, b) => rank(PROVIDER_ORDER, a) - rank(PROVIDER_ORDER, b) || a.localeCompare(b));
  const items: ModelPick[] = [];
  for (const p of providers) {
    items.push({ label: PROVIDER_NAMES[p] ?? p, kind: vscode.QuickPickItemKind.Separator });
    const list = byProvider.get(p)!.sort((a, b) => rank(TIER_ORDER, a.tier) - rank(TIER_ORDER, b.tier) || b.id.localeCompare(a.id, undefined, { numeric: true }));
    for (const m of list) {
      items.push({
        id: m.id,
        label: `${m.id === current ? '$(check) ' : ''}${m.id}`,
        description: `${m.tier} · ${formatRate(m.input)} in · ${formatRate(m.output)} out${m.contextWindow ? ` · ${formatTokensShort(m.contextWindow)} ctx` : ''}`,
        detail: m.exact ? undefined : '≈ counts are estimates (tokenizer not public)',
      });
    }
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Tokenomics: Select Model', placeHolder: `Model for token counts and prices (now: ${current})`, matchOnDescription: true,
  });
  if (!picked?.id) return undefined;
  const inspect = scoped.inspect<string>('model');
  const target = inspect?.workspaceFolderValue !== undefined ? vscode.ConfigurationTarget.WorkspaceFolder
    : inspect?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await scoped.update('model', picked.id, target);
  return picked.id;
}

function rank(order: string[], v: string): number {
  const i = order.indexOf(v);
  return i < 0 ? order.length : i;
}
