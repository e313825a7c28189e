// Agent-session usage: placeholder until the usage index lands.
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Engine } from './engine';

export function registerUsage(_connection: Connection, _documents: TextDocuments<TextDocument>, _engine: Engine): void {}
