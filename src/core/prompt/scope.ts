// Where each block sits in the prompt: under which headings, in which list, after which lead-in.
// A repeated line is waste only when it repeats in the same scope: the same item in the checklists
// of two file types ("Only apply to files that end in .ts:"), or the same step in two numbered
// procedures, carries meaning in each place. One linear pass over the blocks.
import type { RawBlock } from './types';
import { headingTitle } from './markdown';

export interface BlockScope {
  /** Heading titles from the top down (lower-cased, whitespace folded). */
  path: string[];
  /** Index of the innermost heading block (-1 before the first heading). */
  heading: number;
  /** For list items (and the paragraphs and fences indented inside them): the list they belong to. */
  list: number;
  /** A numbered list item: a step of a procedure, whose repetition is part of the procedure. */
  ordered: boolean;
  /** Leading spaces of the block's first line (nested items, continuation paragraphs). */
  indent: number;
  /** The nearest item of smaller indent in the same list (nested items), else -1. */
  parent: number;
  /** The paragraph just before the list, when it introduces it ("For Python files:"), else ''. */
  leadIn: string;
}

const ORDERED = /^[ \t]*\d{1,9}[.)][ \t]/;

function indentOf(text: string, start: number): number {
  let i = start;
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  return i - start;
}

export function fold(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The scope of every block (same order as `blocks`). */
export function blockScopes(text: string, blocks: readonly RawBlock[]): BlockScope[] {
  const out: BlockScope[] = new Array(blocks.length);
  const stack: { level: number; title: string; index: number }[] = [];
  let path: string[] = [];
  let list = -1, lists = 0, inList = false;
  let leadIn = '';
  let lastPara = '';
  const items: { indent: number; index: number }[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const indent = b.kind === 'heading' ? 0 : indentOf(text, b.start);
    if (b.kind === 'heading') {
      const level = b.level ?? 1;
      while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
      stack.push({ level, title: fold(headingTitle(text.slice(b.start, b.end))), index: i });
      path = stack.map(s => s.title);
      inList = false; items.length = 0; lastPara = '';
      out[i] = { path, heading: i, list: -1, ordered: false, indent: 0, parent: -1, leadIn: '' };
      continue;
    }
    const heading = stack.length ? stack[stack.length - 1]!.index : -1;
    if (b.kind === 'list-item') {
      if (!inList) {
        list = lists++; inList = true; items.length = 0;
        leadIn = lastPara;
      }
      while (items.length && items[items.length - 1]!.indent >= indent) items.pop();
      const parent = items.length ? items[items.length - 1]!.index : -1;
      items.push({ indent, index: i });
      out[i] = { path, heading, list, ordered: ORDERED.test(text.slice(b.start, Math.min(b.end, b.start + 16))), indent, parent, leadIn };
      continue;
    }
    // indented paragraphs and fences between items continue the list (lazy continuation aside)
    if (inList && indent > 0) {
      const parent = items.length ? items[items.length - 1]!.index : -1;
      out[i] = { path, heading, list, ordered: false, indent, parent, leadIn };
      continue;
    }
    inList = false; items.length = 0;
    // a paragraph that introduces what follows ("Only apply to files that end in `.ts`:")
    lastPara = b.kind === 'paragraph' && /:\**[ \t]*$/.test(text.slice(Math.max(b.start, b.end - 8), b.end)) ? fold(text.slice(b.start, Math.min(b.end, b.start + 400))) : '';
    out[i] = { path, heading, list: -1, ordered: false, indent, parent: -1, leadIn: '' };
  }
  return out;
}

/** The heading path as one string ("setup > testing"), for keys and for messages. */
export function pathKey(s: BlockScope): string {
  return s.path.join(' > ');
}

/**
 * The words that make a line specific: URLs, paths and file names, numbers, code spans, names
 * (camelCase, snake_case, dotted). Two lines that differ in these say different things, however
 * much of their wording they share ("Source: <one URL>" and "Source: <another URL>").
 */
const EMPHASIS = /^(?:MUST|NEVER|ALWAYS|IMPORTANT|CRITICAL|REQUIRED|NOTE|NOT|DO|DON|ONLY|NO|YES|OK|TODO|WARNING|ALL|AND|OR)$/;

export function specifics(t: string): string {
  const found = new Set<string>();
  const s = t.length > 20_000 ? t.slice(0, 20_000) : t;
  for (const m of s.matchAll(/https?:\/\/[^\s)>\]"'`]+|`[^`\n]{1,200}`|[\w.-]*[/\\][\w./\\-]+|[\w-]+\.[a-z][\w]{0,6}\b|\b\w*\d\w*\b|\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z]+[A-Z]\w*\b|\b\w+_\w+\b|\b[A-Z]{2,}\d*\b/g)) {
    // emphasis is not a name: "You MUST use x" and "Use x" name the same thing
    if (EMPHASIS.test(m[0])) continue;
    found.add(m[0].toLowerCase());
  }
  return [...found].sort().join('\u0000');
}
