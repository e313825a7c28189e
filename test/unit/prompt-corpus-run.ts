// Runs the prompt analysis on every file of the real-world corpus (test/corpus/prompts/repos/) with its
// repository as the workspace: the files copied there plus the recorded tree (trees/<repo>.txt), so
// stale references, imports and sibling files resolve as they would in the editor. The same analysis
// the engine publishes (PromptAnalyzer with a workspace view), without an editor in between.
// As a script it prints the lines test/corpus/diagnose.mjs prints (for test/corpus/precision.mjs):
//   node out/test/unit/prompt-corpus-run.js [--corpus test/corpus/holdout] [--out run.jsonl]
import fs from 'node:fs';
import path from 'node:path';
import { Catalog } from '../../src/core/catalog';
import { fixAll, PromptAnalyzer, workspaceFromFiles, WorkspaceView } from '../../src/core/prompt';
import { parseSettings } from '../../src/core/settings';
import { getCounter } from '../../src/core/tokenizer';
import { REPO } from './helpers';

export const CORPUS = path.join(REPO, 'test/corpus/prompts');
const MANIFESTS = new Set(['package.json', 'Makefile']);

export interface RunLine { type: 'file' | 'diagnostic' | 'fixAll'; [k: string]: unknown }

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

export function corpusFiles(corpus = CORPUS): { repo: string; rel: string; abs: string }[] {
  const repos = path.join(corpus, 'repos');
  if (!fs.existsSync(repos)) return [];
  return fs.readdirSync(repos).sort().flatMap(repo => walk(path.join(repos, repo))
    .filter(f => !(path.dirname(f) === path.join(repos, repo) && MANIFESTS.has(path.basename(f))))
    .map(abs => ({ repo, rel: path.relative(repos, abs).split(path.sep).join('/'), abs })))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

const workspaces = new Map<string, WorkspaceView>();
export function corpusWorkspace(repo: string, corpus = CORPUS): WorkspaceView {
  let w = workspaces.get(`${corpus}:${repo}`);
  if (!w) {
    const root = path.join(corpus, 'repos', repo);
    const treeFile = path.join(corpus, 'trees', `${repo}.txt`);
    const tree = fs.existsSync(treeFile) ? fs.readFileSync(treeFile, 'utf8').split('\n').filter(Boolean) : [];
    const copied = walk(root).map(f => path.relative(root, f).split(path.sep).join('/'));
    w = workspaceFromFiles(root, [...new Set([...tree, ...copied])], rel => {
      // only the copied files have text; the rest of the tree exists but is not here
      try { return fs.readFileSync(path.join(root, rel), 'utf8'); } catch { return undefined; }
    });
    workspaces.set(`${corpus}:${repo}`, w);
  }
  return w;
}

function lineStartsOf(text: string): number[] {
  const s = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) s.push(i + 1);
  return s;
}
function pos(starts: number[], offset: number): { line: number; character: number } {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid]! <= offset) lo = mid; else hi = mid - 1; }
  return { line: lo, character: offset - starts[lo]! };
}

/** The lines diagnose.mjs prints, for every corpus file (default settings, model claude-sonnet-4-6). */
export async function runCorpus(corpus = CORPUS): Promise<RunLine[]> {
  const counter = await getCounter('o200k_base');
  const catalog = new Catalog();
  const { settings } = parseSettings({});
  const out: RunLine[] = [];
  for (const f of corpusFiles(corpus)) {
    const text = fs.readFileSync(f.abs, 'utf8');
    const ws = corpusWorkspace(f.repo, corpus);
    const a = new PromptAnalyzer(counter).analyze({ text, path: f.abs, settings, catalog, defaultModel: 'claude-sonnet-4-6', root: ws.root, workspace: ws });
    const starts = lineStartsOf(text);
    out.push({ type: 'file', file: f.rel, isPrompt: true, tokens: a.tokens, findings: a.findings.length });
    for (const d of a.findings) {
      const s = pos(starts, d.start), e = pos(starts, d.end);
      out.push({
        type: 'diagnostic', file: f.rel, rule: d.rule, line: s.line + 1, endLine: e.line + 1, character: s.character, endCharacter: e.character,
        severity: d.severity === 'error' ? 1 : d.severity === 'warning' ? 2 : 3, message: d.message, excerpt: text.slice(d.start, d.end).slice(0, 120),
        related: d.related.map(r => (r.file ? { line: r.line ?? 1, message: r.message, excerpt: '' } : { line: pos(starts, r.start).line + 1, message: r.message, excerpt: text.slice(r.start, r.end).slice(0, 120) })),
      });
    }
    const all = fixAll(a);
    if (all) {
      const fmt = `${a.estimate ? '≈ ' : ''}−${all.saving.toLocaleString('en-US')}`;
      out.push({ type: 'fixAll', file: f.rel, title: `Fix all safe bloat (${fmt} tokens)`, edits: all.edits.map(e => ({ line: pos(starts, e.start).line + 1, endLine: pos(starts, e.end).line + 1, removed: text.slice(e.start, e.end), newText: e.newText })) });
    }
  }
  return out;
}

if (require.main === module) {
  void (async () => {
    const i = process.argv.indexOf('--out');
    const c = process.argv.indexOf('--corpus');
    const lines = (await runCorpus(c >= 0 ? path.resolve(process.argv[c + 1]!) : CORPUS)).map(l => JSON.stringify(l)).join('\n') + '\n';
    if (i >= 0) fs.writeFileSync(process.argv[i + 1]!, lines); else process.stdout.write(lines);
  })();
}
