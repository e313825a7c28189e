// What a prompt points at: files it imports (Claude Code's `@path`, Copilot's `#file:path`), which
// the agent loads with it, and paths or scripts it names that the project does not have. A stale
// reference is paid on every request and sends the agent looking for something that is not there.
import type { Block } from './types';
import type { WorkspaceView } from './workspace';
import { normalizeRel } from './workspace';

export interface Import {
  /** As written (`AGENTS.md`, `docs/x.md`). */
  written: string;
  /** Relative to the project root. */
  rel: string;
  start: number;
  end: number;
}

const CLAUDE_IMPORT = /(?:^|[\s(])@((?:\.{1,2}\/)?[\w][\w.\-/]*\.[A-Za-z]{1,10})(?=$|[\s),;:!?]|\.(?:\s|$))/gm;
const COPILOT_FILE = /#file:((?:\.{1,2}\/)?[\w][\w.\-/]*)/g;

function joinRel(dirRel: string, p: string): string {
  const parts = (dirRel ? `${dirRel}/${p}` : p).split('/');
  const out: string[] = [];
  for (const s of parts) {
    if (s === '' || s === '.') continue;
    if (s === '..') { if (!out.length) return '\u0000'; out.pop(); } else out.push(s);
  }
  return out.join('/');
}

/** The prompt's folder relative to the workspace root ('' at the root), or undefined outside it. */
export function dirRelOf(path: string, ws: WorkspaceView): string | undefined {
  const p = path.replace(/\\/g, '/');
  const dir = p.slice(0, p.lastIndexOf('/'));
  if (dir === ws.root) return '';
  return dir.startsWith(`${ws.root}/`) ? dir.slice(ws.root.length + 1) : undefined;
}

/** Ranges of inline code spans and fenced blocks, where `@x` is text, not an import. */
function inCode(text: string, blocks: readonly Block[]): (pos: number) => boolean {
  const spans: [number, number][] = [];
  for (const b of blocks) {
    if (b.kind === 'fence') { spans.push([b.start, b.end]); continue; }
    const t = text.slice(b.start, b.end);
    for (const m of t.matchAll(/(`+)[^`]*?\1/g)) spans.push([b.start + m.index!, b.start + m.index! + m[0].length]);
  }
  return pos => spans.some(([s, e]) => pos >= s && pos < e);
}

/** Imports that resolve to files in the workspace (missing ones are ignored by the agents too). */
export function findImports(text: string, from: number, blocks: readonly Block[], path: string, ws: WorkspaceView, claude: boolean, copilot: boolean): Import[] {
  const dir = dirRelOf(path, ws);
  if (dir === undefined) return [];
  const code = inCode(text, blocks);
  const out: Import[] = [];
  const body = text.slice(from);
  const add = (written: string, at: number) => {
    const rel = joinRel(dir, written);
    if (rel === '\u0000' || !ws.exists(rel) || out.some(i => i.rel === rel)) return;
    out.push({ written, rel, start: at, end: at + written.length + 1 });
  };
  if (claude) for (const m of body.matchAll(CLAUDE_IMPORT)) {
    const at = from + m.index! + m[0].indexOf('@');
    if (!code(at)) add(m[1]!, at);
  }
  // Copilot's #file: paths are relative to the workspace
  if (copilot) for (const m of body.matchAll(COPILOT_FILE)) {
    const rel = joinRel('', m[1]!);
    if (rel !== '\u0000' && ws.exists(rel) && !out.some(i => i.rel === rel)) out.push({ written: m[1]!, rel, start: from + m.index!, end: from + m.index! + m[0].length });
    else add(m[1]!, from + m.index!);
  }
  return out.slice(0, 50);
}

// ---- stale references ---------------------------------------------------------------------------

export interface StaleRef { start: number; end: number; what: 'path' | 'npm' | 'make'; name: string }

