// Code lenses of a prompt file: its size and cost per call on the configured model; who loads it and
// when, with a weekly cost priced like the bill (only the requests of the agents that read the file,
// at the project's measured cache-read share); and the share of each section that matters.
import { CodeLens, Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { requestCost, ZERO_USAGE } from '../../core/cost';
import { formatPercent, formatTokens, formatUSD } from '../../core/format';
import { agentList } from '../../core/prompt';
import type { PromptAnalysis } from '../../core/prompt';
import { range } from './convert';

/** An agent's requests in the project over the last 7 days and how much of their input came from cache. */
export interface AgentWeek { requests: number; sessions: number; input: number; cacheRead: number; cacheWrite: number }

/** Sections under this share of the file get no lens: a lens per line of noise helps nobody. */
const MIN_SECTION_SHARE = 0.02;

export function codeLenses(doc: TextDocument, a: PromptAnalysis, assumedPerWeek: number, week: ReadonlyMap<string, AgentWeek> | undefined): CodeLens[] {
  const top = Range.create(0, 0, 0, 0);
  const approx = a.estimate ? '≈' : '';
  const model = a.target.model;
  const cost = formatUSD(a.costPerCall, { unpriced: `${a.target.id} is unpriced` });
  const share = a.contextShare === null ? 'context window unknown' : `${formatPercent(a.contextShare)} of the ${formatTokens(model!.contextWindow!)}-token context`;
  const lenses: CodeLens[] = [{
    range: top,
    command: { title: `${a.fmt(a.tokens)} tokens · ${a.costPerCall === null ? cost : `${approx}${cost} per call`} on ${model?.id ?? a.target.id} · ${share}`, command: 'tokenomics.selectModel' },
  }];
  const loaded = loadLens(a, assumedPerWeek, week);
  if (loaded) lenses.push({ range: top, command: { title: loaded, command: '' } });
  if (a.imports.length) {
    const pulled = a.imports.reduce((s, i) => s + i.tokens, 0);
    lenses.push({ range: top, command: { title: `Imports ${a.imports.slice(0, 3).map(i => `${i.written} (${a.fmt(i.tokens)})`).join(', ')}${a.imports.length > 3 ? ` and ${a.imports.length - 3} more` : ''}: ${a.fmt(a.tokens + pulled)} tokens loaded with this file`, command: '' } });
  }
  if (a.descriptionTokens) {
    lenses.push({ range: top, command: { title: `Its description (${a.fmt(a.descriptionTokens)} tokens) sits in Claude Code's main context on every request; the body loads only when the sub-agent runs`, command: '' } });
  }
  for (const s of a.sections) {
    // a title section holding the whole file repeats the first lens
    if (s.share < MIN_SECTION_SHARE || s.share > 0.98) continue;
    lenses.push({
      range: range(doc, s.start, s.start),
      command: { title: `${a.fmt(s.tokens)} tokens · ${formatPercent(s.share)} of the file`, command: '' },
    });
  }
  return lenses;
}

function loadLens(a: PromptAnalysis, assumedPerWeek: number, week: ReadonlyMap<string, AgentWeek> | undefined): string | undefined {
  const always = a.loads.filter(l => l.when === 'always');
  const below = a.loads.filter(l => l.when === 'below');
  const matching = a.loads.filter(l => l.when === 'matching');
  const model = a.target.model;
  if (always.length && model) {
    // only the agents whose logs we read can be measured; the others are named but not priced
    const measured = always.filter(l => l.logId && week?.get(l.logId));
    if (measured.length) {
      let usd = 0, requests = 0, read = 0, total = 0;
      const parts: string[] = [];
      for (const l of measured) {
        const w = week!.get(l.logId!)!;
        const input = w.input + w.cacheRead + w.cacheWrite;
        const cached = input > 0 ? w.cacheRead / input : 0;
        // each request reads the file: from cache at the measured share, else as fresh input
        const per = requestCost(model, { ...ZERO_USAGE, input: Math.round(a.tokens * (1 - cached)), cacheRead: Math.round(a.tokens * cached) }) ?? 0;
        usd += per * w.requests;
        requests += w.requests; read += w.cacheRead; total += input;
        parts.push(`${l.agent} ${formatTokens(w.requests)} requests`);
      }
      const unmeasured = always.filter(l => !measured.includes(l));
      return `Loaded on every request: ≈${formatUSD(usd)}/week for ${parts.join(', ')} in this project (last 7 days, ${formatPercent(total > 0 ? read / total : 0)} of input from cache); ${a.fmt(a.tokens * requests)} tokens/week${unmeasured.length ? ` · also read by ${agentList(unmeasured)} (not measured)` : ''}`;
    }
    const perCall = a.costPerCall ?? 0;
    return `Loaded on every request by ${agentList(always)}: ≈${formatUSD(perCall * assumedPerWeek)}/week at an assumed ${formatTokens(assumedPerWeek)} requests/week (tokenomics.assumedRequestsPerWeek), uncached; ${a.fmt(a.tokens * assumedPerWeek)} tokens/week`;
  }
  if (always.length) return `Loaded on every request by ${agentList(always)}`;
  if (below.length) return `Loaded by ${agentList(below)} on every request while it works below ${below[0]!.scope}/`;
  if (matching.length) return `Attached by ${agentList(matching)} when the task touches files matching ${matching[0]!.scope}`;
  return undefined;
}
