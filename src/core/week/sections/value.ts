// Value per token: what each session changed (files, lines, commits, test runs) for what it cost, and
// the expensive sessions that changed nothing (waste candidates).
import { round6 } from '../../usage/totals';
import { peakContext, WeekInput } from '../gather';
import type { SessionValue, WeekSummary } from '../types';

/** Default of `tokenomics.wasteThresholdUSD`. */
export const DEFAULT_WASTE_THRESHOLD_USD = 2;

/** Each session's value, most expensive first: the rows the value, waste and top-sessions sections share. */
export function sessionValues(input: WeekInput): SessionValue[] {
  const values = input.sessions.map((s): SessionValue => {
    const act = s.activity;
    const lines = act.linesChanged;
    const cost = round6(s.acc.cost);
    return {
      agent: s.agent, sessionId: s.sessionId, project: s.project, projectName: input.projectName(s.project), model: s.topModel,
      start: s.start, end: s.end, durationMs: s.end - s.start,
      costUSD: cost, requests: s.acc.requests, outputTokens: s.acc.output, totalTokens: s.acc.tokens,
      filesChanged: act.filesChanged.length, linesChanged: lines, linesAdded: act.linesAdded, linesRemoved: act.linesRemoved,
      commits: act.commits, testRuns: act.testRuns,
      costPerChangedLine: lines > 0 ? cost / lines : null,
      outputTokensPerChangedLine: lines > 0 ? s.acc.output / lines : null,
      file: s.mainFile, maxContextShare: peakContext(s, input.modelOf)?.share ?? null,
    };
  });
  return values.sort((a, b) => b.costUSD - a.costUSD || b.totalTokens - a.totalTokens);
}

export function value(input: WeekInput, values: readonly SessionValue[]): WeekSummary['value'] {
  const threshold = input.opts.wasteThresholdUSD ?? DEFAULT_WASTE_THRESHOLD_USD;
  let cost = 0, output = 0;
  for (const w of input.records) { cost += w.cost ?? 0; output += w.r.usage.output; }
  const lines = values.reduce((n, v) => n + v.linesChanged, 0);
  return {
    sessions: [...values],
    filesChanged: values.reduce((n, v) => n + v.filesChanged, 0), linesChanged: lines,
    commits: values.reduce((n, v) => n + v.commits, 0), testRuns: values.reduce((n, v) => n + v.testRuns, 0),
    costPerChangedLine: lines > 0 ? round6(cost) / lines : null,
    outputTokensPerChangedLine: lines > 0 ? output / lines : null,
    wasteThresholdUSD: threshold,
    wasteCandidates: values.filter(v => v.costUSD > threshold && v.linesChanged === 0 && v.filesChanged === 0),
  };
}

/** The five most expensive sessions. */
export function topSessions(values: readonly SessionValue[]): SessionValue[] {
  return values.slice(0, 5);
}