const EXT = /\.(?:[cm]?[jt]sx?|json[c5]?|md|mdc|mdx|py|go|rs|rb|java|kt|swift|cs|cpp|cc|c|h|hpp|php|ya?ml|toml|ini|cfg|sh|bash|zsh|ps1|sql|html|css|scss|vue|svelte|lock|txt|xml|gradle|proto|graphql|tf|env\.example)$/i;
/** Paths that are generated, ignored or outside the project: their absence proves nothing. */
const UNCHECKABLE = /(?:^|\/)(?:node_modules|dist|build|out|target|coverage|\.venv|venv|__pycache__|\.next|\.nuxt|tmp|temp|\.cache|vendor|bin|obj|\.git|logs?|data|memory|reports?|wiki|outputs?|state|sessions?|uploads|storage|artifacts|results|generated|local|userdata|appdata)(?:\/|$)|^\.(?!github\/)[\w-]+\/|^\.env|^(?:\/|~|\$|%|[A-Za-z]:)/i;
/** Placeholders and examples: `<name>`, `{id}`, `[slug]`, `:id`, `foo/bar`, `path/to/x`, `*`. */
const PLACEHOLDER = /[<>{}[\]*?$%:|]|\b(?:foo|bar|baz|example|examples?|your|my[-_]|path\/to|some|xxx|yyy|name|feature|component|module|file|new|slug|NN|XX|YYYY|MM|DD)\b|\.\.\./i;
// The words before a path that make it a file to be, a file the program writes at run time, or one
// the prompt says is gone: "create `x`", "writes JSON to `y/`", "there is no `z`" are not stale.
const EXAMPLE_CONTEXT = /\b(?:e\.g\.|for example|for instance|such as|like|creat\w*|add (?:a|an|new)|new file|would|should be|named|called|if you|when you|generat\w*|will be|output|writ\w*|stor\w*|sav\w*|persist\w*|emit\w*|mirror\w*|cach\w*|download\w*|there is no|no longer|no|not|never|future|planned|todo|upcoming|proposed|coming|later|eventually|retired|removed|deleted|renamed|moved|legacy|deprecated|instead of|rather than|old|formerly|was|used to)\b|生成|创建|создаё|создае|генерир/i;

