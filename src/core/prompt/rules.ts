// The bloat rules. Each reads the RuleContext (blocks, cached facts, the target model) and returns
// findings with their fixes; none rescans the whole text with a regex, so all stay linear.
import { countingFor, applyFactor } from '../encodings';
import { inputCost, ratesFor } from '../cost';
import { formatPercent, formatRate, formatTokens, formatUSD } from '../format';
import { BLOB_MIN_TOKENS, BLOB_MIN_TOKENS_PER_CHAR, blobExtension, describeBlob, PROSE_TOKENS_PER_CHAR } from './blobs';
import { findDuplicates } from './duplicates';
import { finding, MAX_FINDINGS_PER_RULE, RuleContext } from './context';
import type { AgentCount } from './analyze';
import { agentList } from './loaders';
import { headingTitle, removalRange } from './markdown';
import { fold, pathKey, specifics } from './scope';
import { textHash } from './textHash';
import type { Block, Finding, Fix, TextEdit } from './types';

const KIND_NAME: Record<Block['kind'], string> = {
  heading: 'heading', paragraph: 'paragraph', 'list-item': 'list item', fence: 'code block', table: 'table',
};

// ---- over-budget --------------------------------------------------------------------------------

export function overBudget(c: RuleContext): Finding[] {
  // a skill's reference files are opened in part when a task needs them: their size is not paid per use
  if (/(?:^|\/)skills\/[^/]+\/(?!SKILL\.md$).+$/i.test(c.path.replace(/\\/g, '/'))) return [];
  // each agent that loads the file counts it on its own tokenizer: AGENTS.md is exact o200k for Codex
  const counted = c.agentCounts.filter(a => a.when === 'always' || a.when === 'below');
  // An estimate crosses the budget only when the o200k count under it does too: a file 3% over on
  // the Claude ×1.15 estimate alone is within the estimate's error (two such on the real corpus).
  const over = counted.filter(a => a.tokens > c.budget && a.lowerBound > c.budget);
  const overTarget = c.tokens > c.budget && (c.target.counting.exact || c.raw > c.budget);
  if (counted.length ? !over.length : !overTarget) return [];
  const worst = over.length ? over.reduce((x, y) => (y.tokens > x.tokens ? y : x)) : undefined;
  const tokens = worst ? worst.tokens : c.tokens;
  const first = c.blocks[0];
  const start = first ? first.start : c.bodyStart;
  let end = first ? c.text.indexOf('\n', start) : start;
  if (end < 0 || (first && end > first.end)) end = first ? first.end : start;
  const cost = inputCost(c.target.model, c.tokens);
  const fmtAgent = (a: AgentCount) => `${a.exact ? '' : '≈'}${formatTokens(a.tokens)}`;
  const who = worst
    ? `${over.map(a => `${a.agent} counts ${fmtAgent(a)} tokens (${a.exact ? 'exact' : `estimate; ${formatTokens(a.lowerBound)} on o200k alone`})`).join(', ')}, ${worst.exact ? '' : '≈'}${formatTokens(worst.tokens - c.budget)} over`
    : `${c.fmt(c.tokens)} tokens, ${c.fmt(c.tokens - c.budget)} over`;
  const whenText = worst?.when === 'below' ? `${worst.agent} loads this file on every request while it works below ${worst.scope}` : c.alwaysLoaded
    ? `${agentList(c.loads.filter(l => l.when === 'always'))} load${c.loads.filter(l => l.when === 'always').length === 1 ? 's' : ''} this file with every request, so each of its tokens is paid on every call`
    : 'Every token is paid each time the prompt is used';
  // the biggest section below the title is the one to move out
  const top = Math.min(...c.sections.map(s => s.level));
  const soleTitle = c.sections.filter(x => x.level === top).length === 1;
  // never a title that holds (nearly) the whole file: moving it out is no advice
  const candidates = c.sections.filter(s => (s.level > top || !soleTitle) && s.share < 0.9);
  const biggest = candidates.sort((a, b) => b.tokens - a.tokens)[0];
  const move = biggest && biggest.share >= 0.1
    ? ` The largest section, “${biggest.title.slice(0, 60)}” (${c.fmt(biggest.tokens)} tokens, ${formatPercent(biggest.share)}), could move to a file the agent opens when the task needs it.`
    : '';
  return [finding('over-budget', 'warning', start, end,
    `${who} the ${formatTokens(c.budget)}-token budget for ${c.budget === c.settings.promptBudgetTokens.alwaysLoaded ? 'always-loaded files' : 'prompt files'} (tokenomics.promptBudgetTokens). ${whenText}${cost !== null ? ` (${formatUSD(cost)} per call on ${c.target.model!.id})` : ''}.${move}`,
    tokens)];
}

// ---- duplicate-block ----------------------------------------------------------------------------

/** A lead-in that limits its list to some files or cases. */
const SCOPING_LEAD_IN = /\b(?:only|apply|applies|applied|files?|when|if|unless|for)\b|\*\.|\.\w{1,5}\b/i;

/** Headings that announce a repeat: "Rules again", "Reminder: rules". */
const REPEAT_WORDS = /\b(?:again|reminder|repeated|repeat|recap|once more)\b|[():]/g;
function repeatless(s: string): string {
  return s.replace(REPEAT_WORDS, ' ').replace(/\s+/g, ' ').trim();
}
function sameTitle(a: string, b: string): boolean {
  return repeatless(a) === repeatless(b);
}

