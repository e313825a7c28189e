// Which files are prompt files (`tokenomics.promptFiles`): the patterns are matched by the linear-time
// glob matcher in ../glob.ts (no regex, so a hostile pattern cannot backtrack), compiled once per
// settings change.
import { compileGlob, Glob, GLOB_LIMITS } from '../glob';

/** The compiled pattern. Kept under its old name: callers only ever used `.test(path)`. */
export function globToRegExp(glob: string): Glob {
  return compileGlob(glob);
}

interface CompiledList { globs: { glob: Glob; nameToo: boolean }[] }

// keyed by the settings array itself: a settings change brings a new array, so this compiles once per change
const lists = new WeakMap<readonly string[], CompiledList>();

function compileList(patterns: readonly string[]): CompiledList {
  let c = lists.get(patterns);
  if (!c) {
    c = { globs: patterns.slice(0, GLOB_LIMITS.count).map(p => ({ glob: compileGlob(p), nameToo: !p.includes('/') })) };
    lists.set(patterns, c);
  }
  return c;
}

/**
 * True when any pattern matches the workspace-relative path or the absolute path. Relative patterns
 * without a folder part (`CLAUDE.md`) also match the base name, as editors' file globs do.
 */
export function matchesAnyGlob(patterns: readonly string[], absolutePath: string, relativePath?: string): boolean {
  const abs = absolutePath.replace(/\\/g, '/');
  const rel = relativePath?.replace(/\\/g, '/');
  const base = abs.slice(abs.lastIndexOf('/') + 1);
  for (const { glob, nameToo } of compileList(patterns).globs) {
    if (glob.test(abs) || (rel !== undefined && glob.test(rel))) return true;
    if (nameToo && glob.test(base)) return true;
  }
  return false;
}
