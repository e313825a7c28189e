// Runs inside the real extension host (bench only): waits for the engine's usage index to be warm on
// the benchmark tree and the engine idle, then opens the weekly summary of a week and reports the time
// to its first full render (measured from panel creation to the webview's own "rendered" message),
// the time to navigate to the previous week inside the open panel, and the time of a re-open.
const fs = require('fs');
const vscode = require('vscode');

const sleep = ms => new Promise(res => setTimeout(res, ms));
/** The next event of `event` that satisfies `pred` (the extension's test API fires events, it has no waits). */
const next = (event, pred = () => true) => new Promise(resolve => { const sub = event(x => { if (pred(x)) { sub.dispose(); resolve(x); } }); });

exports.run = async function run() {
  const week = process.env.TOKENOMICS_BENCH_WEEK;
  const prev = process.env.TOKENOMICS_BENCH_PREV_WEEK;
  const out = process.env.TOKENOMICS_BENCH_OUT;
  const ext = vscode.extensions.getExtension('tokenomics.tokenomics');
  const api = await ext.activate();
  const t0 = Date.now();
  if (!api.spendMeter.summary()?.hasLogs) await next(api.spendMeter.onDidChange, s => s.hasLogs);
  const results = { week, indexReadyMs: Date.now() - t0 };
  // let the engine finish what follows a cold scan (saving the index, an idle collection)
  await sleep(5000);

  let t = Date.now();
  let rendered = next(api.week.onDidRender, r => r.week === week);
  await vscode.commands.executeCommand('tokenomics.showWeeklySummary', week);
  results.firstOpen = { webviewMs: (await rendered).msSinceOpen, wallMs: Date.now() - t };

  t = Date.now();
  rendered = next(api.week.onDidRender, r => r.week === prev);
  // with the panel open this takes the path of the webview's Previous button: request, post, render
  await vscode.commands.executeCommand('tokenomics.showWeeklySummary', prev);
  await rendered;
  results.navigateMs = Date.now() - t;

  api.week.panel()?.dispose();
  await sleep(1000);
  t = Date.now();
  rendered = next(api.week.onDidRender, r => r.week === week);
  await vscode.commands.executeCommand('tokenomics.showWeeklySummary', week);
  results.reopen = { webviewMs: (await rendered).msSinceOpen, wallMs: Date.now() - t };
  fs.writeFileSync(out, JSON.stringify(results));
};
