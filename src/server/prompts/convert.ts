// Offsets (what the core analysis speaks) to LSP positions, findings to diagnostics.
import { pathToFileURL } from 'node:url';
import { Diagnostic, DiagnosticSeverity, Range, TextEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Finding, TextEdit as OffsetEdit } from '../../core/prompt';

export function range(doc: TextDocument, start: number, end: number): Range {
  return { start: doc.positionAt(start), end: doc.positionAt(end) };
}

export function toDiagnostic(doc: TextDocument, uri: string, f: Finding): Diagnostic {
  return {
    range: range(doc, f.start, f.end),
    severity: f.severity === 'error' ? DiagnosticSeverity.Error : f.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: f.code,
    source: 'tokenomics',
    message: f.message,
    // a related place in another file (a cross-file duplicate) is given by path and line
    relatedInformation: f.related.map(r => ({
      location: r.file
        ? { uri: pathToFileURL(r.file).toString(), range: { start: { line: Math.max(0, (r.line ?? 1) - 1), character: 0 }, end: { line: Math.max(0, (r.line ?? 1) - 1), character: 0 } } }
        : { uri, range: range(doc, r.start, r.end) },
      message: r.message,
    })),
    data: { start: f.start, end: f.end },
  };
}

export function textEdits(doc: TextDocument, edits: readonly OffsetEdit[]): TextEdit[] {
  return edits.map(e => TextEdit.replace(range(doc, e.start, e.end), e.newText));
}
