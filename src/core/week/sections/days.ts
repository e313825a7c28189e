// Spend per day of the week (with each agent's share), and the day × agent × model rows of the CSV export.
import { basisOf } from '../../agents/index';
import type { AgentId } from '../../agents/records';
import { Accumulator, round6 } from '../../usage/totals';
import type { WeekInput } from '../gather';
import type { DayRow, DaySpend } from '../types';

export function days(input: WeekInput): { days: DaySpend[]; dayRows: DayRow[] } {
  const byDay = new Map<string, { acc: Accumulator; byAgent: Map<AgentId, number> }>();
  const rows = new Map<string, { date: string; agent: AgentId; model: string; acc: Accumulator }>();
  for (const { r, cost, date } of input.records) {
    let d = byDay.get(date);
    if (!d) byDay.set(date, (d = { acc: new Accumulator(), byAgent: new Map() }));
    d.acc.add(r.usage, cost, basisOf(r), !r.aggregate);
    d.byAgent.set(r.agent, (d.byAgent.get(r.agent) ?? 0) + (cost ?? 0));
    const key = `${date}\0${r.agent}\0${r.model}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { date, agent: r.agent, model: r.model, acc: new Accumulator() }));
    row.acc.add(r.usage, cost, basisOf(r), !r.aggregate);
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    days: input.range.days.map(date => {
      const d = byDay.get(date);
      return { date, costUSD: round6(d?.acc.cost ?? 0), requests: d?.acc.requests ?? 0, tokens: d?.acc.tokens ?? 0, basis: d?.acc.basis ?? 'exact',
        byAgent: Object.fromEntries([...(d?.byAgent ?? [])].map(([a, c]) => [a, round6(c)])) };
    }),
    dayRows: [...rows.values()].map(r => ({ date: r.date, agent: r.agent, model: r.model, ...r.acc.totals() }))
      .sort((a, b) => cmp(a.date, b.date) || cmp(a.agent, b.agent) || cmp(a.model, b.model)),
  };
}
