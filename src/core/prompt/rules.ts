// The bloat rules. Each reads the RuleContext (blocks, cached facts, the target model) and returns
// findings with their fixes; none rescans the whole text with a regex, so all stay linear.
import { countingFor, applyFactor } from '../encodings';
import { inputCost, ratesFor } from '../cost';
import { formatPercent, formatRate, formatTokens, formatUSD } from '../format';
import { BLOB_MIN_TOKENS, BLOB_MIN_TOKENS_PER_CHAR, blobExtension, describeBlob, PROSE_TOKENS_PER_CHAR } from './blobs';
import { findDuplicates } from './duplicates';
import { finding, MAX_FINDINGS_PER_RULE, RuleContext } from './context';
import { removalRange } from './markdown';
import type { Block, Finding, Fix, TextEdit } from './types';

const KIND_NAME: Record<Block['kind'], string> = {
  heading: 'heading', paragraph: 'paragraph', 'list-item': 'list item', fence: 'code block', table: 'table',
};

// ---- over-budget --------------------------------------------------------------------------------

export function overBudget(c: RuleContext): Finding[] {
  if (c.tokens <= c.budget) return [];
  const first = c.blocks[0];
  const start = first ? first.start : c.bodyStart;
  let end = first ? c.text.indexOf('\n', start) : start;
  if (end < 0 || (first && end > first.end)) end = first ? first.end : start;
  const cost = inputCost(c.target.model, c.tokens);
  const why = c.alwaysLoaded
    ? 'Agents send this file with every request, so each of its tokens is paid on every call'
    : 'Every token is paid each time the prompt is used';
  return [finding('over-budget', 'warning', start, end,
    `${c.fmt(c.tokens)} tokens, ${c.fmt(c.tokens - c.budget)} over the ${formatTokens(c.budget)}-token budget for ${c.alwaysLoaded ? 'always-loaded files' : 'prompt files'} (tokenomics.promptBudgetTokens). ${why}${cost !== null ? ` (${formatUSD(cost)} per call on ${c.target.model!.id})` : ''}.`,
    c.tokens)];
}

// ---- duplicate-block ----------------------------------------------------------------------------

export function duplicateBlocks(c: RuleContext): Finding[] {
  const sigs = c.blocks.map((b, i) => (b.kind === 'heading' ? null : c.facts[i]!.dup));
  const out: Finding[] = [];
  for (const p of findDuplicates(sigs)) {
    const d = c.blocks[p.duplicate]!, o = c.blocks[p.original]!;
    const tokens = c.tok(d.raw);
    const kind = KIND_NAME[d.kind];
    const r = removalRange(c.text, d.start, d.end);
    const fix: Fix = { title: c.title(`Remove duplicate ${kind}`, tokens), edits: [{ ...r, newText: '' }], saving: tokens, safe: p.exact, preferred: true };
    if (fix.safe) c.safeFixes.push(fix);
    if (out.length >= MAX_FINDINGS_PER_RULE) continue;
    const msg = p.exact
      ? `Repeats the ${KIND_NAME[o.kind]} on line ${c.line(o.start)}: ${c.fmt(tokens)} tokens on every call that tell the model nothing new.`
      : `Nearly repeats the ${KIND_NAME[o.kind]} on line ${c.line(o.start)} (${Math.round(p.similarity * 100)}% of the same wording): ${c.fmt(tokens)} tokens on every call; keep one of them.`;
    out.push(finding('duplicate-block', p.exact ? 'warning' : 'information', d.start, d.end, msg, tokens, [fix],
      [{ start: o.start, end: o.end, message: 'First occurrence' }, { start: d.start, end: d.end, message: 'Repeated here' }]));
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
  for (const x of items) if (x.safe) c.safeFixes.push({ title: '', edits: x.edits, saving: c.tok(x.raw), safe: true });
  if (c.tok(totalRaw) < WS_MIN_FILE_TOKENS) return [];

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
  for (const r of regions) {
    const raw = r.reduce((s, x) => s + x.raw, 0);
    const tokens = c.tok(raw);
    if (tokens < 1) continue;
    if (out.length >= MAX_FINDINGS_PER_RULE) break;
    const whats = [...new Set(r.map(x => x.what))];
    const safe = r.every(x => x.safe);
    const name = whats.length > 1 ? 'Collapse whitespace' : whats[0] === 'blank lines' ? 'Collapse blank lines' : whats[0] === 'trailing spaces' ? 'Remove trailing spaces' : 'Remove deep indentation';
    const fix: Fix = { title: c.title(name, tokens), edits: r.flatMap(x => x.edits), saving: tokens, safe, preferred: true };
    out.push(finding('whitespace', 'information', r[0]!.start, r[r.length - 1]!.end,
      `${c.fmt(tokens)} tokens of whitespace (${whats.join(', ')}): the model reads them on every call and they change nothing.`,
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

// ---- lost-in-the-middle -------------------------------------------------------------------------

export const LONG_PROMPT_TOKENS = 3_000;
const MAX_MIDDLE_FINDINGS = 20;

export function lostInTheMiddle(c: RuleContext): Finding[] {
  if (c.tokens < LONG_PROMPT_TOKENS || c.blockRawSum <= 0) return [];
  const out: Finding[] = [];
  const first = c.blocks[0];
  const top = first && first.kind === 'heading' && c.blocks[1] ? c.blocks[1].start : first ? first.start : c.bodyStart;
  let before = 0;
  for (let i = 0; i < c.blocks.length && out.length < MAX_MIDDLE_FINDINGS; i++) {
    const b = c.blocks[i]!;
    const pos = before / c.blockRawSum;
    before += b.raw;
    if (pos < 1 / 3 || pos >= 2 / 3 || !c.facts[i]!.constraint) continue;
    const body = c.text.slice(b.start, b.end);
    const r = removalRange(c.text, b.start, b.end);
    out.push(finding('lost-in-the-middle', 'information', b.start, b.end,
      `A hard constraint ${Math.round(pos * 100)}% of the way into a ${c.fmt(c.tokens)}-token prompt: long-context models attend least to the middle third, so it is the most likely to be ignored. State it near the top.`,
      0, [{ title: c.title('Move constraint to the top', 0), edits: [{ start: top, end: top, newText: `${body}\n\n` }, { ...r, newText: '' }], saving: 0, safe: false }]));
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
