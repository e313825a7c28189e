// Prompt-file features (lenses, hovers, diagnostics, code actions). Placeholder until the prompt
// analysis lands: no document is treated as a prompt.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Engine } from './engine';
import type { PromptInfo } from './tokenMeter';

export function registerPromptFeatures(_connection: Connection, _documents: TextDocuments<TextDocument>, _engine: Engine): PromptInfo {
  return { isPrompt: () => false, findings: () => undefined, modelFor: () => undefined };
}
