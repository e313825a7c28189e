// The project around a prompt, read from disk for the checks that look past the file (stale
// references, imports, cross-file duplication). Lookups are cached for a short while, so one
// analysis costs a handful of stat calls, and a keystroke none.
import fs from 'node:fs';
import path from 'node:path';
import { isInstructionFile, normalizeRel, parseMakeTargets, parseNpmScripts, suffixIndex } from '../../core/prompt';
import type { WorkspaceView } from '../../core/prompt';

const TTL_MS = 2000;
/** The file index (for paths named relative to a sub-project) is rebuilt at most this often. */
const INDEX_TTL_MS = 60_000;
const MAX_INDEX_ENTRIES = 50_000;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'out', 'build', 'target', '.venv', 'venv', '__pycache__', '.next', 'coverage']);
const MAX_READ_BYTES = 1024 * 1024;
const INSTRUCTION_DIRS = ['.cursor/rules', '.claude/rules', '.github/instructions'];
const ROOT_FILES = ['CLAUDE.md', 'CLAUDE.local.md', 'AGENTS.md', 'GEMINI.md', '.cursorrules', '.windsurfrules', '.github/copilot-instructions.md', '.claude/CLAUDE.md'];

class DiskWorkspace implements WorkspaceView {
  private stamp = 0;
  private readonly existsCache = new Map<string, boolean>();
  private readonly texts = new Map<string, { mtime: number; text: string | undefined }>();
  private instr: string[] | undefined;

  private index: { at: number; suffixes: Set<string> } | undefined;

  constructor(readonly root: string) {}

  existsAnywhere(suffix: string): boolean {
    if (this.exists(suffix)) return true;
    if (!this.index || Date.now() - this.index.at > INDEX_TTL_MS) {
      // a bounded breadth-first walk: generated and dependency folders are skipped, and a huge tree stops at the cap
      const paths: string[] = [];
      const queue = [''];
      while (queue.length && paths.length < MAX_INDEX_ENTRIES) {
        const dir = queue.shift()!;
        let entries: fs.Dirent[];
        try { entries = fs.readdirSync(path.join(this.root, dir), { withFileTypes: true }); } catch { continue; }
        for (const e of entries) {
          const rel = dir ? `${dir}/${e.name}` : e.name;
          paths.push(rel);
          if (e.isDirectory() && !SKIP_DIRS.has(e.name)) queue.push(rel);
        }
      }
      this.index = { at: Date.now(), suffixes: suffixIndex(paths) };
    }
    return this.index.suffixes.has(normalizeRel(suffix));
  }

  private fresh(): void {
    const now = Date.now();
    if (now - this.stamp < TTL_MS) return;
    this.stamp = now;
    this.existsCache.clear();
    this.manifests.clear(); this.instr = undefined;
  }

  private abs(rel: string): string | undefined {
    const n = normalizeRel(rel);
    const p = path.resolve(this.root, n);
    // a reference never reaches outside the project
    return p === this.root || p.startsWith(`${this.root}${path.sep}`) || p.startsWith(`${this.root}/`) ? p : undefined;
  }

  exists(rel: string): boolean {
    this.fresh();
    let v = this.existsCache.get(rel);
    if (v === undefined) {
      const p = this.abs(rel);
      v = p !== undefined && fs.existsSync(p);
      if (this.existsCache.size > 5000) this.existsCache.clear();
      this.existsCache.set(rel, v);
    }
    return v;
  }

  read(rel: string): string | undefined {
    const p = this.abs(rel);
    if (!p) return undefined;
    try {
      const st = fs.statSync(p);
      if (!st.isFile() || st.size > MAX_READ_BYTES) return undefined;
      const hit = this.texts.get(p);
      if (hit && hit.mtime === st.mtimeMs) return hit.text;
      const text = fs.readFileSync(p, 'utf8');
      if (this.texts.size > 200) this.texts.clear();
      this.texts.set(p, { mtime: st.mtimeMs, text });
      return text;
    } catch { return undefined; }
  }

  private readonly manifests = new Map<string, ReadonlySet<string> | null>();

  /** The folder and each parent up to the root, relative ('' is the root). */
  private chain(dir: string): string[] {
    const out: string[] = [];
    for (let d = normalizeRel(dir); ; d = d.includes('/') ? d.slice(0, d.lastIndexOf('/')) : '') { out.push(d); if (!d) break; }
    return out;
  }

  private collect(kind: 'npm' | 'make', dir: string): ReadonlySet<string> | null {
    this.fresh();
    const key = `${kind}:${dir}`;
    if (this.manifests.has(key)) return this.manifests.get(key)!;
    let found = false;
    const names = new Set<string>();
    for (const d of this.chain(dir)) {
      const at = (f: string) => (d ? `${d}/${f}` : f);
      const texts = kind === 'npm' ? [this.read(at('package.json'))] : ['Makefile', 'makefile', 'GNUmakefile'].map(f => this.read(at(f)));
      for (const t of texts) {
        if (t === undefined) continue;
        found = true;
        for (const n of kind === 'npm' ? parseNpmScripts(t) : parseMakeTargets(t)) names.add(n);
      }
    }
    const v = found ? names : null;
    if (this.manifests.size > 500) this.manifests.clear();
    this.manifests.set(key, v);
    return v;
  }

  npmScripts(dir = ''): ReadonlySet<string> | null { return this.collect('npm', dir); }

  makeTargets(dir = ''): ReadonlySet<string> | null { return this.collect('make', dir); }

  private readonly instrByDir = new Map<string, string[]>();

  instructionFiles(dir = ''): readonly string[] {
    this.fresh();
    if (!this.instr) { this.instr = this.listIn(''); this.instrByDir.clear(); }
    if (!dir) return this.instr;
    let mine = this.instrByDir.get(dir);
    if (!mine) {
      mine = [...this.instr, ...this.listIn(dir)];
      if (this.instrByDir.size > 200) this.instrByDir.clear();
      this.instrByDir.set(dir, mine);
    }
    return mine;
  }

  private listIn(dir: string): string[] {
    const at = (f: string) => (dir ? `${dir}/${f}` : f);
    const out = ROOT_FILES.map(at).filter(f => this.exists(f));
    for (const d of INSTRUCTION_DIRS) {
      try { for (const e of fs.readdirSync(path.join(this.root, at(d))).slice(0, 200)) if (isInstructionFile(at(`${d}/${e}`))) out.push(at(`${d}/${e}`)); } catch { /* no such folder */ }
    }
    return out;
  }
}

export class DiskWorkspaces {
  private readonly byRoot = new Map<string, DiskWorkspace>();

  for(root: string | undefined): WorkspaceView | undefined {
    if (!root) return undefined;
    let w = this.byRoot.get(root);
    if (!w) this.byRoot.set(root, (w = new DiskWorkspace(root)));
    return w;
  }
}
