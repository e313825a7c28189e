// What a prompt is made of, when its shape is the waste: a pasted directory tree (the agent can list
// files itself), a file that is mostly code examples, and front matter holding the prompt that the
// tool never reads.
import { formatPercent } from '../format';
import { finding, RuleContext } from './context';
import type { Finding } from './types';
import { loadedWhen } from './workspaceRules';

const TREE_LINE = /^[ \t│|]*(?:├──|└──|├─|└─|\|--|`--|\+--)/;
const MIN_TREE_LINES = 8;
const MIN_TREE_TOKENS = 120;

export function directoryTrees(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  c.blocks.forEach((b, i) => {
    if ((b.kind !== 'fence' && b.kind !== 'paragraph') || c.claimed.has(i)) return;
    const t = c.text.slice(b.start, Math.min(b.end, b.start + 200_000));
    const lines = t.split('\n');
    const treeLines = lines.filter(l => TREE_LINE.test(l));
    const tree = treeLines.length;
    if (tree < MIN_TREE_LINES || tree < lines.length * 0.5) return;
    // entries must be files and folders (name.ext, name/), not a drawn hierarchy of classes or components
    const entries = treeLines.map(l => l.replace(TREE_LINE, '').trim().split(/\s/)[0] ?? '');
    if (entries.filter(e => /\/$|\.[A-Za-z0-9]{1,8}$/.test(e)).length < entries.length * 0.5) return;
    // not the project's files: a home-folder layout (~/.config/...), or a convention with placeholders
    // (days/day-NN-slug/) that no listing shows
    if (/(?:^|\s)~\/|<[\w -]+>|\b(?:NN|XX|YYYY)\b|\{[\w-]+\}/.test(t)) return;
    const tokens = c.tok(b.raw);
    if (tokens < MIN_TREE_TOKENS) return;
    out.push(finding('directory-tree', 'information', b.start, b.end,
      `A directory tree of ${tree} entries: ${c.fmt(tokens)} tokens (${loadedWhen(c)}) for what the agent can list itself, and which goes stale as files move. Keep a line for each folder it must know about, with what lives there.`,
      tokens));
  });
  return out;
}

const EXAMPLE_MIN_TOKENS = 1_000;
const EXAMPLE_SHARE = 0.6;

export function exampleHeavy(c: RuleContext): Finding[] {
  // a skill or command loaded on request may be its examples; a file loaded by itself should not be
  if (c.tokens < EXAMPLE_MIN_TOKENS || c.blockRawSum <= 0 || !c.loads.some(l => l.when !== 'on-request')) return [];
  let code = 0, n = 0;
  c.blocks.forEach((b, i) => { if (b.kind === 'fence' && !c.claimed.has(i)) { code += b.raw; n++; } });
  const share = code / c.blockRawSum;
  if (share < EXAMPLE_SHARE || n < 3) return [];
  const first = c.blocks[0]!;
  const end = Math.min(first.end, (c.text.indexOf('\n', first.start) + 1 || first.end + 1) - 1);
  return [finding('example-heavy', 'information', first.start, Math.max(first.start, end),
    `${formatPercent(share)} of this prompt (${c.fmt(c.tok(code))} tokens in ${n} code blocks) is code examples. An agent that works in the repository can read real code; keep one short example per rule that needs one.`,
    c.tok(code))];
}

/** Front-matter keys the tools read; a prompt under any other key is never seen by the model. */
const KNOWN_KEYS = new Set(['name', 'description', 'tools', 'model', 'color', 'permissionmode', 'skills', 'hooks', 'mcpservers', 'disallowedtools',
  'argument-hint', 'allowed-tools', 'applyto', 'mode', 'globs', 'alwaysapply', 'handoffs', 'target', 'license', 'metadata', 'version', 'title', 'tags', 'agent', 'excludeagent', 'disable-model-invocation', 'user-invocable', 'context', 'infer']);

export function unreadFrontMatter(c: RuleContext): Finding[] {
  const fmEnd = c.bodyStart;
  if (fmEnd < 400 || !/(?:^|\/)(?:\.claude\/agents\/.*\.md|.*\.agent\.md|.*\.chatmode\.md|.*\.prompt\.md|\.claude\/commands\/.*\.md|SKILL\.md)$/i.test(c.path.replace(/\\/g, '/'))) return [];
  const body = c.text.slice(fmEnd).trim();
  if (body.length > 40) return [];
  // the biggest top-level key of the front matter (its line plus the indented lines under it)
  const lines = c.text.slice(0, fmEnd).split('\n');
  let best: { key: string; start: number; end: number } | null = null;
  let pos = 0, cur: { key: string; start: number; end: number } | null = null;
  for (const line of lines) {
    const m = /^([A-Za-z_][\w.-]*)\s*:/.exec(line);
    if (m) {
      if (cur && (!best || cur.end - cur.start > best.end - best.start)) best = cur;
      cur = { key: m[1]!, start: pos, end: pos + line.length };
    } else if (cur && /^\s/.test(line)) cur.end = pos + line.length;
    pos += line.length + 1;
  }
  if (cur && (!best || cur.end - cur.start > best.end - best.start)) best = cur;
  if (!best || best.end - best.start < 300 || KNOWN_KEYS.has(best.key.toLowerCase())) return [];
  return [finding('unread-front-matter', 'error', best.start, best.end,
    `The prompt sits in the front-matter key \`${best.key}\`, which the tool does not read: the model gets ${body ? 'a near-empty' : 'an empty'} body. Move the text below the closing \`---\`.`,
    0)];
}
