// Prompt-file features of the engine: which open documents are prompts and their bloat diagnostics
// (registry.ts), code lenses (lenses.ts), hovers (hovers.ts) and code actions (codeActions.ts). The
// analysis itself is pure and lives in src/core/prompt; these modules map it onto the protocol.
import type { CodeAction, CodeActionParams, CodeLens, CodeLensParams, Connection, Hover, HoverParams, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseFrontMatter } from '../../core/prompt';
import type { PromptAnalysis } from '../../core/prompt';
import type { Engine } from '../engine';
import { Methods } from '../protocol';
import type { PromptInfo } from '../tokenMeter';
import { codeActions } from './codeActions';
import { uriToPath } from './convert';
import { DiskWorkspaces } from './diskWorkspace';
import { hover } from './hovers';
import { AgentWeek, codeLenses } from './lenses';
import { PromptRegistry } from './registry';
import { WorkspaceFolders } from './workspace';

export { uriToPath } from './convert';
export { workspaceEdit } from './codeActions';
export type { AgentWeek } from './lenses';

export interface PromptFeatures extends PromptInfo {
  /** Workspace folders from the initialize params (the server also asks the client for them). */
  setWorkspaceFolders(folders: readonly { uri: string }[] | null | undefined): void;
  /**
   * Requests per week that agents make in a project (from the usage index); undefined when unknown,
   * and the lens then states `tokenomics.assumedRequestsPerWeek` as its assumption.
   */
  setWeeklyRequests(fn: (projectPath: string) => number | undefined): void;
  /** Per agent id, the project's requests and cache reads of the last 7 days (the weekly lens). */
  setWeeklyUsage(fn: (projectPath: string) => ReadonlyMap<string, AgentWeek> | undefined): void;
  /** Whether the client can be asked to re-request code lenses (`workspace/codeLens/refresh`). */
  setClientCapabilities(caps: { workspace?: { codeLens?: { refreshSupport?: boolean } } } | undefined): void;
  /** The latest analysis of an open prompt document (tests, the CLI bridge). */
  analysis(uri: string): PromptAnalysis | undefined;
}

export interface AnalyzeAsPromptParams { uri: string }
export interface AnalyzeAsPromptResult { uri: string; isPrompt: boolean; tokens?: number; estimate?: boolean; findings?: number; reason?: string }

export interface PromptDeps {
  /** Per agent id, the project's last 7 days of requests (usage service); else set later with setWeeklyUsage. */
  weeklyUsage?: (projectPath: string) => ReadonlyMap<string, AgentWeek> | undefined;
}

export function registerPromptFeatures(connection: Connection, documents: TextDocuments<TextDocument>, engine: Engine, deps: PromptDeps = {}): PromptFeatures {
  let lensRefreshSupported = false;
  let weeklyUsage = deps.weeklyUsage ?? (() => undefined);
  let lensRefresh: NodeJS.Timeout | undefined;
  const refreshLenses = () => {
    if (!lensRefreshSupported || lensRefresh) return;
    lensRefresh = setTimeout(() => {
      lensRefresh = undefined;
      connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    }, 50);
  };
  const folders = new WorkspaceFolders(connection, () => registry.recheckAll());
  const disk = new DiskWorkspaces();
  const registry: PromptRegistry = new PromptRegistry({
    connection, documents, engine, folders,
    workspaceFor: p => disk.for(folders.rootOf(p)),
    analysedFirst: refreshLenses,
    sessionsPerWeek: (project, agents) => {
      const w = weeklyUsage(project);
      if (!w) return undefined;
      const n = agents.reduce((s, a) => s + (w.get(a)?.sessions ?? 0), 0);
      return n || undefined;
    },
  });
  engine.onSettingsChanged(() => registry.recheckAll());

  connection.onRequest(Methods.analyzeAsPrompt, async (p: AnalyzeAsPromptParams): Promise<AnalyzeAsPromptResult> => {
    if (!documents.get(p.uri)) return { uri: p.uri, isPrompt: false, reason: 'not open in the engine yet' };
    registry.force(p.uri);
    const r = await registry.fresh(p.uri);
    if (!r) return { uri: p.uri, isPrompt: false, reason: 'too large or binary' };
    return { uri: p.uri, isPrompt: true, tokens: r.a.tokens, estimate: r.a.estimate, findings: r.a.findings.length };
  });

  connection.onCodeLens(async (p: CodeLensParams): Promise<CodeLens[]> => {
    const r = await registry.fresh(p.textDocument.uri);
    return r ? codeLenses(r.doc, r.a, engine.settings.assumedRequestsPerWeek, weeklyUsage(folders.projectOf(uriToPath(r.doc.uri)))) : [];
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
    setWorkspaceFolders: f => folders.set(f),
    setClientCapabilities: caps => { lensRefreshSupported = !!caps?.workspace?.codeLens?.refreshSupport; },
    // the weekly lens now prices per agent (setWeeklyUsage); a bare request count is no longer enough
    setWeeklyRequests: () => undefined,
    setWeeklyUsage: fn => { weeklyUsage = fn; },
    analysis: uri => registry.analysis(uri),
  };
}
