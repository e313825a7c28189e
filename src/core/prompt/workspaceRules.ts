// Rules that look past the file: stale references, cross-file duplication, over-broad attachment.
import { formatPercent, formatTokens } from '../format';
import { finding, MAX_FINDINGS_PER_RULE, RuleContext } from './context';
import { blockKeys, sharedShare, siblingKeys } from './crossFile';
import { parseFrontMatter } from './frontMatter';
import { agentList, agentsLoading, matchesEverything, patternsOf } from './loaders';
import { dirRelOf, findStaleRefs } from './references';
import type { Finding } from './types';

/** "Claude Code reads this on every request", "Codex reads this while it works below docs/". */
export function loadedWhen(c: RuleContext): string {
  const always = c.loads.filter(l => l.when === 'always');
  if (always.length) return `${agentList(always)} read${always.length === 1 ? 's' : ''} this on every request`;
  const below = c.loads.filter(l => l.when === 'below');
  if (below.length) return `${agentList(below)} read${below.length === 1 ? 's' : ''} this on every request while working below ${below[0]!.scope}/`;
  const matching = c.loads.filter(l => l.when === 'matching');
  if (matching.length) return `${agentList(matching)} read${matching.length === 1 ? 's' : ''} this whenever the task touches ${matching[0]!.scope}`;
  return 'the agent reads this whenever the file is used';
}

export function staleReferences(c: RuleContext): Finding[] {
  const ws = c.workspace;
  // Only files the agent loads by itself speak about this project; skills, commands and prompts are
  // carried from project to project and name the paths of wherever they run.
  if (!ws || !c.loads.some(l => l.when !== 'on-request') || /(?:^|\/)skills\//i.test(c.path.replace(/\\/g, '/'))) return [];
  const out: Finding[] = [];
  const when = loadedWhen(c);
  for (const r of findStaleRefs(c.text, c.blocks, c.path, ws, c.claimed)) {
    if (out.length >= MAX_FINDINGS_PER_RULE) break;
    const msg = r.what === 'path'
      ? `\`${r.name}\` does not exist in this project: ${when}, and it sends the agent looking for it. Fix the path or drop the line.`
      : r.what === 'npm'
        ? `No \`${r.name}\` script in this project's package.json: an agent told to run it fails, then searches for the right command. Name a script that exists (${[...(ws.npmScripts(dirRelOf(c.path, ws)) ?? [])].slice(0, 6).map(s => `\`${s}\``).join(', ') || 'none defined'}).`
        : `No \`${r.name}\` target in this project's Makefile: an agent told to run it fails, then searches for the right command.`;
    out.push(finding('stale-reference', 'warning', r.start, r.end, msg, 0));
  }
  return out;
}

const MIN_SHARED_CHARS = 600;
const MIN_SHARE = 0.5;

