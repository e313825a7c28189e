// The project around a prompt file, as the checks that look past the file need it: which paths
// exist (stale references), what scripts the manifests define (`npm run x`, `make y`), the text of
// imported and sibling instruction files (imports, cross-file duplication). The engine backs it
// with the disk; tests and the corpus with a recorded file list. Every method is cheap and bounded.

export interface WorkspaceView {
  /** The project folder (absolute, `/` separators, no trailing slash). */
  readonly root: string;
  /** Whether a path relative to the root names a file or a folder. */
  exists(rel: string): boolean;
  /**
   * Whether some file or folder of the project ends with this path (`server/http.ts` matches
   * `packages/api/src/server/http.ts`): prompts name paths relative to the part they describe.
   */
  existsAnywhere(suffix: string): boolean;
  /** A file's text (path relative to the root); undefined when missing, unreadable or over 1 MB. */
  read(rel: string): string | undefined;
  /**
   * Scripts of the package.json files that apply to a folder (relative; the root when omitted): its
   * own and its parents'; null when there is none.
   */
  npmScripts(dir?: string): ReadonlySet<string> | null;
  /** Targets of the Makefile(s) of a folder and its parents; null when there is none. */
  makeTargets(dir?: string): ReadonlySet<string> | null;
  /**
   * The instruction files agents load (relative paths: CLAUDE.md, AGENTS.md, .cursor/rules/*.mdc, ...):
   * at the root, and in `dir` (relative) when given.
   */
  instructionFiles(dir?: string): readonly string[];
}

/** A path as written in a prompt, relative to the root: `./src/x.ts` -> `src/x.ts`, `docs/` -> `docs`. */
export function normalizeRel(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '').replace(/\/{2,}/g, '/');
}

export function parseNpmScripts(text: string): string[] {
  try {
    const j = JSON.parse(text) as { scripts?: unknown };
    return j && typeof j.scripts === 'object' && j.scripts ? Object.keys(j.scripts as object) : [];
  } catch { return []; }
}

const MAKE_TARGET = /^([A-Za-z0-9_.\-/%$(){}]+(?:[ \t]+[A-Za-z0-9_.\-/%$(){}]+)*)[ \t]*::?(?!=)/;

export function parseMakeTargets(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(0, 20_000)) {
    if (line.startsWith('\t') || line.startsWith('#')) continue;
    const m = MAKE_TARGET.exec(line);
    if (m) for (const t of m[1]!.split(/[ \t]+/)) if (t && !t.startsWith('.')) out.push(t);
    // .PHONY lists targets too
    const phony = /^\.PHONY[ \t]*:[ \t]*(.*)$/.exec(line);
    if (phony) out.push(...phony[1]!.split(/[ \t]+/).filter(Boolean));
  }
  return out;
}

const INSTRUCTION_FILE = /(?:^|\/)(?:CLAUDE\.md|CLAUDE\.local\.md|AGENTS\.md|GEMINI\.md|\.cursorrules|\.windsurfrules|\.github\/copilot-instructions\.md|\.cursor\/rules\/[^/]+\.mdc|\.claude\/rules\/[^/]+\.md|\.github\/instructions\/[^/]+\.instructions\.md)$/;

export function isInstructionFile(rel: string): boolean {
  return INSTRUCTION_FILE.test(rel);
}

/** A workspace from a recorded list of its files (relative paths) and a reader for their text. */
export function workspaceFromFiles(root: string, files: readonly string[], read: (rel: string) => string | undefined): WorkspaceView {
  const set = new Set<string>();
  const dirs = new Set<string>();
  for (const f of files) {
    const n = normalizeRel(f);
    set.add(n);
    for (let i = n.indexOf('/'); i >= 0; i = n.indexOf('/', i + 1)) dirs.add(n.slice(0, i));
  }
  const suffixes = suffixIndex([...set, ...dirs]);
  // the manifests that apply to a folder: its own and its parents'; one that is listed but cannot be
  // read (a recorded tree without its text) makes the answer unknown, never "no such script"
  const cache = new Map<string, ReadonlySet<string> | null>();
  const collect = (kind: 'npm' | 'make', dir: string): ReadonlySet<string> | null => {
    const key = `${kind}:${dir}`;
    if (cache.has(key)) return cache.get(key)!;
    let found = false, unknown = false;
    const names = new Set<string>();
    for (let d = normalizeRel(dir); ; d = d.includes('/') ? d.slice(0, d.lastIndexOf('/')) : '') {
      for (const f of kind === 'npm' ? ['package.json'] : ['Makefile', 'makefile', 'GNUmakefile']) {
        const rel = d ? `${d}/${f}` : f;
        if (!set.has(rel)) continue;
        const text = read(rel);
        if (text === undefined) { unknown = true; continue; }
        found = true;
        for (const n of kind === 'npm' ? parseNpmScripts(text) : parseMakeTargets(text)) names.add(n);
      }
      if (!d) break;
    }
    const v = found && !unknown ? names : null;
    cache.set(key, v);
    return v;
  };
  return {
    root: root.replace(/\\/g, '/').replace(/\/+$/, ''),
    exists: rel => { const n = normalizeRel(rel); return n === '' || set.has(n) || dirs.has(n); },
    existsAnywhere: suffix => suffixes.has(normalizeRel(suffix)),
    read: rel => (set.has(normalizeRel(rel)) ? read(normalizeRel(rel)) : undefined),
    npmScripts: (dir = '') => collect('npm', dir),
    makeTargets: (dir = '') => collect('make', dir),
    instructionFiles: () => [...set].filter(isInstructionFile),
  };
}

/** Every trailing part of every path (`a/b/c` -> `a/b/c`, `b/c`, `c`), bounded for huge trees. */
export function suffixIndex(paths: readonly string[], max = 400_000): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    out.add(p);
    for (let i = p.indexOf('/'); i >= 0 && out.size < max; i = p.indexOf('/', i + 1)) out.add(p.slice(i + 1));
    if (out.size >= max) break;
  }
  return out;
}