function looksLikePath(s: string): boolean {
  if (s.length < 3 || s.length > 160 || /\s/.test(s) || !s.includes('/')) return false;
  if (/^[a-z][\w+.-]*:\/\//i.test(s) || /^@[\w-]+\/[\w.-]+$/.test(s) || /^[\w.-]+\/[\w.-]+@/.test(s)) return false; // URLs, npm scopes, pkg@ver
  if (/^[@~#]\//.test(s)) return false; // import aliases (`@/components/...`), not paths on disk
  if (UNCHECKABLE.test(s) || PLACEHOLDER.test(s)) return false;
  if (/^[\w-]+\/[\w-]+$/.test(s) && !EXT.test(s)) return false; // owner/repo, a/b words ("read/write")
  const last = s.replace(/\/+$/, '').split('/').pop() ?? '';
  return EXT.test(last) || s.endsWith('/');
}

const NPM_RUN = /\b(?:npm|pnpm|yarn|bun)\s+run\s+([\w:.-]+)/g;
const MAKE = /(?:^|[\s`;&|(])make\s+([A-Za-z][\w.-]*)(?=$|[\s`;&|)])/gm;
/** The rest of the line says the path is not in the repository: "(`data/`, `groups/`) are gitignored". */
const NOT_COMMITTED = /\b(?:git-?ignored|(?:create|add) (?:it |them )?(?:if|when) (?:needed|missing|absent)|if (?:it does not|they do not|it doesn't) exist|\.gitignore|ignored by git|not (?:be )?(?:committed|checked in|in (?:git|the repo))|auto-?generated|(?:is|are) generated|local only|created (?:at|on) (?:run ?time|first run|start))\b|игнорир|gitignore|не (?:коммит|пуш)|忽略|不提交|自动生成|生成/i;
const SCRIPT_PLACEHOLDER = /[<>{}[\]*?$%|]|\b(?:foo|bar|your|my-|example|name|script|task|target|command|cmd)\b|\.\.\./i;
const SKIP_CMD = /--filter|--workspace|\s-w\s|--prefix|--cwd|\s-C\s|--dir\b/;

/**
 * Paths in code spans that the workspace does not have, and `npm run x` / `make y` that its
 * manifests do not define. Only what can be checked is checked: no package.json, no npm check.
 */
export function findStaleRefs(text: string, blocks: readonly Block[], path: string, ws: WorkspaceView, claimed: ReadonlySet<number>): StaleRef[] {
  const out: StaleRef[] = [];
  const dir = dirRelOf(path, ws);
  if (dir === undefined) return out;
  const npm = ws.npmScripts(dir), make = ws.makeTargets(dir);
  const seen = new Set<string>();
  // folders the prompt says the program creates or that are not committed: everything below them too
  const runtime: string[] = [];
  blocks.forEach((b, i) => {
    if (b.kind === 'heading' || claimed.has(i) || out.length >= 100) return;
    const t = text.slice(b.start, Math.min(b.end, b.start + 50_000));
    if (b.kind !== 'fence') {
      for (const m of t.matchAll(/`([^`\n]{3,160})`/g)) {
        const s = m[1]!.trim().replace(/[.,;:]+$/, '');
        if (!looksLikePath(s)) continue;
        // the sentence around it: "create `src/x.ts`" names a file to be, not one that is
        const before = t.slice(Math.max(0, m.index! - 80), m.index!);
        // the rest of the sentence (it may wrap onto the next lines of the block)
        const rest = t.slice(m.index!, m.index! + 300);
        const stop = rest.search(/[.!?。](?:\s|$)|\n\s*\n|\n\s*[-*+] /);
        const after = stop < 0 ? rest : rest.slice(0, stop);
        const norm = s.replace(/^\.\//, '');
        if (EXAMPLE_CONTEXT.test(before.slice(Math.max(before.lastIndexOf('. '), before.lastIndexOf('.\n')) + 1)) || NOT_COMMITTED.test(after)) {
          if (norm.endsWith('/')) runtime.push(norm);
          continue;
        }
        if (runtime.some(r => norm.startsWith(r))) continue;
        // ./x and ../x are relative to the file; others to the project, or to the part the file describes
        const relative = /^\.{1,2}\//.test(s);
        const rel = relative ? joinRel(dir, s) : normalizeRel(s);
        if (rel === '\u0000' || seen.has(`p:${rel}`)) continue;
        seen.add(`p:${rel}`);
        if (ws.exists(rel) || (dir && ws.exists(`${dir}/${rel}`)) || (!relative && ws.existsAnywhere(rel))) continue;
        out.push({ start: b.start + m.index! + 1, end: b.start + m.index! + 1 + m[1]!.length, what: 'path', name: s });
      }
    }
    // scripts: in code spans and in shell blocks (what the agent is told to run)
    const shellish = b.kind === 'fence' ? !b.lang || /^(?:sh|bash|shell|zsh|console|terminal|cmd|powershell|ps1)$/.test(b.lang) : true;
    if (!shellish) return;
    const scan = (re: RegExp, kind: 'npm' | 'make', known: ReadonlySet<string> | null) => {
      if (!known) return;
      for (const m of t.matchAll(re)) {
        const pos = m.index! + m[0].search(/\S/) + (m[0][m[0].search(/\S/)] === '`' ? 1 : 0);
        const lineStart = t.lastIndexOf('\n', m.index!) + 1;
        let lineEnd = t.indexOf('\n', m.index!);
        if (lineEnd < 0) lineEnd = t.length;
        if (b.kind !== 'fence' && !isInCodeSpan(t, pos)) continue;
        // the command itself: its code span, or its line in a shell block
        const from = b.kind === 'fence' ? lineStart : t.lastIndexOf('`', pos) + 1;
        let to = b.kind === 'fence' ? lineEnd : t.indexOf('`', pos);
        if (to < 0 || to > lineEnd) to = lineEnd;
        const cmd = ` ${t.slice(from, to)} `;
        // a command run after `cd somewhere` is that folder's script, not this project's
        if (SKIP_CMD.test(cmd) || /\bcd\s/.test(t.slice(b.kind === 'fence' ? 0 : from, pos))) continue;
        const name = m[1]!;
        if (SCRIPT_PLACEHOLDER.test(name) || known.has(name) || seen.has(`${kind}:${name}`)) continue;
        seen.add(`${kind}:${name}`);
        const at = b.start + m.index! + m[0].lastIndexOf(name);
        out.push({ start: at, end: at + name.length, what: kind, name });
      }
    };
    scan(NPM_RUN, 'npm', npm);
    scan(MAKE, 'make', make);
  });
  return out;
}

function isInCodeSpan(t: string, pos: number): boolean {
  const lineStart = t.lastIndexOf('\n', pos) + 1;
  let ticks = 0;
  for (let i = lineStart; i < pos; i++) if (t.charCodeAt(i) === 96) ticks++;
  return ticks % 2 === 1;
}