export function crossFileDuplicates(c: RuleContext): Finding[] {
  const ws = c.workspace;
  if (!ws || !c.loads.length) return [];
  const dir = dirRelOf(c.path, ws);
  if (dir === undefined) return [];
  const p = c.path.replace(/\\/g, '/');
  const selfRel = p.slice(ws.root.length + 1);
  const mine = blockKeys(c.text, c.bodyStart);
  const myAgents = new Set(c.loads.filter(l => l.when !== 'on-request').map(l => l.agent));
  const out: Finding[] = [];
  for (const rel of ws.instructionFiles(dir)) {
    if (rel === selfRel || out.length >= 5) continue;
    // only siblings in the same folder or at the project root: the ones loaded together
    const relDir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const base = dir && relDir.startsWith(`${dir}/`) ? relDir.slice(dir.length + 1) : dir && relDir === dir ? '' : relDir;
    const inScope = relDir === dir || relDir === '' || ((relDir === dir || relDir.startsWith(`${dir}/`) || !dir) && /^\.(?:cursor\/rules|claude\/rules|github(?:\/instructions)?|claude)$/.test(base))
      || /^\.(?:cursor\/rules|claude\/rules|github(?:\/instructions)?|claude)$/.test(relDir);
    if (!inScope) continue;
    const text = ws.read(rel);
    if (!text) continue;
    const theirs = siblingKeys(rel, text);
    const { share, chars } = sharedShare(mine, theirs);
    if (share < MIN_SHARE || chars < MIN_SHARED_CHARS) continue;
    // one finding per pair, on the copy: AGENTS.md (read by most agents) is the one to keep; otherwise
    // the file more of which is shared (the later path on a tie)
    const isAgents = (r: string) => /(?:^|\/)AGENTS\.md$/.test(r);
    const back = sharedShare(theirs, mine).share;
    // the other file reports the pair when it can (its own share is over the bar too)
    if (isAgents(selfRel) && !isAgents(rel) && back >= MIN_SHARE) continue;
    if (!isAgents(rel) && !(isAgents(selfRel) && !isAgents(rel)) && (back > share || (back === share && rel > selfRel))) continue;
    const other = agentsLoading(`${ws.root}/${rel}`, parseFrontMatter(text), ws.root);
    const both = other.filter(l => l.when !== 'on-request' && myAgents.has(l.agent)).map(l => l.agent);
    // the same size measure for both: the shared characters at this file's tokens per character
    const tokens = Math.round(c.tokens * (chars / Math.max(1, c.text.length - c.bodyStart)));
    const name = rel.split('/').pop()!;
    const importable = /(?:^|\/)CLAUDE(?:\.local)?\.md$/.test(selfRel) && /\.md$/.test(rel);
    const how = importable
      ? `Replace the copy with an import, \`@${relDir === dir ? name : `/${rel}`}\`, so there is one source to keep current.`
      : 'Keep one and make the other a symlink to it (or an import where the agent supports one), so there is one source to keep current.';
    const paid = both.length ? `${[...new Set(both)].join(' and ')} load${both.length === 1 ? 's' : ''} both files and pay${both.length === 1 ? 's' : ''} for it twice on every request. ` : '';
    const start = c.blocks[0]?.start ?? c.bodyStart;
    const end = c.blocks[0] ? Math.min(c.blocks[0].end, (c.text.indexOf('\n', start) + 1 || c.blocks[0].end + 1) - 1) : start;
    out.push(finding('cross-file-duplicate', 'information', start, Math.max(start, end),
      `${formatPercent(share)} of this file (≈${formatTokens(tokens)} tokens) is also in ${rel}. ${paid}${how}`,
      both.length ? tokens : 0,
      importable ? [{ title: `Replace this file's content with @${relDir === dir ? name : `/${rel}`}`, edits: [{ start: c.bodyStart, end: c.text.length, newText: `@${relDir === dir ? name : `/${rel}`}\n` }], saving: 0, safe: false }] : [],
      [{ start: 0, end: 0, message: `Same instructions in ${rel}`, file: `${ws.root}/${rel}`, line: 1 }]));
  }
  return out;
}

/** Attach patterns that pull a big file into requests about unrelated files. */
const BROAD = /^\*\*\/\*\.(?:md|json|ya?ml|txt|\{[^}]*\})$|^\*\*\/\*$|^\*\*$/;
const BROAD_MIN_TOKENS = 2_000;

export function broadAttach(c: RuleContext): Finding[] {
  const field = c.frontMatter.fields.get('applyTo') ?? c.frontMatter.fields.get('globs');
  if (!field || c.tokens < BROAD_MIN_TOKENS) return [];
  const pats = patternsOf(field.value);
  const broad = pats.filter(p => matchesEverything(p) || BROAD.test(p));
  if (!broad.length) return [];
  const every = broad.some(matchesEverything);
  return [finding('broad-attach', 'warning', field.valueStart, field.valueEnd,
    `\`${field.key}: ${field.value}\` attaches these ${c.fmt(c.tokens)} tokens to ${every ? 'every request' : `every request that touches a ${broad.join(' or ')} file`}. Narrow it to the files these instructions are about.`,
    c.tokens)];
}
