// Prompt-file features of the engine: which open documents are prompts and their bloat diagnostics
// (registry.ts), code lenses (lenses.ts), hovers (hovers.ts) and code actions (codeActions.ts). The
// analysis itself is pure and lives in src/core/prompt; these modules map it onto the protocol.
import type { CodeAction, CodeActionParams, CodeLens, CodeLensParams, Connection, Hover, HoverParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import path from 'node:path';
import { parseFrontMatter } from '../../core/prompt';
import type { PromptAnalysis } from '../../core/prompt';
import type { Engine } from '../engine';
import { AnalyzeAsPromptRequest, AnalyzeAsPromptResult } from '../protocol';
import { onRequest, schemas } from '../requests';
import type { PromptInfo } from '../tokenMeter';
import { uriToPath, type Workspace } from '../workspace';
import { codeActions } from './codeActions';
import { DiskWorkspaces } from './diskWorkspace';
import { hover } from './hovers';
import { AgentWeek, codeLenses } from './lenses';
import { PromptRegistry } from './registry';

export { uriToPath };
export { workspaceEdit } from './codeActions';
export type { AgentWeek } from './lenses';

export interface PromptFeatures extends PromptInfo {
  /** The latest analysis of an open prompt document (tests, the CLI bridge). */
  analysis(uri: string): PromptAnalysis | undefined;
}

export interface PromptDeps {
  /** The workspace folders (paths relative to them match prompt globs; a file's project is its folder). */
  workspace: Workspace;
  /**
   * Requests per week that agents make in a project (from the usage index); undefined when unknown,
   * and the lens then states `tokenomics.assumedRequestsPerWeek` as its assumption.
   */
  weeklyRequests: (projectPath: string) => number | undefined;
  /**
   * Per agent id, a project's requests, sessions and cache reads of the last 7 days: the weekly lens
   * prices only the agents that read the file, at their cache share. Without it, the lens states its assumption.
   */
  weeklyUsage?: (projectPath: string) => ReadonlyMap<string, AgentWeek> | undefined;
  /** Whether the client can be asked to re-request code lenses (`workspace/codeLens/refresh`). */
  lensRefreshSupported: boolean;
}

export function registerPromptFeatures(connection: Connection, documents: TextDocuments<TextDocument>, engine: Engine, deps: PromptDeps): PromptFeatures {
  const { workspace, lensRefreshSupported } = deps;
  const weeklyUsage = deps.weeklyUsage ?? (() => undefined);
  let lensRefresh: NodeJS.Timeout | undefined;
  const refreshLenses = () => {
    if (!lensRefreshSupported || lensRefresh) return;
    lensRefresh = setTimeout(() => {
      lensRefresh = undefined;
      connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    }, 50);
  };
  const projectOf = (abs: string): string => workspace.folderOf(abs) ?? path.dirname(abs).replace(/\\/g, '/');
  const disk = new DiskWorkspaces();
  const registry: PromptRegistry = new PromptRegistry({
    connection, documents, engine,
    relative: abs => { const f = workspace.folderOf(abs); return f === undefined ? undefined : abs.replace(/\\/g, '/').slice(f.length + 1); },
    rootOf: abs => workspace.folderOf(abs),
    projectOf,
    workspaceFor: p => disk.for(workspace.folderOf(p)),
    analysedFirst: refreshLenses,
    sessionsPerWeek: (project, agents) => {
      const w = weeklyUsage(project);
      if (!w) return undefined;
      const n = agents.reduce((s, a) => s + (w.get(a)?.sessions ?? 0), 0);
      return n || undefined;
    },
  });
  workspace.onDidChange(() => registry.recheckAll());
  engine.onSettingsChanged(() => registry.recheckAll());

  onRequest(connection, AnalyzeAsPromptRequest, schemas.analyzeAsPrompt, async (p): Promise<AnalyzeAsPromptResult> => {
    if (!documents.get(p.uri)) return { uri: p.uri, isPrompt: false, reason: 'not open in the engine yet' };
    registry.force(p.uri);
    const r = await registry.fresh(p.uri);
    if (!r) return { uri: p.uri, isPrompt: false, reason: 'too large or binary' };
    return { uri: p.uri, isPrompt: true, tokens: r.a.tokens, estimate: r.a.estimate, findings: r.a.findings.length };
  });

  connection.onCodeLens(async (p: CodeLensParams): Promise<CodeLens[]> => {
    const r = await registry.fresh(p.textDocument.uri);
    return r ? codeLenses(r.doc, r.a, engine.settings.assumedRequestsPerWeek, weeklyUsage(projectOf(uriToPath(r.doc.uri)))) : [];
  });

  connection.onHover(async (p: HoverParams): Promise<Hover | null> => {
    const r = await registry.fresh(p.textDocument.uri);
    return r ? hover(r.doc, r.a, engine.catalog, p.position) : null;
  });

  connection.onCodeAction(async (p: CodeActionParams): Promise<CodeAction[]> => {
    const r = await registry.fresh(p.textDocument.uri);
    return r ? codeActions(r.doc, r.a, p) : [];
  });

  return {
    isPrompt: uri => registry.isPrompt(uri),
    findings: uri => registry.findings(uri),
    modelFor: uri => {
      if (!registry.isPrompt(uri)) return undefined;
      const doc = documents.get(uri);
      return doc ? parseFrontMatter(doc.getText()).fields.get('model')?.value.trim() || undefined : undefined;
    },
    analysis: uri => registry.analysis(uri),
  };
}
