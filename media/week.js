// The weekly summary webview. No remote code, no innerHTML with data: every string from the logs goes
// through textContent. Charts are plain SVG coloured by classes that use the VS Code theme's variables.
// The formatting functions at the top are also loaded by the unit tests (CommonJS), which check that
// the figures shown here agree to the cent with the Markdown export and the CLI.
(function () {
  'use strict';

  const AGENTS = ['claude-code', 'codex', 'gemini', 'copilot', 'cline', 'roo', 'kilo', 'opencode', 'continue'];
  const AGENT_NAMES = { 'claude-code': 'Claude Code', codex: 'Codex CLI', gemini: 'Gemini CLI', copilot: 'GitHub Copilot', cline: 'Cline', roo: 'Roo Code', kilo: 'Kilo Code', opencode: 'OpenCode', continue: 'Continue' };

  function moneyFormat(locale) {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  /** Dollars to the cent: rounded exactly as src/core/weekExport.ts formatMoney rounds. */
  function fmtMoney(v, locale) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '—';
    const s = moneyFormat(locale).format(Math.round(v * 100) / 100);
    return s === moneyFormat(locale).format(-0) || s === '-$0.00' ? moneyFormat(locale).format(0) : s;
  }
  function fmtSmallMoney(v, locale) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '—';
    if (Math.abs(v) >= 1) return fmtMoney(v, locale);
    return new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', minimumFractionDigits: 4, maximumFractionDigits: 4 }).format(v);
  }
  function fmtInt(n, locale) { return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(Math.round(n)); }
  function fmtShare(s, locale) { return s === null || s === undefined ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(s); }
  function fmtChange(p) {
    if (p === null || p === undefined || !Number.isFinite(p)) return 'new';
    const r = Math.round(p);
    return r === 0 ? '±0%' : (r > 0 ? '+' : '−') + Math.abs(r) + '%';
  }
  function fmtMoneyChange(v, locale) {
    const s = fmtMoney(Math.abs(v), locale);
    return s === fmtMoney(0, locale) ? s : (v > 0 ? '+' : '−') + s;
  }
  function fmtDuration(ms) {
    const m = Math.round(ms / 60000);
    return m < 60 ? m + ' min' : Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }
  /** The headline figures, as src/core/weekExport.ts headlineTexts writes them (en-US there). */
  function headlineTexts(w, locale) {
    const h = w.headline;
    return {
      spend: fmtMoney(h.spendUSD, locale), tokens: fmtInt(h.tokens, locale), requests: fmtInt(h.requests, locale), sessions: fmtInt(h.sessions, locale),
      change: fmtMoneyChange(h.change.spendUSD, locale) + ' (' + fmtChange(h.change.spendPercent) + ') vs previous week',
      week: w.range.weekStart + ' – ' + w.range.weekEnd,
    };
  }

  const api = { fmtMoney, fmtSmallMoney, fmtInt, fmtShare, fmtChange, fmtMoneyChange, fmtDuration, headlineTexts };
  if (typeof module === 'object' && module && module.exports) { module.exports = api; return; }

  // ---- the webview ------------------------------------------------------------------------------------

  const vscode = acquireVsCodeApi();
  const locale = navigator.language || 'en-US';
  const SVG = 'http://www.w3.org/2000/svg';
  let current = null;
  let firstRender = true;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v; else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }
  function section(id, title, ...children) {
    return el('section', { id, 'aria-labelledby': id + '-title' }, el('h2', { id: id + '-title' }, title), ...children);
  }
  function table(caption, head, rows, opts) {
    const o = opts || {};
    const t = el('table', { class: o.hidden ? 'visually-hidden' : 'data' });
    t.append(el('caption', { class: o.hidden ? undefined : 'visually-hidden' }, caption));
    const thead = el('thead'), tr = el('tr');
    head.forEach((h, i) => tr.append(el('th', { scope: 'col', class: (o.num || []).includes(i) ? 'num' : undefined }, h)));
    thead.append(tr);
    const tbody = el('tbody');
    for (const r of rows) {
      const row = el('tr');
      r.forEach((c, i) => row.append(el(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : undefined, class: (o.num || []).includes(i) ? 'num' : undefined }, c)));
      tbody.append(row);
    }
    t.append(thead, tbody);
    return t;
  }
  function p(...c) {
    if (c[0] && typeof c[0] === 'object' && !(c[0] instanceof Node)) return el('p', c[0], ...c.slice(1));
    return el('p', {}, ...c);
  }

  function dayChart(w) {
    const agents = AGENTS.filter(a => w.days.some(d => d.byAgent[a] !== undefined));
    const max = Math.max(0.01, ...w.days.map(d => d.costUSD));
    const W = 640, H = 200, pad = 28, bw = (W - pad * 2) / 7;
    const label = 'Spend per day, split by agent: ' + w.days.map(d => d.date + ' ' + fmtMoney(d.costUSD, locale)).join(', ');
    const s = svg('svg', { viewBox: '0 0 ' + W + ' ' + (H + 40), role: 'img', 'aria-labelledby': 'day-chart-title', class: 'chart', preserveAspectRatio: 'xMidYMid meet' });
    const title = svg('title', { id: 'day-chart-title' });
    title.textContent = label;
    s.append(title);
    s.append(svg('line', { x1: pad, x2: W - pad, y1: H, y2: H, class: 'axis' }));
    w.days.forEach((d, i) => {
      let y = H;
      for (const a of agents) {
        const v = d.byAgent[a] || 0;
        if (v <= 0) continue;
        const h = Math.max(1, (v / max) * (H - 20));
        y -= h;
        const r = svg('rect', { x: pad + i * bw + 6, y, width: bw - 12, height: h, class: 'bar agent-' + a });
        const t = svg('title');
        t.textContent = d.date + ' · ' + AGENT_NAMES[a] + ': ' + fmtMoney(v, locale);
        r.append(t);
        s.append(r);
      }
      const value = svg('text', { x: pad + i * bw + bw / 2, y: y - 4, class: 'value', 'text-anchor': 'middle' });
      value.textContent = d.costUSD > 0 ? fmtMoney(d.costUSD, locale) : '';
      const day = svg('text', { x: pad + i * bw + bw / 2, y: H + 16, class: 'label', 'text-anchor': 'middle' });
      day.textContent = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(d.date + 'T12:00:00Z'));
      const date = svg('text', { x: pad + i * bw + bw / 2, y: H + 32, class: 'label', 'text-anchor': 'middle' });
      date.textContent = d.date.slice(5);
      s.append(value, day, date);
    });
    const legend = el('ul', { class: 'legend', 'aria-hidden': 'true' }, ...agents.map(a => el('li', {}, el('span', { class: 'swatch agent-' + a }), AGENT_NAMES[a])));
    const data = table('Spend per day by agent', ['Date', 'Spend', ...agents.map(a => AGENT_NAMES[a])],
      w.days.map(d => [d.date, fmtMoney(d.costUSD, locale), ...agents.map(a => fmtMoney(d.byAgent[a] || 0, locale))]), { hidden: true });
    return el('div', { class: 'chart-wrap' }, s, legend, data);
  }

  function barList(caption, rows) {
    // rows: [label, value, text]
    const max = Math.max(0.000001, ...rows.map(r => r[1]));
    const list = el('ul', { class: 'bars', 'aria-label': caption });
    for (const [label, value, text] of rows) {
      const meter = svg('svg', { class: 'meter', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' });
      meter.append(svg('rect', { x: 0, y: 0, width: Math.max(0.5, (value / max) * 100), height: 8, class: 'bar' }));
      list.append(el('li', {}, el('span', { class: 'bar-label', title: label }, label), meter, el('span', { class: 'bar-value' }, text)));
    }
    return list;
  }

  function openLink(file, text) {
    const b = el('button', { class: 'link', type: 'button', title: file }, text);
    b.addEventListener('click', () => vscode.postMessage({ type: 'openTranscript', file }));
    return b;
  }

  function render(w) {
    const t0 = performance.now();
    current = w;
    vscode.setState({ week: w.range.weekStart });
    const h = headlineTexts(w, locale);
    const root = document.getElementById('root');
    const main = el('main', {});

    const nav = el('nav', { class: 'nav', 'aria-label': 'Week' },
      el('button', { id: 'prev-week', type: 'button', title: 'Previous week (' + w.range.previousWeek + ')' }, '‹ Previous'),
      el('h1', { id: 'week-label', 'aria-live': 'polite' }, 'Week of ' + h.week),
      el('button', { id: 'next-week', type: 'button', title: 'Next week (' + w.range.nextWeek + ')', disabled: w.range.isCurrent }, 'Next ›'),
      el('button', { id: 'export', type: 'button', class: 'secondary' }, 'Export…'));
    main.append(nav, el('p', { class: 'muted' }, w.range.timezone + ' · ' + w.range.hours + ' hours'));

    const figure = (id, label, value, sub) => el('div', { class: 'figure' }, el('div', { class: 'figure-label' }, label), el('div', { id, class: 'figure-value' }, value), sub ? el('div', { class: 'muted' }, sub) : null);
    main.append(el('div', { class: 'headline', role: 'group', 'aria-label': 'Headline' },
      figure('headline-spend', 'Spend', h.spend, el('span', { id: 'headline-change' }, h.change)),
      figure('headline-tokens', 'Tokens', h.tokens),
      figure('headline-requests', 'Requests', h.requests),
      figure('headline-sessions', 'Sessions', h.sessions)));

    main.append(section('days', 'Spend per day', dayChart(w)));

    main.append(section('breakdown', 'Where it went',
      el('div', { class: 'columns' },
        el('div', {}, el('h3', {}, 'By model'), barList('Spend by model', w.models.map(m => [m.model + ' · ' + (m.tier || 'unpriced'), m.costUSD, fmtMoney(m.costUSD, locale)]))),
        el('div', {}, el('h3', {}, 'By agent'), barList('Spend by agent', w.agents.map(a => [AGENT_NAMES[a.agent] || a.agent, a.costUSD, fmtMoney(a.costUSD, locale)]))),
        el('div', {}, el('h3', {}, 'By project'), barList('Spend by project', w.projects.slice(0, 12).map(pr => [pr.name, pr.costUSD, fmtMoney(pr.costUSD, locale)]))))));

    const c = w.cache;
    main.append(section('cache', 'Cache',
      p('Cache reads were ', el('strong', { id: 'cache-share' }, fmtShare(c.readShare, locale)), ' of input (' + fmtInt(c.cacheReadTokens, locale) + ' of ' + fmtInt(c.promptTokens, locale) + ' prompt tokens). Caching saved ',
        el('strong', { id: 'cache-savings' }, fmtMoney(c.savingsUSD, locale)), ' against paying full input price; cache writes cost ' + fmtMoney(c.writePremiumUSD, locale) + ' over plain input.')));

    const v = w.value;
    main.append(section('value', 'Value per token',
      p(fmtInt(v.filesChanged, locale) + ' files and ' + fmtInt(v.linesChanged, locale) + ' lines changed, ' + fmtInt(v.commits, locale) + ' commits, ' + fmtInt(v.testRuns, locale) + ' test runs · ',
        el('strong', {}, fmtSmallMoney(v.costPerChangedLine, locale)), ' per changed line · ',
        el('strong', {}, v.outputTokensPerChangedLine === null ? '—' : fmtInt(v.outputTokensPerChangedLine, locale)), ' output tokens per changed line (what a reviewer reads)'),
      table('Sessions and what they produced', ['Session', 'Spend', 'Files', 'Lines', 'Commits', 'Tests', 'Per line', 'Output / line'],
        v.sessions.slice(0, 20).map(s => [s.projectName + ' · ' + s.sessionId.slice(0, 8), fmtMoney(s.costUSD, locale), fmtInt(s.filesChanged, locale), fmtInt(s.linesChanged, locale),
          fmtInt(s.commits, locale), fmtInt(s.testRuns, locale), fmtSmallMoney(s.costPerChangedLine, locale), s.outputTokensPerChangedLine === null ? '—' : fmtInt(s.outputTokensPerChangedLine, locale)]),
        { num: [1, 2, 3, 4, 5, 6, 7] }),
      v.wasteCandidates.length
        ? el('div', { class: 'callout', id: 'waste-candidates' }, el('strong', {}, v.wasteCandidates.length + ' session(s) over ' + fmtMoney(v.wasteThresholdUSD, locale) + ' changed nothing: '),
          ...v.wasteCandidates.map((s, i) => el('span', {}, i ? ', ' : '', openLink(s.file, s.projectName + ' · ' + s.sessionId.slice(0, 8)), ' (' + fmtMoney(s.costUSD, locale) + ')')))
        : p('No session over ' + fmtMoney(v.wasteThresholdUSD, locale) + ' ended without changes.')));

    main.append(section('waste', 'Waste findings', w.waste.findings.length
      ? el('div', {}, p('About ' + fmtInt(w.waste.tokens, locale) + ' tokens, ' + fmtMoney(w.waste.costUSD, locale) + ' (estimates).'),
        ...w.waste.findings.map(f => el('details', {}, el('summary', {}, f.title + ': ' + fmtInt(f.tokens, locale) + ' tokens, ' + fmtMoney(f.costUSD, locale)),
          p(el('strong', {}, 'Fix: '), f.fix),
          table(f.title, ['Session', 'Detail', 'Count', 'Tokens', 'Cost'], f.items.map(i => [i.sessionId.slice(0, 8), i.detail, fmtInt(i.count, locale), fmtInt(i.tokens, locale), fmtMoney(i.costUSD, locale)]), { num: [2, 3, 4] }))))
      : p('None found.')));

    const b = w.contextBloat;
    main.append(section('bloat', 'Context bloat', b.sessions.length
      ? el('div', {}, p(b.sessions.length + ' session(s) ran above 60% of their context window. Their long-context turns cost ' + fmtMoney(b.longTurnsUSD, locale) + '; at a compacted size (' + Math.round(b.compactedShare * 100) + '% of the window) ' + fmtMoney(b.compactedUSD, locale) + '.'),
        table('Sessions above 60% of their context window', ['Session', 'Model', 'Peak', 'Long turns', 'Cost', 'Compacted'],
          b.sessions.slice(0, 10).map(s => [s.projectName + ' · ' + s.sessionId.slice(0, 8), s.model, fmtShare(s.maxShare, locale) + (s.level === 'critical' ? ' ⚠' : ''), fmtInt(s.longTurns, locale), fmtMoney(s.longTurnsUSD, locale), fmtMoney(s.compactedUSD, locale)]), { num: [2, 3, 4, 5] }))
      : p('No session ran above 60% of its context window.')));

    const ct = w.cheaperTier;
    main.append(section('cheaper', 'Cheaper tier (counterfactual)', p({ class: 'muted' }, ct.note),
      ct.rows.length ? el('div', {}, p('Counterfactual saving: ', el('strong', {}, fmtMoney(ct.savingsUSD, locale))),
        table('Small frontier turns priced on the cheaper tier', ['Model', 'Cheaper tier', 'Requests', 'Actual', 'Counterfactual'],
          ct.rows.map(r => [r.model, r.alternative, fmtInt(r.requests, locale), fmtMoney(r.actualUSD, locale), fmtMoney(r.alternativeUSD, locale)]), { num: [2, 3, 4] }))
        : p('No small frontier-model turns this week.')));

    const ins = w.instructionFiles;
    main.append(section('instructions', 'Always-loaded instruction files', ins.files.length
      ? el('div', {}, p({ class: 'muted' }, ins.note), table('Instruction files', ['File', 'Tokens', 'Requests', 'Cost'],
        ins.files.map(f => [f.path, (f.approximate ? '≈' : '') + fmtInt(f.tokens, locale), fmtInt(f.requests, locale), fmtMoney(f.costUSD, locale)]), { num: [1, 2, 3] }))
      : p('No CLAUDE.md, AGENTS.md or GEMINI.md in this week\'s projects.')));

    const top = el('ol', { class: 'top' });
    for (const s of w.topSessions) {
      top.append(el('li', {}, el('strong', {}, s.projectName), ' · ' + (AGENT_NAMES[s.agent] || s.agent) + ' · ' + s.model + ' · ' + fmtDuration(s.durationMs) + ' · ',
        el('strong', {}, fmtMoney(s.costUSD, locale)), ' · ', openLink(s.file, 'Open transcript')));
    }
    main.append(section('top', 'Most expensive sessions', w.topSessions.length ? top : p('No sessions this week.')));

    if (w.quotas.length || w.quotaProblems.length) {
      main.append(section('quotas', 'Quotas',
        ...w.quotaProblems.map(q => p({ class: 'warning' }, 'Invalid quota "' + q.name + '" (' + q.field + '): ' + q.message + '; ignored.')),
        barList('Quota spend against limits', w.quotas.map(q => [q.name + (q.status === 'over' ? ' (over)' : q.status === 'warning' ? ' (near)' : ''), Math.min(q.share, 1),
          fmtMoney(q.spentUSD, locale) + ' of ' + fmtMoney(q.weeklyUSD, locale) + ' (' + fmtShare(q.share, locale) + ')'])),
        table('Quotas', ['Quota', 'Spent', 'Limit', 'Share'], w.quotas.map(q => [q.name, fmtMoney(q.spentUSD, locale), fmtMoney(q.weeklyUSD, locale), fmtShare(q.share, locale)]), { hidden: true })));
    }
    if (w.skipped.unpricedRequests) main.append(p({ class: 'muted' }, w.skipped.unpricedRequests + ' request(s) of unpriced models are counted at $0.'));

    root.replaceChildren(main);
    document.getElementById('prev-week').addEventListener('click', () => navigate(w.range.previousWeek));
    document.getElementById('next-week').addEventListener('click', () => navigate(w.range.nextWeek));
    document.getElementById('export').addEventListener('click', () => vscode.postMessage({ type: 'export', week: w.range.weekStart }));
    const ms = performance.now();
    vscode.postMessage({ type: 'rendered', week: w.range.weekStart, at: ms, renderMs: ms - t0, first: firstRender });
    firstRender = false;
  }

  function navigate(week) {
    const root = document.getElementById('root');
    root.setAttribute('aria-busy', 'true');
    vscode.postMessage({ type: 'navigate', week });
  }

  window.addEventListener('message', e => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (m.type === 'summary' && m.summary) { document.getElementById('root').removeAttribute('aria-busy'); render(m.summary); }
    else if (m.type === 'error') {
      const root = document.getElementById('root');
      root.removeAttribute('aria-busy');
      root.replaceChildren(el('p', { class: 'warning', role: 'alert' }, 'Could not load the weekly summary: ' + String(m.message)));
    }
  });
  const state = vscode.getState();
  vscode.postMessage({ type: 'ready', week: state && state.week });
  void current;
})();
