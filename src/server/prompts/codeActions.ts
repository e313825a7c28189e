// Quick fixes of the findings under the cursor, refactorings that create a file next to the prompt,
// and "Fix all safe bloat" (as a quick fix and as source.fixAll).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeAction, CodeActionKind, CodeActionParams, CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatTokens } from '../../core/format';
import { fixAll } from '../../core/prompt';
import type { Fix, PromptAnalysis } from '../../core/prompt';
import { uriToPath } from '../workspace';
import { textEdits, toDiagnostic } from './convert';

/** A file next to the prompt that does not exist yet: `name`, else `name` with -2, -3 ... */
function freeSibling(docPath: string, name: string): string {
  const dir = path.dirname(docPath);
  let candidate = path.join(dir, name);
  const dot = name.indexOf('.');
  for (let k = 2; fs.existsSync(candidate) && k < 1000; k++) {
    candidate = path.join(dir, dot > 0 ? `${name.slice(0, dot)}-${k}${name.slice(dot)}` : `${name}-${k}`);
  }
  return candidate;
}

export function workspaceEdit(doc: TextDocument, fix: Fix): WorkspaceEdit | null {
  const own = TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, fix.edits));
  if (!fix.createFile) return { documentChanges: [own] };
  if (!doc.uri.startsWith('file:')) return null;
  const target = freeSibling(uriToPath(doc.uri), fix.createFile.name);
  const targetName = path.basename(target);
  const newUri = pathToFileURL(target).toString();
  // the reference in the prompt names the file actually created
  const edits = targetName === fix.createFile.name ? fix.edits
    : fix.edits.map(e => ({ ...e, newText: e.newText.split(fix.createFile!.name).join(targetName) }));
  return {
    documentChanges: [
      CreateFile.create(newUri, { overwrite: false, ignoreIfExists: false }),
      TextDocumentEdit.create({ uri: newUri, version: null }, [TextEdit.insert({ line: 0, character: 0 }, fix.createFile.content)]),
      TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, edits)),
    ],
  };
}

function wanted(only: string[] | undefined, kind: string): boolean {
  return !only || only.some(o => kind === o || kind.startsWith(`${o}.`));
}

export function codeActions(doc: TextDocument, a: PromptAnalysis, p: CodeActionParams): CodeAction[] {
  const from = doc.offsetAt(p.range.start), to = doc.offsetAt(p.range.end);
  const only = p.context.only;
  const out: CodeAction[] = [];
  const titles = new Set<string>();
  const fixAllSet = fixAll(a);
  const fixAllTitle = fixAllSet ? `Fix all safe bloat (${a.estimate ? '≈ ' : ''}−${formatTokens(fixAllSet.saving)} tokens)` : '';
  const fixAllEdit = (): WorkspaceEdit | null => (fixAllSet ? { documentChanges: [TextDocumentEdit.create({ uri: doc.uri, version: doc.version }, textEdits(doc, fixAllSet.edits))] } : null);

  const hits = a.findings.filter(f => f.start <= to && f.end >= from);
  for (const f of hits) {
    const diagnostic = toDiagnostic(doc, doc.uri, f);
    for (const fix of f.fixes) {
      const kind = fix.createFile || f.rule === 'lost-in-the-middle' ? CodeActionKind.RefactorRewrite : CodeActionKind.QuickFix;
      if (!wanted(only, kind) && !(kind === CodeActionKind.RefactorRewrite && wanted(only, CodeActionKind.QuickFix))) continue;
      if (titles.has(fix.title)) continue;
      const edit = workspaceEdit(doc, fix);
      if (!edit) continue;
      titles.add(fix.title);
      out.push({ title: fix.title, kind: wanted(only, kind) ? kind : CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred, edit });
    }
  }
  if (fixAllSet) {
    if (hits.length && wanted(only, CodeActionKind.QuickFix)) {
      out.push({ title: fixAllTitle, kind: CodeActionKind.QuickFix, edit: fixAllEdit()! });
    }
    if (only?.some(o => CodeActionKind.SourceFixAll === o || CodeActionKind.SourceFixAll.startsWith(`${o}.`) || o === CodeActionKind.Source)) {
      out.push({ title: fixAllTitle, kind: CodeActionKind.SourceFixAll, edit: fixAllEdit()! });
    }
  }
  return out;
}
