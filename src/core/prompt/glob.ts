// Glob patterns (`tokenomics.promptFiles`) compiled to regular expressions. Supports `**`, `*`, `?`,
// `{a,b}` and `[...]`; the output is a plain linear regex (no nested quantifiers), so matching a
// pathological path cannot backtrack catastrophically.

const cache = new Map<string, RegExp>();

function escapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let re = '';
  let braces = 0;
  const g = glob.replace(/\\/g, '/');
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*') {
      if (g[i + 1] === '*') {
        // `**/` matches zero or more whole folders; a trailing `**` matches anything below
        const slashAfter = g[i + 2] === '/';
        const atSegmentStart = i === 0 || g[i - 1] === '/';
        if (atSegmentStart && slashAfter) { re += '(?:[^/]*/)*'; i += 2; continue; }
        re += '.*'; i += 1; continue;
      }
      re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') { braces++; re += '(?:'; }
    else if (c === '}' && braces > 0) { braces--; re += ')'; }
    else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const close = g.indexOf(']', i + 1);
      if (close < 0) { re += '\\['; continue; }
      let body = g.slice(i + 1, close).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body}]`;
      i = close;
    } else re += escapeChar(c);
  }
  while (braces-- > 0) re += ')';
  let compiled: RegExp;
  try { compiled = new RegExp(`^${re}$`); } catch { compiled = /(?!)/; }
  if (cache.size > 500) cache.clear();
  cache.set(glob, compiled);
  return compiled;
}

/**
 * True when any pattern matches the workspace-relative path or the absolute path. Relative patterns
 * without a folder part (`CLAUDE.md`) also match the base name, as editors' file globs do.
 */
export function matchesAnyGlob(patterns: readonly string[], absolutePath: string, relativePath?: string): boolean {
  const abs = absolutePath.replace(/\\/g, '/');
  const rel = relativePath?.replace(/\\/g, '/');
  const base = abs.slice(abs.lastIndexOf('/') + 1);
  for (const p of patterns) {
    const re = globToRegExp(p);
    if (re.test(abs) || (rel !== undefined && re.test(rel))) return true;
    if (!p.includes('/') && re.test(base)) return true;
  }
  return false;
}
