// Content of an always-loaded file that changes between requests or sessions: each change breaks
// the prompt-cache prefix, so the file (and everything after it) is written to the cache again at
// the cache-write price. Dates and versions "kept current", load-time shell injections, and
// instructions telling the agent to edit the file itself during a session.
import { formatUSD } from '../format';
import { finding, MAX_FINDINGS_PER_RULE, RuleContext } from './context';
import type { Finding } from './types';

const DATE = String.raw`(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{4})`;
const PATTERNS: { re: RegExp; what: string }[] = [
  // A "Last updated" line changes only when the file is edited, which re-writes the cache anyway: not
  // flagged. What changes by itself between sessions is: today's date, a running status or counter.
  { re: new RegExp(String.raw`\b(?:current date|today(?:'s date)? is|the date today is|current time)\b[^\n]{0,20}${DATE}`, 'i'), what: 'the current date' },
  { re: /\b(?:current|latest) (?:commit|sha|build number|sprint|status|iteration|session)\b\s*(?:is|:|=)\s*\S+/i, what: 'a status kept current between sessions' },
  { re: /(?:^|\s)!`[^`\n]+`/, what: 'a shell command that expands when the file loads' },
  { re: /\b(?:update|edit|append (?:\w+ ){0,4}to|add (?:\w+ ){0,3}to|record (?:\w+ ){0,3}in|write (?:\w+ ){0,3}(?:to|into)|log (?:\w+ ){0,3}in|keep)\b[^.\n]{0,50}\b(?:this file|CLAUDE\.md|AGENTS\.md|GEMINI\.md|this document|the memory file)\b/i, what: 'an instruction to edit this file during a session' },
];

export interface HostileHit { start: number; end: number; what: string }

/** The first cache-hostile phrase in a block's text (cached with the block's other facts). */
export function findCacheHostile(t: string): HostileHit | null {
  const s = t.length > 5000 ? t.slice(0, 5000) : t;
  for (const p of PATTERNS) {
    const hit = p.re.exec(s);
    if (!hit) continue;
    const lead = hit[0].length - hit[0].trimStart().length;
    return { start: hit.index + lead, end: hit.index + hit[0].length, what: p.what };
  }
  return null;
}

export function cacheHostile(c: RuleContext): Finding[] {
  if (!c.alwaysLoaded) return [];
  const out: Finding[] = [];
  const m = c.target.model;
  // the file is re-written to the cache once per change per session
  const rewrite = m ? (c.tokens * m.rates.cacheWrite5m) / 1e6 : null;
  const perWeek = rewrite !== null && c.sessionsPerWeek ? rewrite * c.sessionsPerWeek : null;
  const cost = rewrite === null ? ''
    : perWeek !== null
      ? ` Each change re-writes its ${c.fmt(c.tokens)} tokens to the prompt cache at the cache-write price (${formatUSD(rewrite)} on ${m!.id}) in every session: ≈${formatUSD(perWeek)}/week at ${c.sessionsPerWeek} sessions/week (this project's agent logs).`
      : ` Each change re-writes its ${c.fmt(c.tokens)} tokens to the prompt cache at the cache-write price: ${formatUSD(rewrite)} per session on ${m!.id}.`;
  c.blocks.forEach((b, i) => {
    if (c.claimed.has(i) || out.length >= MAX_FINDINGS_PER_RULE) return;
    const hit = c.facts[i]!.hostile;
    if (!hit) return;
    out.push(finding('cache-hostile', 'information', b.start + hit.start, b.start + hit.end,
      `${hit.what[0]!.toUpperCase()}${hit.what.slice(1)} in a file agents load first on every request: when it changes, the cached prompt prefix no longer matches.${cost}`,
      0));
  });
  return out;
}
