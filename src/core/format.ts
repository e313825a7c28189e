// Number formatting shared by the status bar, lenses, CLI and reports.

export function formatUSD(v: number | null, opts: { unpriced?: string } = {}): string {
  if (v === null) return opts.unpriced ?? 'unpriced';
  const abs = Math.abs(v);
  if (abs === 0) return '$0.00';
  if (abs < 0.0001) return `$${v.toFixed(6)}`;
  if (abs < 0.01) return `$${v.toFixed(4)}`;
  if (abs < 100) return `$${v.toFixed(2)}`;
  return `$${Math.round(v).toLocaleString('en-US')}`;
}

export function formatTokens(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 1.2k, 34k, 1.5M: for tight places such as the status bar. */
export function formatTokensShort(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(Math.round(n));
  if (a < 10_000) return `${(n / 1000).toFixed(1)}k`;
  if (a < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1e6).toFixed(a < 10e6 ? 2 : 1)}M`;
}

export function formatPercent(share: number): string {
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function formatRate(perM: number): string {
  return `$${perM < 1 ? perM.toFixed(3).replace(/0$/, '') : perM.toFixed(2).replace(/\.00$/, '')}/M`;
}
