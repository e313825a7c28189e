// Glob patterns from settings (`tokenomics.promptFiles`, `tokenomics.quotas[].projects`), matched in
// time linear in the path: a pattern compiles to a small NFA (one instruction per glob element) that
// is run over the path with a set of live states, never by backtracking. A backtracking regex spent
// ~170 s on `*a*a*a*a*a*ab.md` against a file named with 200 `a`s; here every character of the path
// costs at most one step per instruction.
//
// Syntax (what the regex-based matcher accepted, with the same meaning): `*` any run inside one path
// segment; `?` one character but `/`; `**/` at a segment start, zero or more whole folders; any other
// `**`, anything (slashes too); `{a,b}` alternatives (nested); `[abc]`, `[a-z]`, `[!a]` or `[^a]` one
// character of (or not of) a set; `\` is a path separator, as on Windows. `~` and `~/...` expand to
// the home folder in project patterns (quotas), as they did.
import path from 'node:path';

/** Limits per setting: enough for any real list, small enough that a match is a few thousand steps. */
export const GLOB_LIMITS = { count: 200, length: 500 } as const;

export interface Glob {
  readonly source: string;
  /** Why the pattern never matches (too long), or null. */
  readonly problem: string | null;
  test(path: string): boolean;
}

/**
 * Steps taken by every match so far (one per live state per character): tests assert on it, so
 * "linear" is checked by counting work, not by timing it.
 */
export const globWork = { steps: 0 };

// ---- the instruction set --------------------------------------------------------------------------

const CHAR = 0, SPLIT = 1, MATCH = 2;
// what a CHAR instruction accepts
const LITERAL = 0, NOT_SLASH = 1, NOT_LINE_END = 2, SET = 3, NOTHING = 4;

interface CharSet { negated: boolean; ranges: number[] } // [lo, hi, lo, hi, ...] code points

type Node =
  | { t: 'char'; kind: number; c: number; set?: CharSet }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; branches: Node[] }
  | { t: 'star'; body: Node };

class Program {
  op: number[] = []; x: number[] = []; y: number[] = []; kind: number[] = []; c: number[] = []; sets: (CharSet | undefined)[] = [];
  emit(op: number, x = -1, y = -1, kind = 0, c = 0, set?: CharSet): number {
    this.op.push(op); this.x.push(x); this.y.push(y); this.kind.push(kind); this.c.push(c); this.sets.push(set);
    return this.op.length - 1;
  }
  get size(): number { return this.op.length; }
}

// ---- parsing: the same reading of a pattern as the old regex translation --------------------------

const notSlashStar = (): Node => ({ t: 'star', body: { t: 'char', kind: NOT_SLASH, c: 0 } });

function parse(glob: string): Node {
  const g = glob.replace(/\\/g, '/');
  // a stack of open brace groups: each is a list of branches, each branch a list of nodes
  const stack: Node[][][] = [[[]]];
  const cur = () => { const grp = stack[stack.length - 1]!; return grp[grp.length - 1]!; };
  for (let i = 0; i < g.length; i++) {
    const ch = g[i]!;
    if (ch === '*') {
      if (g[i + 1] === '*') {
        const slashAfter = g[i + 2] === '/';
        const atSegmentStart = i === 0 || g[i - 1] === '/';
        if (atSegmentStart && slashAfter) {
          // zero or more folders: ([^/]*/)*
          cur().push({ t: 'star', body: { t: 'seq', items: [notSlashStar(), { t: 'char', kind: LITERAL, c: 47 }] } });
          i += 2;
          continue;
        }
        cur().push({ t: 'star', body: { t: 'char', kind: NOT_LINE_END, c: 0 } });
        i += 1;
        continue;
      }
      cur().push(notSlashStar());
    } else if (ch === '?') cur().push({ t: 'char', kind: NOT_SLASH, c: 0 });
    else if (ch === '{') stack.push([[]]);
    else if (ch === '}' && stack.length > 1) closeGroup(stack);
    else if (ch === ',' && stack.length > 1) stack[stack.length - 1]!.push([]);
    else if (ch === '[') {
      const close = g.indexOf(']', i + 1);
      if (close < 0) { cur().push({ t: 'char', kind: LITERAL, c: 91 }); continue; }
      const set = parseSet(g.slice(i + 1, close));
      cur().push(set ? { t: 'char', kind: SET, c: 0, set } : { t: 'char', kind: NOTHING, c: 0 });
      i = close;
    } else {
      const cp = g.codePointAt(i)!;
      if (cp > 0xffff) i++;
      cur().push({ t: 'char', kind: LITERAL, c: cp });
    }
  }
  while (stack.length > 1) closeGroup(stack);
  return { t: 'seq', items: stack[0]![0]! };
}

