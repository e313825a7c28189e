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
  private npm: ReadonlySet<string> | null | undefined;
  private make: ReadonlySet<string> | null | undefined;
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
    this.npm = undefined; this.make = undefined; this.instr = undefined;
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

  npmScripts(): ReadonlySet<string> | null {
    this.fresh();
    if (this.npm === undefined) {
      const text = this.read('package.json');
      this.npm = text === undefined ? null : new Set(parseNpmScripts(text));
    }
    return this.npm;
  }

  makeTargets(): ReadonlySet<string> | null {
    this.fresh();
    if (this.make === undefined) {
      const files = ['Makefile', 'makefile', 'GNUmakefile'].map(f => this.read(f)).filter((t): t is string => t !== undefined);
      this.make = files.length ? new Set(files.flatMap(parseMakeTargets)) : null;
    }
    return this.make;
  }

  instructionFiles(): readonly string[] {
    this.fresh();
    if (!this.instr) {
      const out = ROOT_FILES.filter(f => this.exists(f));
      for (const d of INSTRUCTION_DIRS) {
        try { for (const e of fs.readdirSync(path.join(this.root, d)).slice(0, 200)) if (isInstructionFile(`${d}/${e}`)) out.push(`${d}/${e}`); } catch { /* no such folder */ }
      }
      this.instr = out;
    }
    return this.instr;
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