function quoteTitle(path: readonly string[], text: string, heading: number, blocks: readonly Block[]): string {
  if (heading < 0 || !path.length) return 'before the first heading';
  const b = blocks[heading]!;
  return `under “${headingTitle(text.slice(b.start, b.end)).slice(0, 60)}”`;
}

/** End index (exclusive) of the section opened by the heading at `h`. */
function sectionEnd(blocks: readonly Block[], h: number): number {
  const level = blocks[h]!.level ?? 1;
  let j = h + 1;
  while (j < blocks.length && !(blocks[j]!.kind === 'heading' && (blocks[j]!.level ?? 1) <= level)) j++;
  return j;
}

/** The text range a removed section takes: its heading up to the next heading (or the file end). */
function sectionRemoval(c: RuleContext, h: number, endIdx: number): { start: number; end: number } {
  const start = c.blocks[h]!.start;
  if (endIdx < c.blocks.length) return { start, end: c.blocks[endIdx]!.start };
  // at the end of the file: keep the line break that ends the content before it
  let s = start;
  while (s > c.bodyStart && /\s/.test(c.text[s - 1]!)) s--;
  return { start: s === c.bodyStart ? s : s + 1, end: c.text.length };
}

export function duplicateBlocks(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  const sc = c.scopes;
  const inDupSection = new Set<number>();
  const report = (f: Finding) => { if (out.length < MAX_FINDINGS_PER_RULE) out.push(f); };

  // 1. A whole section repeated word for word (its headings included): one finding for the section.
  // Each block has a content hash (its duplicate key, or the text's own hash when short); a section's
  // key is a polynomial hash of that sequence from prefix sums, so nested sections cost no rescans.
  const n = c.blocks.length;
  const h1 = new Int32Array(n + 1), h2 = new Int32Array(n + 1), p1 = new Int32Array(n + 1), p2 = new Int32Array(n + 1);
  const rawPrefix = new Float64Array(n + 1);
  p1[0] = 1; p2[0] = 1;
  for (let i = 0; i < n; i++) {
    const b = c.blocks[i]!;
    const d = c.facts[i]!.dup;
    const v = d ? d.exact : textHash(c.text, b.start, b.end, b.kind.length);
    const lo = (v % 0x7fffffff) | 0, hi = Math.floor(v / 0x7fffffff) | 0;
    h1[i + 1] = (Math.imul(h1[i]!, 0x01000193) + lo + b.kind.length) | 0;
    h2[i + 1] = (Math.imul(h2[i]!, 0x5bd1e995) + (hi ^ lo) + (b.level ?? 0)) | 0;
    p1[i + 1] = Math.imul(p1[i]!, 0x01000193);
    p2[i + 1] = Math.imul(p2[i]!, 0x5bd1e995);
    rawPrefix[i + 1] = rawPrefix[i]! + b.raw;
  }
  const rangeKey = (s: number, e: number) => `${e - s}:${(h1[e]! - Math.imul(h1[s]!, p1[e - s]!)) | 0}:${(h2[e]! - Math.imul(h2[s]!, p2[e - s]!)) | 0}`;
  const bySection = new Map<string, number>();
  for (let h = 0; h < n; h++) {
    if (c.blocks[h]!.kind !== 'heading' || inDupSection.has(h)) continue;
    const e = sectionEnd(c.blocks, h);
    if (e === h + 1) continue;
    if (rawPrefix[e]! - rawPrefix[h + 1]! < 12) continue;
    const key = `${c.blocks[h]!.level}|${rangeKey(h + 1, e)}`;
    const first = bySection.get(key);
    if (first === undefined) { bySection.set(key, h); continue; }
    for (let j = h; j < e; j++) inDupSection.add(j);
    const o = c.blocks[first]!, d = c.blocks[h]!;
    const oTitle = headingTitle(c.text.slice(o.start, o.end)), dTitle = headingTitle(c.text.slice(d.start, d.end));
    const parentsSame = sc[first]!.path.slice(0, -1).join('>') === sc[h]!.path.slice(0, -1).join('>');
    // the same content under another subject ("## Frontend" and "## Backend") may be scoped by it
    const safe = parentsSame && sameTitle(fold(oTitle), fold(dTitle));
    const r = sectionRemoval(c, h, e);
    const tokens = c.tok(rawPrefix[e]! - rawPrefix[h]!);
    const fix: Fix = { title: c.title(`Remove repeated section “${dTitle.slice(0, 40)}”`, tokens), edits: [{ ...r, newText: '' }], saving: tokens, safe, preferred: true };
    if (safe) c.safeFixes.push(fix);
    const lastEnd = c.blocks[e - 1]!.end;
    report(finding('duplicate-block', safe ? 'warning' : 'information', d.start, d.end,
      safe
        ? `This section repeats the section “${oTitle.slice(0, 60)}” on line ${c.line(o.start)} word for word: ${c.fmt(tokens)} tokens on every call that tell the model nothing new.`
        : `The content of this section (“${dTitle.slice(0, 60)}”) is the same as that of “${oTitle.slice(0, 60)}” on line ${c.line(o.start)}: ${c.fmt(tokens)} tokens on every call. If the two headings scope the same rules differently, keep both; otherwise keep one.`,
      tokens, [fix], [{ start: o.start, end: o.end, message: 'First occurrence' }, { start: d.start, end: lastEnd, message: 'Repeated here' }]));
  }

  // 2. Blocks repeated in their own scope: the same list (and parent item), or the same section.
  // Steps of numbered procedures never count: a procedure that runs the tests twice means it.
  const groups = new Map<string, number[]>();
  const eligible = (i: number) => {
    const b = c.blocks[i]!;
    return b.kind !== 'heading' && !inDupSection.has(i) && !sc[i]!.ordered && !c.claimed.has(i) && c.facts[i]!.dup !== null;
  };
  for (let i = 0; i < c.blocks.length; i++) {
    if (!eligible(i)) continue;
    const s = sc[i]!;
    // "## Rules again" is the scope of "## Rules": a paragraph repeated there is repeated in its own scope
    const key = s.list >= 0 ? `L${s.list}:${s.parent}` : `P${s.path.map(repeatless).join(' > ')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  const paired = new Set<number>();
  const safeByHeading = new Map<number, Fix[]>();
  const pairs: { o: number; d: number; exact: boolean; similarity: number }[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    for (const p of findDuplicates(g.map(i => c.facts[i]!.dup))) {
      const o = g[p.original]!, d = g[p.duplicate]!;
      // a line that differs in a URL, a path, a name or a number says something else; code that
      // differs a little is different code (an "Incorrect" / "Correct" pair is the lesson)
      if (!p.exact && (c.blocks[d]!.kind === 'fence' || c.blocks[d]!.kind === 'table')) continue;
      if (!p.exact && specifics(c.text.slice(c.blocks[o]!.start, c.blocks[o]!.end)) !== specifics(c.text.slice(c.blocks[d]!.start, c.blocks[d]!.end))) continue;
      pairs.push({ o, d, exact: p.exact, similarity: p.similarity });
      paired.add(d);
    }
  }
  pairs.sort((x, y) => x.d - y.d);
  for (const p of pairs) {
    const d = c.blocks[p.d]!, o = c.blocks[p.o]!;
    const tokens = c.tok(d.raw);
    const kind = KIND_NAME[d.kind];
    const r = removalRange(c.text, d.start, d.end);
    const fix: Fix = { title: c.title(`Remove duplicate ${kind}`, tokens), edits: [{ ...r, newText: '' }], saving: tokens, safe: p.exact, preferred: true };
    const where = sc[p.d]!.list >= 0 ? 'in the same list' : sc[p.d]!.heading === sc[p.o]!.heading ? 'in the same section' : `in a section of the same name (${quoteTitle(sc[p.o]!.path, c.text, sc[p.o]!.heading, c.blocks)})`;
    if (fix.safe) {
      const h = sc[p.d]!.heading;
      let l = safeByHeading.get(h);
      if (!l) safeByHeading.set(h, (l = []));
      l.push(fix);
    }
    report(finding('duplicate-block', p.exact ? 'warning' : 'information', d.start, d.end,
      p.exact
        ? `Repeats the ${KIND_NAME[o.kind]} on line ${c.line(o.start)} ${where}: ${c.fmt(tokens)} tokens on every call that tell the model nothing new.`
        : `Nearly repeats the ${KIND_NAME[o.kind]} on line ${c.line(o.start)} ${where} (${Math.round(p.similarity * 100)}% of the same wording): ${c.fmt(tokens)} tokens on every call; keep one of them.`,
      tokens, [fix], [{ start: o.start, end: o.end, message: 'First occurrence' }, { start: d.start, end: d.end, message: 'Repeated here' }]));
  }
  // A section left with nothing but its heading loses the heading too, in the same safe fix.
  for (const [h, fixes] of safeByHeading) {
    const e = h >= 0 ? sectionEnd(c.blocks, h) : -1;
    const emptied = h >= 0 && fixes.length === e - h - 1 && c.blocks.slice(h + 1, e).every(b => b.kind !== 'heading');
    if (!emptied) { c.safeFixes.push(...fixes); continue; }
    const r = sectionRemoval(c, h, e);
    const saving = fixes.reduce((s, f) => s + f.saving, 0) + c.tok(c.blocks[h]!.raw);
    c.safeFixes.push({ title: c.title('Remove emptied section', saving), edits: [{ ...r, newText: '' }], saving, safe: true });
  }

  // 3. The same list item word for word in another section's list: offered one by one, with both
  // sections named, never in Fix all. Not when a lead-in scopes either list ("Only apply to files
  // that end in .ts:"): there the repeat is the point. Paragraphs are left alone: on real files,
  // a sentence repeated across sections was each self-contained section's own rationale.
  const firstItem = new Map<number, number>();
  for (let i = 0; i < c.blocks.length; i++) {
    if (!eligible(i) || c.blocks[i]!.kind !== 'list-item') continue;
    const ex = c.facts[i]!.dup!.exact;
    const f = firstItem.get(ex);
    if (f === undefined) { firstItem.set(ex, i); continue; }
    const sf = sc[f]!, si = sc[i]!;
    // nested items belong to their parent step or branch: a sub-step repeated under two of them is not waste
    if (paired.has(i) || (sf.list === si.list && sf.parent === si.parent) || sf.parent >= 0 || si.parent >= 0
      || SCOPING_LEAD_IN.test(sf.leadIn) || SCOPING_LEAD_IN.test(si.leadIn)) continue;
    const d = c.blocks[i]!, o = c.blocks[f]!;
    const tokens = c.tok(d.raw);
    const r = removalRange(c.text, d.start, d.end);
    const here = quoteTitle(si.path, c.text, si.heading, c.blocks), there = quoteTitle(sf.path, c.text, sf.heading, c.blocks);
    const same = here === there ? ' in another list' : '';
    report(finding('duplicate-block', 'information', d.start, d.end,
      `The same list item as on line ${c.line(o.start)} (${there}), here ${here}${same}: ${c.fmt(tokens)} tokens on every call. If both places need it for their own subject, keep it; otherwise keep one.`,
      tokens, [{ title: c.title(`Remove the repeat ${here}`, tokens), edits: [{ ...r, newText: '' }], saving: tokens, safe: false }],
      [{ start: o.start, end: o.end, message: `First occurrence (${there})` }, { start: d.start, end: d.end, message: `Repeated here (${here})` }]));
  }
  // 4. Near repeats of a list item in another section's list, when they name the very same specifics
  // (paths, names, numbers: at least three) and share most of their wording: the same fact said twice.
  const top: number[] = [];
  for (let i = 0; i < c.blocks.length; i++) {
    const si = sc[i]!;
    if (eligible(i) && c.blocks[i]!.kind === 'list-item' && si.parent < 0 && !paired.has(i) && !SCOPING_LEAD_IN.test(si.leadIn)) top.push(i);
  }
  if (top.length > 1 && top.length < 20_000) {
    for (const p of findDuplicates(top.map(i => c.facts[i]!.dup))) {
      if (p.exact) continue;
      const oi = top[p.original]!, di = top[p.duplicate]!;
      const so = sc[oi]!, sd = sc[di]!;
      if (so.list === sd.list || pathKey(so) === pathKey(sd)) continue;
      const o = c.blocks[oi]!, d = c.blocks[di]!;
      const spec = specifics(c.text.slice(o.start, o.end));
      // the same words but for case and punctuation (similarity 1), or the same specifics
      const named = spec.split('\u0000').filter(Boolean).length;
      // three shared names, or one with nearly the same wording
      if (p.similarity < 1 && ((named < 3 && !(named >= 1 && p.similarity >= 0.8)) || spec !== specifics(c.text.slice(d.start, d.end)))) continue;
      const tokens = c.tok(d.raw);
      const r = removalRange(c.text, d.start, d.end);
      const here = quoteTitle(sd.path, c.text, sd.heading, c.blocks), there = quoteTitle(so.path, c.text, so.heading, c.blocks);
      report(finding('duplicate-block', 'information', d.start, d.end,
        p.similarity >= 1
          ? `The list item on line ${c.line(o.start)} (${there}) again, here ${here}, but for case and punctuation: ${c.fmt(tokens)} tokens on every call. If both places need it for their own subject, keep it; otherwise keep one.`
          : `Says again what the list item on line ${c.line(o.start)} says (${there}), here ${here}, with the same names and values (${Math.round(p.similarity * 100)}% of the same wording): ${c.fmt(tokens)} tokens on every call. Keep one of them.`,
        tokens, [{ title: c.title(`Remove the repeat ${here}`, tokens), edits: [{ ...r, newText: '' }], saving: tokens, safe: false }],
        [{ start: o.start, end: o.end, message: `First occurrence (${there})` }, { start: d.start, end: d.end, message: `Repeated here (${here})` }]));
    }
  }
  return out;
}

// ---- high-entropy-blob --------------------------------------------------------------------------

export function highEntropyBlobs(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  let n = 0;
  c.blocks.forEach((b, i) => {
    for (const blob of c.facts[i]!.blobs) {
      const chars = blob.end - blob.start;
      const tpc = blob.raw / chars;
      const shaped = blob.kind === 'minified' || blob.kind === 'lockfile';
      if (!(shaped ? blob.raw >= 100 : tpc >= BLOB_MIN_TOKENS_PER_CHAR && blob.raw >= BLOB_MIN_TOKENS)) continue;
      if (out.length >= MAX_FINDINGS_PER_RULE) return;
      const start = b.start + blob.start, end = b.start + blob.end;
      if (end - start >= (b.end - b.start) * 0.8) c.claimed.add(i);
      const tokens = c.tok(blob.raw);
      const what = describeBlob(blob.kind);
      const placeholder = `[${what}: ${formatTokens(chars)} characters removed]`;
      const name = `${c.stem}.blob-${++n}.${blobExtension(blob.kind)}`;
      const ref = blob.kind === 'data-uri' ? `./${name}` : `[${what} moved to ./${name}]`;
      const blobText = c.text.slice(start, end);
      const savePlaceholder = Math.max(0, tokens - c.tok(c.count(placeholder)));
      const saveMove = Math.max(0, tokens - c.tok(c.count(ref)));
      out.push(finding('high-entropy-blob', 'warning', start, end,
        `${capitalize(what)}: ${c.fmt(tokens)} tokens for ${formatTokens(chars)} characters (${(tpc / PROSE_TOKENS_PER_CHAR).toFixed(1)}× the tokens per character of prose). A model gets nothing from reading it, and it is paid on every call.`,
        tokens, [
          { title: c.title('Replace blob with placeholder', savePlaceholder), edits: [{ start, end, newText: placeholder }], saving: savePlaceholder, safe: false, preferred: true },
          { title: c.title(`Move blob to ${name} next to the prompt`, saveMove), edits: [{ start, end, newText: ref }], saving: saveMove, safe: false, createFile: { name, content: blob.kind === 'data-uri' ? blobText : `${blobText}\n` } },
        ]));
    }
  });
  return out;
}

function capitalize(s: string): string { return s ? s[0]!.toUpperCase() + s.slice(1) : s; }

// ---- log-dump -----------------------------------------------------------------------------------

export function logDumps(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  const limit = c.settings.logDumpLines;
  const keep = Math.max(1, Math.min(10, Math.floor(limit / 3)));
  c.blocks.forEach((b, i) => {
    const f = c.facts[i]!;
    f.logs.forEach((run, k) => {
      const lines = run.lineStarts.length;
      if (lines <= limit || out.length >= MAX_FINDINGS_PER_RULE) return;
      const blockText = (s: number, e: number) => c.text.slice(b.start + s, b.start + e);
      const memo = (key: string, fn: () => number) => {
        const memo = f.logMemo();
        let v = memo.get(key);
        if (v === undefined) { v = fn(); memo.set(key, v); }
        return v;
      };
      const rawAll = memo(`${k}:all`, () => c.count(blockText(run.start, run.end)));
      const midStart = run.lineStarts[keep]!, midEnd = run.lineStarts[lines - keep]!;
      const marker = `… ${formatTokens(lines - 2 * keep)} log lines elided …\n`;
      const rawSaving = memo(`${k}:${keep}`, () => Math.max(0, c.count(blockText(midStart, midEnd)) - c.count(marker)));
      if (run.end - run.start >= (b.end - b.start) * 0.8) c.claimed.add(i);
      const tokens = c.tok(rawAll), saving = c.tok(rawSaving);
      out.push(finding('log-dump', 'warning', b.start + run.start, b.start + run.end,
        `A pasted log or stack trace of ${formatTokens(lines)} lines (more than tokenomics.logDumpLines, ${limit}): ${c.fmt(tokens)} tokens on every call, while the first and last lines usually carry the error.`,
        tokens, [{ title: c.title('Keep head and tail of log', saving), edits: [{ start: b.start + midStart, end: b.start + midEnd, newText: marker }], saving, safe: false, preferred: true }]));
    });
  });
  return out;
}

// ---- large-code-block / large-data-block ----------------------------------------------------------

const LARGE_MIN_TOKENS = 800;
const LARGE_ALWAYS_TOKENS = 8_000;
const DATA_LANGS = new Set(['json', 'jsonc', 'json5', 'jsonl', 'ndjson', 'yaml', 'yml', 'csv', 'tsv', 'xml', 'toml', 'data', 'ini']);
// A Map: the key is a fence's tag from the file, and `constructor` must not find Object's
const EXT: ReadonlyMap<string, string> = new Map(Object.entries({
  typescript: 'ts', ts: 'ts', tsx: 'tsx', javascript: 'js', js: 'js', jsx: 'jsx', python: 'py', py: 'py', bash: 'sh', sh: 'sh',
  shell: 'sh', zsh: 'sh', json: 'json', jsonc: 'json', json5: 'json', jsonl: 'jsonl', ndjson: 'jsonl', yaml: 'yaml', yml: 'yaml',
  csv: 'csv', tsv: 'tsv', xml: 'xml', toml: 'toml', sql: 'sql', go: 'go', rust: 'rs', rs: 'rs', java: 'java', kotlin: 'kt',
  csharp: 'cs', cs: 'cs', cpp: 'cpp', c: 'c', ruby: 'rb', rb: 'rb', php: 'php', html: 'html', css: 'css', markdown: 'md', md: 'md',
}));
const LIST_RUN_MIN_ITEMS = 20;

function isLarge(c: RuleContext, tokens: number): boolean {
  return tokens >= LARGE_ALWAYS_TOKENS || (tokens >= LARGE_MIN_TOKENS && tokens >= 0.5 * (c.tokens - tokens));
}

export function largeBlocks(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  let codeN = 0, dataN = 0;
  const report = (start: number, end: number, raw: number, data: boolean, what: string, ext: string, content: string) => {
    const tokens = c.tok(raw);
    if (!isLarge(c, tokens)) return;
    if (out.length >= MAX_FINDINGS_PER_RULE) return;
    const name = `${c.stem}.${data ? 'data' : 'code'}-${data ? ++dataN : ++codeN}.${ext}`;
    const lines = content.split('\n').length;
    const ref = `See \`./${name}\` (${formatTokens(lines)} lines of ${what}); open it when the task needs it.`;
    const saving = Math.max(0, tokens - c.tok(c.count(ref)));
    out.push(finding(data ? 'large-data-block' : 'large-code-block', 'information', start, end,
      `${capitalize(what)} of ${c.fmt(tokens)} tokens, ${formatPercent(tokens / Math.max(1, c.tokens))} of the prompt, sent with every call. Keep the part the model needs, or move it to a file an agent can open when the task calls for it.`,
      tokens, [{ title: c.title(`Move ${data ? 'data' : 'code'} to ${name} next to the prompt`, saving), edits: [{ start, end, newText: ref }], saving, safe: false,
        createFile: { name, content: content.endsWith('\n') ? content : `${content}\n` } }]));
  };
  let listStart = -1, listRaw = 0, listItems = 0;
  const flushList = (endIdx: number) => {
    if (listStart >= 0 && listItems >= LIST_RUN_MIN_ITEMS) {
      const s = c.blocks[listStart]!.start, e = c.blocks[endIdx]!.end;
      report(s, e, listRaw, true, `a list of ${listItems} items`, 'md', c.text.slice(s, e));
    }
    listStart = -1; listRaw = 0; listItems = 0;
  };
  c.blocks.forEach((b, i) => {
    if (b.kind === 'list-item' && !c.claimed.has(i)) {
      if (listStart < 0) listStart = i;
      listRaw += b.raw; listItems++;
      return;
    }
    if (listStart >= 0) flushList(i - 1);
    if (c.claimed.has(i)) return;
    if (b.kind === 'fence') {
      const inner = c.text.slice(b.innerStart ?? b.start, b.innerEnd ?? b.end);
      const lang = b.lang ?? '';
      const data = DATA_LANGS.has(lang) || (!lang && /^\s*[[{]/.test(inner.slice(0, 200)));
      report(b.start, b.end, b.raw, data, data ? `a ${lang || 'JSON'} data block` : `a ${lang ? `${lang} ` : ''}code block`,
        EXT.get(lang) ?? (data ? 'json' : 'txt'), inner);
    } else if (b.kind === 'table') {
      report(b.start, b.end, b.raw, true, 'a table', 'md', c.text.slice(b.start, b.end));
    }
  });
  if (listStart >= 0) flushList(c.blocks.length - 1);
  return out;
}

// ---- whitespace ---------------------------------------------------------------------------------

interface WsItem { start: number; end: number; edits: TextEdit[]; raw: number; safe: boolean; what: 'trailing spaces' | 'blank lines' | 'deep indentation' }

const WS_MIN_FILE_TOKENS = 10;
const WS_MIN_FILE_SHARE = 0.01;
const WS_MIN_REGION_SHARE = 0.005;
const WS_MERGE_DISTANCE = 400;

export function whitespace(c: RuleContext, gapSaving: (gap: string, ideal: string) => number): Finding[] {
  const items: WsItem[] = [];
  let gi = 0;
  const pushGaps = (upTo: number) => {
    for (; gi < c.gaps.length && c.gaps[gi]!.start < upTo; gi++) {
      const g = c.gaps[gi]!;
      if (g.start < c.bodyStart) continue;
      const gapText = c.text.slice(g.start, g.end);
      const ideal = g.end >= c.text.length ? '' : '\n';
      if (gapText === ideal || gapText === '\r\n') continue;
      const raw = gapSaving(gapText, ideal);
      if (raw > 0) items.push({ start: g.start, end: g.end, edits: [{ start: g.start, end: g.end, newText: ideal }], raw, safe: true, what: 'blank lines' });
    }
  };
  c.blocks.forEach((b, i) => {
    pushGaps(b.start);
    const f = c.facts[i]!;
    if (f.trailingSaving > 0) {
      items.push({ start: b.start + f.trailing[0]!.start, end: b.start + f.trailing[f.trailing.length - 1]!.end,
        edits: f.trailing.map(t => ({ start: b.start + t.start, end: b.start + t.end, newText: '' })), raw: f.trailingSaving, safe: true, what: 'trailing spaces' });
    }
    if (f.dedent) {
      const d = f.dedent;
      // trailing-space edits inside the dedented span would overlap it: the dedent wins
      const prev = items[items.length - 1];
      if (prev && prev.what === 'trailing spaces' && prev.start < b.start + d.end && prev.end > b.start + d.start) items.pop();
      items.push({ start: b.start + d.start, end: b.start + d.end, edits: [{ start: b.start + d.start, end: b.start + d.end, newText: d.newText }], raw: d.saving, safe: false, what: 'deep indentation' });
    }
  });
  pushGaps(Infinity);
  const totalRaw = items.reduce((s, x) => s + x.raw, 0);
  // A few tokens of spaces in a long file is not worth a squiggle (nor a Fix all): it must be at least
  // 1% of the file. On the real-world corpus, 68 findings of 1-12 tokens in 7k-17k-token files were noise.
  if (c.tok(totalRaw) < Math.max(WS_MIN_FILE_TOKENS, c.tokens * WS_MIN_FILE_SHARE)) return [];
  for (const x of items) if (x.safe) c.safeFixes.push({ title: '', edits: x.edits, saving: c.tok(x.raw), safe: true });

  // neighbouring items become one finding, so a sloppy region is one squiggle with one fix
  const regions: WsItem[][] = [];
  for (const x of items) {
    const r = regions[regions.length - 1];
    const last = r?.[r.length - 1];
    if (r && last && x.start - last.end <= WS_MERGE_DISTANCE) r.push(x); else regions.push([x]);
  }
  const safeItems = items.filter(x => x.safe);
  const wholeSaving = c.tok(safeItems.reduce((s, x) => s + x.raw, 0));
  const whole: Fix | null = regions.length > 1 && safeItems.length
    ? { title: c.title('Collapse whitespace in the whole file', wholeSaving), edits: safeItems.flatMap(x => x.edits), saving: wholeSaving, safe: false }
    : null;
  const out: Finding[] = [];
  // each squiggle must be worth its place too: half a percent of the file
  const minRegion = Math.max(1, c.tokens * WS_MIN_REGION_SHARE);
  const when = c.loads.some(l => l.when !== 'on-request') || !c.loads.length && c.alwaysLoaded ? 'on every call' : 'each time the file is used';
  for (const r of regions) {
    const raw = r.reduce((s, x) => s + x.raw, 0);
    const tokens = c.tok(raw);
    if (tokens < minRegion) continue;
    if (out.length >= MAX_FINDINGS_PER_RULE) break;
    const whats = [...new Set(r.map(x => x.what))];
    const safe = r.every(x => x.safe);
    const name = whats.length > 1 ? 'Collapse whitespace' : whats[0] === 'blank lines' ? 'Collapse blank lines' : whats[0] === 'trailing spaces' ? 'Remove trailing spaces' : 'Remove deep indentation';
    const fix: Fix = { title: c.title(name, tokens), edits: r.flatMap(x => x.edits), saving: tokens, safe, preferred: true };
    out.push(finding('whitespace', 'information', r[0]!.start, r[r.length - 1]!.end,
      `${c.fmt(tokens)} tokens of whitespace (${whats.join(', ')}): the model reads them ${when} and they change nothing.`,
      tokens, whole ? [fix, whole] : [fix]));
  }
  return out;
}

// ---- filler -------------------------------------------------------------------------------------

export function filler(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  const all: { edit: TextEdit; saving: number; at: number; phrase: string }[] = [];
  c.blocks.forEach((b, i) => {
    for (const h of c.facts[i]!.filler) {
      // words the agent is told to say or quote ("> I need you to create…", "“Please make sure…”") are the user's text
      if (quoted(c.text, b.start + h.phraseStart)) continue;
      const phrase = c.text.slice(b.start + h.phraseStart, b.start + h.phraseEnd);
      const saving = c.tok(Math.max(0, c.count(phrase) - (h.newText.length > 1 ? c.count(h.newText) : 0)));
      all.push({ edit: { start: b.start + h.start, end: b.start + h.end, newText: h.newText }, saving, at: b.start + h.phraseStart, phrase });
    }
  });
  const total = all.reduce((s, x) => s + x.saving, 0);
  const removeAll: Fix | null = all.length > 1
    ? { title: c.title('Remove all filler', total), edits: all.map(x => x.edit), saving: total, safe: false } : null;
  for (const x of all) {
    if (out.length >= MAX_FINDINGS_PER_RULE) break;
    const phrase = x.phrase.replace(/\s+/g, ' ');
    const replaced = x.edit.newText.length > 1;
    const fix: Fix = { title: c.title(replaced ? `Replace with “${x.edit.newText}”` : 'Remove filler', x.saving), edits: [x.edit], saving: x.saving, safe: false, preferred: true };
    out.push(finding('filler', 'information', x.at, x.at + x.phrase.length,
      `“${phrase.slice(0, 60)}” is filler: ${c.fmt(x.saving)} tokens on every call that do not change what the model does.${replaced ? ` “${x.edit.newText}” says the same.` : ''}`,
      x.saving, removeAll ? [fix, removeAll] : [fix]));
  }
  return out;
}

/** Inside a block quote or an open quotation on its line. */
function quoted(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const before = text.slice(lineStart, at);
  if (/^\s*>/.test(before)) return true;
  const straight = (before.match(/"/g) ?? []).length;
  const open = (before.match(/[“«]/g) ?? []).length, close = (before.match(/[”»]/g) ?? []).length;
  return straight % 2 === 1 || open > close;
}

// ---- lost-in-the-middle -------------------------------------------------------------------------

/** Below this, a prompt is short enough that position inside it makes no measurable difference. */
export const LONG_PROMPT_TOKENS = 8_000;
const MAX_MIDDLE_FINDINGS = 20;
const MAX_CONSTRAINT_WORDS = 60;
// A constraint that opens with a condition or points at its neighbours is scoped by where it is.
const SCOPED_OPENING = /^(?:[-*+][ \t]+)?(?:\*\*)?(?:this|these|those|it|they|here|then|also|otherwise|when|whenever|if|for|in|on|after|before|during|unless|only|while|once|with|within|inside)\b/i;
const REFERS = /\b(?:above|below|the following|this (?:section|file|step|command|rule|list|case)|these|those|here|such)\b|:\s*$/i;

/**
 * A hard constraint that means the same wherever it stands: short, unconditional, not an item of an
 * introduced list or a step, not pointing at its neighbours, and an imperative rather than a label.
 */
function standsAlone(c: RuleContext, i: number): boolean {
  const b = c.blocks[i]!, s = c.scopes[i]!;
  if (!(b.kind === 'paragraph' || b.kind === 'list-item') || s.ordered || s.indent > 0 || s.leadIn) return false;
  const t = c.text.slice(b.start, b.end);
  if (t.length > 600 || (t.match(/\S+/g)?.length ?? 0) > MAX_CONSTRAINT_WORDS) return false;
  if (SCOPED_OPENING.test(t) || REFERS.test(t)) return false;
  // an imperative, not a label: "Impact: CRITICAL" or "Priority: IMPORTANT" rank a rule, they are not one
  return /\b(?:MUST|NEVER|DO NOT|DON'T|ALWAYS)\b|\b(?:IMPORTANT|CRITICAL|REQUIRED)\b\**\s*[:—-]\s*\S/.test(t) && !/:\s*\**\s*(?:CRITICAL|IMPORTANT|REQUIRED|HIGH)\b/.test(t);
}

export function lostInTheMiddle(c: RuleContext): Finding[] {
  if (c.tokens < LONG_PROMPT_TOKENS || c.blockRawSum <= 0) return [];
  const out: Finding[] = [];
  // the copy goes into a "Constraints" block near the top: after the title and its first paragraph
  const existing = c.blocks.findIndex(b => b.kind === 'heading' && /^(?:hard )?constraints$/.test(fold(headingTitle(c.text.slice(b.start, b.end)))));
  let at: number, header: string;
  if (existing >= 0) {
    const e = sectionEnd(c.blocks, existing);
    at = e < c.blocks.length ? c.blocks[e]!.start : c.text.length;
    header = '';
  } else {
    const first = c.blocks[0];
    at = first && first.kind === 'heading' && first.level === 1 && c.blocks[1] ? c.blocks[1].start : first ? first.start : c.bodyStart;
    header = `## Constraints\n\n`;
  }
  let before = 0;
  for (let i = 0; i < c.blocks.length && out.length < MAX_MIDDLE_FINDINGS; i++) {
    const b = c.blocks[i]!;
    const pos = before / c.blockRawSum;
    before += b.raw;
    if (pos < 1 / 3 || pos >= 2 / 3 || !c.facts[i]!.constraint || !standsAlone(c, i)) continue;
    const line = `- ${c.text.slice(b.start, b.end).replace(/^[-*+][ \t]+/, '').replace(/\s*\n\s*/g, ' ')}`;
    const insert = existing >= 0 ? `${line}\n\n` : `${header}${line}\n\n`;
    const added = c.tok(c.count(insert));
    out.push(finding('lost-in-the-middle', 'information', b.start, b.end,
      `A hard constraint ${Math.round(pos * 100)}% of the way into a ${c.fmt(c.tokens)}-token prompt, under headings it does not depend on: long-context models attend least to the middle, so it is the most likely to be missed. Repeat it in a “Constraints” block at the top (it stays here too).`,
      0, [{ title: `Copy constraint to a “Constraints” block at the top (+${c.fmt(added)} tokens)`, edits: [{ start: at, end: at, newText: insert }], saving: 0, safe: false }]));
  }
  return out;
}

// ---- long-context-cliff -------------------------------------------------------------------------

export function longContextCliff(c: RuleContext): Finding[] {
  const m = c.target.model;
  if (!m || !m.longContext.length) return [];
  const crossed = [...m.longContext].reverse().find(t => c.tokens > t.threshold);
  if (!crossed) return [];
  // the block where the running count passes the threshold
  let acc = 0, at = c.blocks[c.blocks.length - 1];
  const scale = c.blockRawSum > 0 ? c.tokens / c.tok(c.blockRawSum) : 1;
  for (const b of c.blocks) { acc += b.raw; if (c.tok(acc) * scale > crossed.threshold) { at = b; break; } }
  const start = at ? at.start : 0, end = at ? Math.min(at.end, (c.text.indexOf('\n', at.start) + 1 || at.end + 1) - 1) : 0;
  const base = inputCost({ ...m, longContext: [] }, c.tokens)!, high = inputCost(m, c.tokens)!;
  const rates = ratesFor(m, c.tokens);
  return [finding('long-context-cliff', 'warning', start, Math.max(start, end),
    `The prompt alone is ${c.fmt(c.tokens)} tokens, past ${m.id}'s ${formatTokens(crossed.threshold)}-token long-context threshold: every token of each request that includes it is billed at ${formatRate(rates.input)} instead of ${formatRate(m.rates.input)} (${formatUSD(high)} instead of ${formatUSD(base)} per call for the prompt alone). Trim ${c.fmt(c.tokens - crossed.threshold)} tokens to stay under it.`,
    c.tokens)];
}

// ---- cheaper-tier -------------------------------------------------------------------------------

const SIMPLE = /\b(?:format(?:ting)?|reformat|extract(?:ion)?|rename|summari[sz]e|summary|convert|translate|classify|categori[sz]e|label|tag|sort|proofread|spelling|typos?|capitali[sz]e|title case|commit messages?|changelog|bullet points?|one-line|tl;dr)\b/g;
const COMPLEX = /\b(?:design|architect\w*|reason\w*|plan(?:ning)?|analy[sz]e|analysis|debug\w*|investigat\w*|prove|proof|refactor\w*|trade-?offs?|strateg\w*|security|threat|optimi[sz]\w*|migrat\w*|review\w*|diagnos\w*|root cause|algorithm\w*|implement\w*|complex|research|evaluate|critique)\b/;
const SIMPLE_MAX_TOKENS = 3_000;

export function cheaperTier(c: RuleContext): Finding[] {
  const field = c.frontMatter.fields.get('model');
  const m = c.target.model;
  if (!field || !m || m.tier !== 'frontier' || c.tokens > SIMPLE_MAX_TOKENS) return [];
  const body = c.text.slice(c.bodyStart, c.bodyStart + 50_000).toLowerCase();
  const descr = (c.frontMatter.fields.get('description')?.value ?? '').toLowerCase();
  const wording = `${descr}\n${body}`;
  if (COMPLEX.test(wording)) return [];
  const simple = [...new Set(wording.match(SIMPLE) ?? [])];
  if (!simple.length) return [];
  const cost = inputCost(m, c.tokens);
  if (!cost) return [];
  const alternatives = c.alternatives(m).reverse();
  if (!alternatives.length) return [];
  const fixes: Fix[] = alternatives.map((alt, k) => {
    const altTokens = applyFactor(Math.round(c.tokens / (c.target.counting.exact ? 1 : c.target.counting.factor)), countingFor(alt));
    const altCost = inputCost(alt, altTokens) ?? cost;
    const pct = Math.max(0, Math.round((1 - altCost / cost) * 100));
    return { title: `Switch to ${alt.id} (−${pct}% per call)`, edits: [{ start: field.valueStart, end: field.valueEnd, newText: alt.id }], saving: 0, safe: false, preferred: k === 0 };
  });
  const best = alternatives[0]!;
  const bestPct = /−(\d+)%/.exec(fixes[0]!.title)?.[1] ?? '?';
  return [finding('cheaper-tier', 'information', field.valueStart, field.valueEnd,
    `${m.id} is a frontier model, and this prompt reads as a simple task (${simple.slice(0, 4).join(', ')}) with no design or reasoning wording. ${best.id}, the ${best.tier} tier of the same family, costs ${bestPct}% less per call.`,
    0, fixes)];
}
