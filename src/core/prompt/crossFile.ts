// The same instructions in two instruction files (CLAUDE.md and AGENTS.md, .cursor/rules and
// copilot-instructions.md, ...): an agent that loads both pays twice, and the copies drift apart.
// Compared block by block on folded text, so reordering or re-wrapping does not hide a copy.
import { parseFrontMatter } from './frontMatter';
import { parseStructure } from './markdown';
import { textHash } from './textHash';

const LIST_MARKER = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+/;

export function blockKeys(text: string, from = 0): Map<number, number> {
  // folded block text -> its length in characters (a cheap stand-in for tokens when comparing shares)
  const out = new Map<number, number>();
  for (const b of parseStructure(text, from).blocks) {
    if (b.kind === 'heading') continue;
    const folded = text.slice(b.start, b.end).replace(LIST_MARKER, '').toLowerCase().replace(/\s+/g, ' ').trim();
    if (folded.length < 20) continue;
    const k = textHash(folded);
    out.set(k, (out.get(k) ?? 0) + folded.length);
  }
  return out;
}

const cache = new Map<string, { len: number; hash: number; keys: Map<number, number> }>();

/** Block keys of a sibling file's text, cached by content (siblings change rarely; edits hit the cache). */
export function siblingKeys(rel: string, text: string): Map<number, number> {
  const hash = textHash(text);
  const hit = cache.get(rel);
  if (hit && hit.len === text.length && hit.hash === hash) return hit.keys;
  const keys = blockKeys(text, parseFrontMatter(text).end);
  if (cache.size > 500) cache.clear();
  cache.set(rel, { len: text.length, hash, keys });
  return keys;
}

/** Share (by characters) of `mine` that is also in `other`. */
export function sharedShare(mine: ReadonlyMap<number, number>, other: ReadonlyMap<number, number>): { share: number; chars: number } {
  let total = 0, shared = 0;
  for (const [k, n] of mine) { total += n; if (other.has(k)) shared += n; }
  return { share: total ? shared / total : 0, chars: shared };
}
