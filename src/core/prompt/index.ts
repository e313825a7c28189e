// The prompt analysis, one import for the engine, the CLI and tests.
export { PromptAnalyzer, targetModel, fixAll, applyTextEdits, sections } from './analyze';
export type { AgentCount, AnalyzeInput, PromptAnalysis, PromptSettings, TargetModel } from './analyze';
export { agentsLoading, agentList } from './loaders';
export type { AgentLoad, LoadWhen } from './loaders';
export { matchesAnyGlob, globToRegExp } from './glob';
export { isAlwaysLoaded } from './alwaysLoaded';
export { parseFrontMatter } from './frontMatter';
export type { FrontMatter, FrontMatterField } from './frontMatter';
export { parseStructure } from './markdown';
export { RULE_CODES } from './types';
export { OFF_BY_DEFAULT } from './context';
export type { Block, Finding, Fix, RuleCode, Section, Severity, TextEdit } from './types';
export { workspaceFromFiles, isInstructionFile, normalizeRel, parseMakeTargets, parseNpmScripts, suffixIndex } from './workspace';
export type { WorkspaceView } from './workspace';