function closeGroup(stack: Node[][][]): void {
  const grp = stack.pop()!;
  const parent = stack[stack.length - 1]!;
  parent[parent.length - 1]!.push({ t: 'alt', branches: grp.map(items => ({ t: 'seq', items })) });
}

/** A `[...]` body; null when it can match nothing ("[]", or a reversed range, an invalid regex before). */
function parseSet(body: string): CharSet | null {
  let negated = false;
  if (body.startsWith('!') || body.startsWith('^')) { negated = true; body = body.slice(1); }
  const cps = Array.from(body, ch => ch.codePointAt(0)!);
  const ranges: number[] = [];
  for (let k = 0; k < cps.length; k++) {
    const lo = cps[k]!;
    if (cps[k + 1] === 45 && k + 2 < cps.length) {
      const hi = cps[k + 2]!;
      if (hi < lo) return null;
      ranges.push(lo, hi);
      k += 2;
    } else ranges.push(lo, lo);
  }
  if (!ranges.length && !negated) return null;
  return { negated, ranges };
}

// ---- compiling: Thompson's construction into a flat program --------------------------------------

function compileNode(p: Program, n: Node, next: number): number {
  // built back to front: each node compiles to an entry that continues at `next`
  switch (n.t) {
    case 'char': return p.emit(CHAR, next, -1, n.kind, n.c, n.set);
    case 'seq': {
      let entry = next;
      for (let k = n.items.length - 1; k >= 0; k--) entry = compileNode(p, n.items[k]!, entry);
      return entry;
    }
    case 'alt': {
      let entry = compileNode(p, n.branches[n.branches.length - 1]!, next);
      for (let k = n.branches.length - 2; k >= 0; k--) entry = p.emit(SPLIT, compileNode(p, n.branches[k]!, next), entry);
      return entry;
    }
    case 'star': {
      // loop: SPLIT(body, next); body continues back at the SPLIT
      const loop = p.emit(SPLIT, -1, next);
      const body = compileNode(p, n.body, loop);
      p.x[loop] = body;
      return loop;
    }
  }
}

function accepts(p: Program, pc: number, cp: number): boolean {
  switch (p.kind[pc]) {
    case LITERAL: return p.c[pc] === cp;
    case NOT_SLASH: return cp !== 47;
    case NOT_LINE_END: return cp !== 10 && cp !== 13 && cp !== 0x2028 && cp !== 0x2029;
    case SET: {
      const s = p.sets[pc]!;
      let inside = false;
      for (let k = 0; k < s.ranges.length; k += 2) if (cp >= s.ranges[k]! && cp <= s.ranges[k + 1]!) { inside = true; break; }
      return inside !== s.negated;
    }
    default: return false;
  }
}

class NfaGlob implements Glob {
  readonly problem = null;
  private readonly p = new Program();
  private readonly start: number;
  // state lists and the generation marks that dedupe them, reused across calls
  private cur: Int32Array; private nxt: Int32Array; private mark: Int32Array; private stack: Int32Array;
  private gen = 0;

  constructor(readonly source: string) {
    const matchPc = this.p.emit(MATCH);
    this.start = compileNode(this.p, parse(source), matchPc);
    const n = this.p.size;
    this.cur = new Int32Array(n); this.nxt = new Int32Array(n); this.mark = new Int32Array(n); this.stack = new Int32Array(2 * n + 1);
  }

