// The weekly summary webview. No remote code, no innerHTML with data: every string from the logs goes
// through textContent. Charts are plain SVG coloured by classes that use the VS Code theme's variables.
// Every figure is written by the same formatters as the Markdown export and the CLI (one vocabulary,
// to the cent), and agent names come with the summary from the engine: nothing here names an agent.
import type { Basis, WeekSummary } from '../core/week/types';
import {
  agentName, basisMark, basisNote, dayAgents, formatDuration, formatInt, formatMoney, formatShare, formatSmallMoney, headlineTexts, orList,
} from '../core/week/format';
import type { FromWebview, ToWebview } from './messages';
import { leakLedgers } from '../core/leaks/text';

interface VsCodeApi { postMessage(m: FromWebview): void; getState(): { week?: string } | undefined; setState(s: { week: string }): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
/** The theme's chart colours, by an agent's position in the summary: .series-0 … .series-5 in week.css. */
const SERIES = 6;
let firstRender = true;

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = String(v); else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function svg(tag: string, attrs?: Attrs, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}
function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return el('section', { id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), ...children);
}
function table(caption: string, head: string[], rows: string[][], opts: { hidden?: boolean; num?: number[] } = {}): HTMLTableElement {
  const num = opts.num ?? [];
  const t = el('table', { class: opts.hidden ? 'visually-hidden' : 'data' });
  t.append(el('caption', { class: opts.hidden ? undefined : 'visually-hidden' }, caption));
  const tr = el('tr');
  head.forEach((h, i) => tr.append(el('th', { scope: 'col', class: num.includes(i) ? 'num' : undefined }, h)));
  const tbody = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => row.append(i === 0 ? el('th', { scope: 'row', class: num.includes(i) ? 'num' : undefined }, c) : el('td', { class: num.includes(i) ? 'num' : undefined }, c)));
    tbody.append(row);
  }
  t.append(el('thead', {}, tr), tbody);
  return t;
}
const p = (...c: Child[]) => el('p', {}, ...c);
const muted = (...c: Child[]) => el('p', { class: 'muted' }, ...c);
const intOrDash = (v: number | null) => (v === null ? '—' : formatInt(v));

function dayChart(w: WeekSummary, agents: string[], name: (a: string) => string): HTMLElement {
  const byAgent = (d: WeekSummary['days'][number], a: string) => (d.byAgent as Record<string, number | undefined>)[a];
  const shown = dayAgents(w);
  const basisOf = new Map<string, Basis>(w.agents.map(a => [a.agent, a.basis]));
  const max = Math.max(0.01, ...w.days.map(d => d.costUSD));
  const W = 640, H = 200, pad = 28, bw = (W - pad * 2) / 7;
  const s = svg('svg', { viewBox: `0 0 ${W} ${H + 40}`, role: 'img', 'aria-labelledby': 'day-chart-title', class: 'chart', preserveAspectRatio: 'xMidYMid meet' });
  s.append(svg('title', { id: 'day-chart-title' }, `Spend per day, split by agent: ${w.days.map(d => `${d.date} ${basisMark(d.basis)}${formatMoney(d.costUSD)}`).join(', ')}`));
  s.append(svg('line', { x1: pad, x2: W - pad, y1: H, y2: H, class: 'axis' }));
  const weekday = new Intl.DateTimeFormat(navigator.language || 'en-US', { weekday: 'short', timeZone: 'UTC' });
  w.days.forEach((d, i) => {
    let y = H;
    for (const a of shown) {
      const v = byAgent(d, a) ?? 0;
      if (v <= 0) continue;
      const h = Math.max(1, (v / max) * (H - 20));
      y -= h;
      const r = svg('rect', { x: pad + i * bw + 6, y, width: bw - 12, height: h, class: `bar series-${agents.indexOf(a) % SERIES}` });
      r.append(svg('title', {}, `${d.date} · ${name(a)}: ${basisMark(basisOf.get(a))}${formatMoney(v)}`));
      s.append(r);
    }
    const x = pad + i * bw + bw / 2;
    s.append(svg('text', { x, y: y - 4, class: 'value', 'text-anchor': 'middle' }, d.costUSD > 0 ? basisMark(d.basis) + formatMoney(d.costUSD) : ''),
      svg('text', { x, y: H + 16, class: 'label', 'text-anchor': 'middle' }, weekday.format(new Date(`${d.date}T12:00:00Z`))),
      svg('text', { x, y: H + 32, class: 'label', 'text-anchor': 'middle' }, d.date.slice(5)));
  });
  const legend = el('ul', { class: 'legend', 'aria-hidden': 'true' }, ...shown.map(a => el('li', {}, el('span', { class: `swatch series-${agents.indexOf(a) % SERIES}` }), name(a))));
  const data = table('Spend per day by agent', ['Date', 'Spend', ...shown.map(name)],
    w.days.map(d => [d.date, basisMark(d.basis) + formatMoney(d.costUSD), ...shown.map(a => basisMark(basisOf.get(a)) + formatMoney(byAgent(d, a) ?? 0))]), { hidden: true });
  return el('div', { class: 'chart-wrap' }, s, legend, data);
}