  /** Adds pc and everything reachable from it without reading a character; returns the new list length. */
  private add(list: Int32Array, len: number, pc0: number): number {
    const { p, mark, stack } = this;
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp]!;
      if (mark[pc] === this.gen) continue;
      mark[pc] = this.gen;
      globWork.steps++;
      const op = p.op[pc];
      // x pushed last so it is explored first; every pc expands once, so the stack holds ≤ 2n + 1
      if (op === SPLIT) { stack[sp++] = p.y[pc]!; stack[sp++] = p.x[pc]!; }
      else list[len++] = pc;
    }
    return len;
  }

  test(input: string): boolean {
    const p = this.p;
    if (this.gen > 0x3fff_ffff) { this.mark.fill(0); this.gen = 0; }
    this.gen++;
    let cur = this.cur, nxt = this.nxt;
    let n = this.add(cur, 0, this.start);
    for (let i = 0; i < input.length && n > 0; i++) {
      let cp = input.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < input.length) {
        const lo = input.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) { cp = (cp - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000; i++; }
      }
      this.gen++;
      let m = 0;
      for (let k = 0; k < n; k++) {
        const pc = cur[k]!;
        globWork.steps++;
        if (p.op[pc] === CHAR && accepts(p, pc, cp)) m = this.add(nxt, m, p.x[pc]!);
      }
      const t = cur; cur = nxt; nxt = t;
      n = m;
    }
    for (let k = 0; k < n; k++) if (p.op[cur[k]!] === MATCH) return true;
    return false;
  }
}

class RejectedGlob implements Glob {
  constructor(readonly source: string, readonly problem: string) {}
  test(): boolean { return false; }
}

/** Why a pattern is refused, or null. */
export function globProblem(pattern: string): string | null {
  return pattern.length > GLOB_LIMITS.length
    ? `a pattern of ${pattern.length} characters is longer than the ${GLOB_LIMITS.length} allowed` : null;
}

/** Why a list of patterns from the setting `setting` is refused, or null. */
export function globListProblem(setting: string, patterns: readonly string[]): string | null {
  if (patterns.length > GLOB_LIMITS.count) return `${setting}: ${patterns.length} patterns, more than the ${GLOB_LIMITS.count} allowed`;
  for (let i = 0; i < patterns.length; i++) {
    const problem = globProblem(patterns[i]!);
    if (problem) return `${setting}[${i}]: ${problem}`;
  }
  return null;
}

const cache = new Map<string, Glob>();

/** The compiled pattern (cached by its text); a refused pattern matches nothing and says why. */
export function compileGlob(pattern: string): Glob {
  return cached(pattern, globProblem(pattern));
}

function cached(pattern: string, problem: string | null): Glob {
  let g = cache.get(pattern);
  if (g) return g;
  g = problem ? new RejectedGlob(pattern, problem) : new NfaGlob(pattern);
  if (cache.size >= 1000) cache.clear();
  cache.set(pattern, g);
  return g;
}

// ---- quotas: which projects a quota's patterns cover ---------------------------------------------

export function expandHome(p: string): string {
  const home = process.env.HOME || process.env.USERPROFILE || '';
  return p === '~' ? home : p.startsWith('~/') ? path.posix.join(home.replace(/\\/g, '/'), p.slice(2)) : p;
}

/**
 * A project matches a glob when the glob matches its folder or any folder above it; a glob without
 * a `/` also matches the folder's name. Compile once per settings change: the result memoises
 * answers per project.
 */
export function projectMatcher(globs: readonly string[]): (project: string) => boolean {
  const compiled = globs.slice(0, GLOB_LIMITS.count).map(g => {
    const p = expandHome(g.replace(/\\/g, '/')).replace(/\/+$/, '');
    const self = compileGlob(p);
    // the folder-and-below form may pass the length limit by its three characters: it is ours
    return { self, below: self.problem ? self : cached(`${p}/**`, null), nameToo: !g.includes('/') };
  });
  let memo = new Map<string, boolean>();
  return project => {
    let hit = memo.get(project);
    if (hit === undefined) {
      const p = project.replace(/\\/g, '/');
      const base = p.slice(p.lastIndexOf('/') + 1);
      hit = compiled.some(c => c.self.test(p) || c.below.test(p) || (c.nameToo && c.self.test(base)));
      if (memo.size >= 10_000) memo = new Map();
      memo.set(project, hit);
    }
    return hit;
  };
}