/** rows: [label, value, text] */
function barList(caption: string, rows: [string, number, string][]): HTMLElement {
  const max = Math.max(0.000001, ...rows.map(r => r[1]));
  const list = el('ul', { class: 'bars', 'aria-label': caption });
  for (const [label, value, text] of rows) {
    const meter = svg('svg', { class: 'meter', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
    meter.append(svg('rect', { x: 0, y: 0, width: Math.max(0.5, (value / max) * 100), height: 8, class: 'bar' }));
    list.append(el('li', {}, el('span', { class: 'bar-label', title: label }, label), meter, el('span', { class: 'bar-value' }, text)));
  }
  return list;
}

function openLink(file: string, text: string): HTMLElement {
  const b = el('button', { class: 'link', type: 'button', title: file }, text);
  b.addEventListener('click', () => vscode.postMessage({ type: 'openTranscript', file }));
  return b;
}

function render(w: WeekSummary): void {
  const t0 = performance.now();
  vscode.setState({ week: w.range.weekStart });
  const name = (a: string) => agentName(w, a);
  // a colour per agent by its place in the engine's list, then any agent it did not name
  const agents = [...new Set([...w.agentNames.map(a => a.id), ...w.agents.map(a => a.agent), ...w.days.flatMap(d => Object.keys(d.byAgent))])];
  const h = headlineTexts(w);
  const main = el('main', {});

  main.append(el('nav', { class: 'nav', 'aria-label': 'Week' },
    el('button', { id: 'prev-week', type: 'button', title: `Previous week (${w.range.previousWeek})` }, '‹ Previous'),
    el('h1', { id: 'week-label', 'aria-live': 'polite' }, `Week of ${h.week}`),
    el('button', { id: 'next-week', type: 'button', title: `Next week (${w.range.nextWeek})`, disabled: w.range.isCurrent }, 'Next ›'),
    el('button', { id: 'export', type: 'button', class: 'secondary' }, 'Export…')));
  main.append(muted(`${w.range.timezone} · ${w.range.hours} hours`));

  const figure = (id: string, label: string, value: string, sub?: Child) => el('div', { class: 'figure' },
    el('div', { class: 'figure-label' }, label), el('div', { id, class: 'figure-value' }, value), sub ? el('div', { class: 'muted' }, sub) : null);
  main.append(el('div', { class: 'headline', role: 'group', 'aria-label': 'Headline' },
    figure('headline-spend', 'Spend', h.spend, el('span', { id: 'headline-change' }, h.change)),
    figure('headline-tokens', 'Tokens', h.tokens),
    figure('headline-requests', 'Requests', h.requests),
    figure('headline-sessions', 'Sessions', h.sessions)));
  const note = basisNote(w);
  if (note) main.append(el('p', { id: 'basis-note', class: 'muted' }, note));

  main.append(section('days', 'Spend per day', dayChart(w, agents, name)));

  main.append(section('breakdown', 'Where it went',
    el('div', { class: 'columns' },
      el('div', {}, el('h3', {}, 'By model'), barList('Spend by model', w.models.map(m => [`${m.model} · ${m.tier ?? 'unpriced'}`, m.costUSD, basisMark(m.basis) + formatMoney(m.costUSD)]))),
      el('div', {}, el('h3', {}, 'By agent'), barList('Spend by agent', w.agents.map(a => [name(a.agent), a.costUSD, basisMark(a.basis) + formatMoney(a.costUSD)]))),
      el('div', {}, el('h3', {}, 'By project'), barList('Spend by project', w.projects.slice(0, 12).map(pr => [pr.name, pr.costUSD, basisMark(pr.basis) + formatMoney(pr.costUSD)]))))));

  const c = w.cache;
  main.append(section('cache', 'Cache',
    p('Cache reads were ', el('strong', { id: 'cache-share' }, formatShare(c.readShare)), ` of input (${formatInt(c.cacheReadTokens)} of ${formatInt(c.promptTokens)} prompt tokens). Caching saved `,
      el('strong', { id: 'cache-savings' }, formatMoney(c.savingsUSD)), ` against paying full input price; cache writes cost ${formatMoney(c.writePremiumUSD)} over plain input.`)));

  const v = w.value;
  main.append(section('value', 'Value per token',
    p(`${formatInt(v.filesChanged)} files and ${formatInt(v.linesChanged)} lines changed, ${formatInt(v.commits)} commits, ${formatInt(v.testRuns)} test runs · `,
      el('strong', { id: 'value-per-line' }, formatSmallMoney(v.costPerChangedLine)), ' per changed line · ',
      el('strong', {}, intOrDash(v.outputTokensPerChangedLine)), ' output tokens per changed line (what a reviewer reads)'),
    table('Sessions and what they produced', ['Session', 'Spend', 'Files', 'Lines', 'Commits', 'Tests', 'Per line', 'Output / line'],
      v.sessions.slice(0, 20).map(s => [`${s.projectName} · ${s.sessionId.slice(0, 8)}`, formatMoney(s.costUSD), formatInt(s.filesChanged), formatInt(s.linesChanged),
        formatInt(s.commits), formatInt(s.testRuns), formatSmallMoney(s.costPerChangedLine), intOrDash(s.outputTokensPerChangedLine)]),
      { num: [1, 2, 3, 4, 5, 6, 7] }),
    v.wasteCandidates.length
      ? el('div', { class: 'callout', id: 'waste-candidates' }, el('strong', {}, `${v.wasteCandidates.length} session(s) over ${formatMoney(v.wasteThresholdUSD)} changed nothing: `),
        ...v.wasteCandidates.map((s, i) => el('span', {}, i ? ', ' : '', openLink(s.file, `${s.projectName} · ${s.sessionId.slice(0, 8)}`), ` (${formatMoney(s.costUSD)})`)))
      : p(`No session over ${formatMoney(v.wasteThresholdUSD)} ended without changes.`)));

  main.append(section('waste', 'Waste findings', w.waste.findings.length
    ? el('div', {}, p(`About ${formatInt(w.waste.tokens)} tokens, ${formatMoney(w.waste.costUSD)} (estimates).`),
      ...w.waste.findings.map(f => el('details', {}, el('summary', {}, `${f.title}: ${formatInt(f.tokens)} tokens, ${formatMoney(f.costUSD)}`),
        p(el('strong', {}, 'Fix: '), f.fix),
        table(f.title, ['Session', 'Detail', 'Count', 'Tokens', 'Cost'], f.items.map(i => [i.sessionId.slice(0, 8), i.detail, formatInt(i.count), formatInt(i.tokens), formatMoney(i.costUSD)]), { num: [2, 3, 4] }))))
    : p('None found.')));

  const b = w.contextBloat;
  main.append(section('bloat', 'Context bloat', b.sessions.length
    ? el('div', {}, p(`${b.sessions.length} session(s) ran above 60% of their context window. Their long-context turns cost ${formatMoney(b.longTurnsUSD)}; at a compacted size (${Math.round(b.compactedShare * 100)}% of the window) ${formatMoney(b.compactedUSD)}.`),
      table('Sessions above 60% of their context window', ['Session', 'Model', 'Peak', 'Long turns', 'Cost', 'Compacted'],
        b.sessions.slice(0, 10).map(s => [`${s.projectName} · ${s.sessionId.slice(0, 8)}`, s.model, formatShare(s.maxShare) + (s.level === 'critical' ? ' ⚠' : ''), formatInt(s.longTurns), formatMoney(s.longTurnsUSD), formatMoney(s.compactedUSD)]), { num: [2, 3, 4, 5] }))
    : p('No session ran above 60% of its context window.')));

  const ct = w.cheaperTier;
  main.append(section('cheaper', 'Cheaper tier (counterfactual)', muted(ct.note),
    ct.rows.length ? el('div', {}, p('Counterfactual saving: ', el('strong', {}, formatMoney(ct.savingsUSD))),
      table('Small frontier turns priced on the cheaper tier', ['Model', 'Cheaper tier', 'Requests', 'Actual', 'Counterfactual'],
        ct.rows.map(r => [r.model, r.alternative, formatInt(r.requests), formatMoney(r.actualUSD), formatMoney(r.alternativeUSD)]), { num: [2, 3, 4] }))
      : p('No small frontier-model turns this week.')));

  const ins = w.instructionFiles;
  main.append(section('instructions', 'Always-loaded instruction files', ins.files.length
    ? el('div', {}, muted(ins.note), table('Instruction files', ['File', 'Tokens', 'Requests', 'Cost'],
      ins.files.map(f => [f.path, `${f.approximate ? '≈' : ''}${formatInt(f.tokens)}`, formatInt(f.requests), formatMoney(f.costUSD)]), { num: [1, 2, 3] }))
    : p(`No ${orList(ins.names)} in this week's projects.`)));

  const top = el('ol', { class: 'top' });
  for (const s of w.topSessions) {
    top.append(el('li', {}, el('strong', {}, s.projectName), ` · ${name(s.agent)} · ${s.model} · ${formatDuration(s.durationMs)} · `,
      el('strong', {}, formatMoney(s.costUSD)), ' · ', openLink(s.file, 'Open transcript')));
  }
  main.append(section('top', 'Most expensive sessions', w.topSessions.length ? top : p('No sessions this week.')));

  if (w.leaks) {
    main.append(section('leaks', 'Where it leaked', ...leakLedgers(w.leaks, { money: formatMoney, int: formatInt }).map(l => el('details', {},
      el('summary', {}, `${l.title}: ${l.total}`), ...(l.fix ? [p(el('strong', {}, l.fix.startsWith('Fix: ') ? 'Fix: ' : ''), l.fix.replace(/^Fix: /, ''))] : []),
      ...(l.rows.length ? [table(l.title, l.head, l.rows, { num: l.head.map((_, i) => i).filter(i => i >= 2) })] : [])))));
  }

  if (w.quotas.length || w.quotaProblems.length) {
    main.append(section('quotas', 'Quotas',
      ...w.quotaProblems.map(q => el('p', { class: 'warning' }, `Invalid quota "${q.name}" (${q.field}): ${q.message}; ignored.`)),
      barList('Quota spend against limits', w.quotas.map(q => [q.name + (q.status === 'over' ? ' (over)' : q.status === 'warning' ? ' (near)' : ''), Math.min(q.share, 1),
        `${formatMoney(q.spentUSD)} of ${formatMoney(q.weeklyUSD)} (${formatShare(q.share)})`])),
      table('Quotas', ['Quota', 'Spent', 'Limit', 'Share'], w.quotas.map(q => [q.name, formatMoney(q.spentUSD), formatMoney(q.weeklyUSD), formatShare(q.share)]), { hidden: true })));
  }
  if (w.skipped.unpricedRequests) main.append(muted(`${w.skipped.unpricedRequests} request(s) of unpriced models are counted at $0.`));

  root().replaceChildren(main);
  document.getElementById('prev-week')!.addEventListener('click', () => navigate(w.range.previousWeek));
  document.getElementById('next-week')!.addEventListener('click', () => navigate(w.range.nextWeek));
  document.getElementById('export')!.addEventListener('click', () => vscode.postMessage({ type: 'export', week: w.range.weekStart }));
  vscode.postMessage({ type: 'rendered', week: w.range.weekStart, renderMs: performance.now() - t0, first: firstRender });
  firstRender = false;
}

function root(): HTMLElement { return document.getElementById('root')!; }

function navigate(week: string): void {
  root().setAttribute('aria-busy', 'true');
  vscode.postMessage({ type: 'navigate', week });
}

window.addEventListener('message', (e: MessageEvent<ToWebview | null>) => {
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  if (m.type === 'summary' && m.summary) { root().removeAttribute('aria-busy'); render(m.summary); }
  else if (m.type === 'error') {
    root().removeAttribute('aria-busy');
    root().replaceChildren(el('p', { class: 'warning', role: 'alert' }, `Could not load the weekly summary: ${String(m.message)}`));
  }
});
vscode.postMessage({ type: 'ready', week: vscode.getState()?.week });
