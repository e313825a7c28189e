// Pasted logs and stack traces: hundreds of near-identical lines where the first and last few carry
// the information. Lines are classified by their first characters only (bounded, so 1 MB lines cost
// nothing), and runs tolerate a couple of unclassified lines (wrapped messages, blank separators).

const LOG_LINE = [
  /^\s*at\s+\S.*(?::\d+:\d+\)?|\.\w+:\d+\)|\((?:native|<anonymous>|Native Method|Unknown Source)\))\s*$/, // JS, Java, C# frames
  /^\s*File "[^"]+", line \d+/,                             // Python frames
  /^Traceback \(most recent call last\)/,
  /^\s*\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/,                // ISO timestamps
  /^\s*\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?\s/,               // clock times
  /^\s*\[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL|PANIC)\]?[\s:|\]]/,
  /^\s*\w{3} [ \d]\d \d{2}:\d{2}:\d{2} /,                   // syslog
  /^\s*(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception)\b/,
  /^\s*Caused by:|^\s*\.\.\. \d+ more/,
  /^\s*#\d+\s+0x[0-9a-fA-F]+/,                              // native frames
  /^\s*goroutine \d+ \[|^\s+\/\S+\.go:\d+/,
  /^(?:npm (?:ERR!|WARN)|yarn (?:error|warn)|error\[E\d+\]|warning: )/,
  /^\s*\d+\s+\|\s|^\s*-->\s\S+:\d+:\d+/,                    // compiler excerpts
  /^\s*[IWEDV]\/\w+\(\s*\d+\):/,                            // logcat
];

export function isLogLine(line: string): boolean {
  const h = line.length > 160 ? line.slice(0, 160) : line;
  for (const re of LOG_LINE) if (re.test(h)) return true;
  return false;
}

export interface LogRun {
  start: number;
  end: number;
  /** Offsets where each line of the run starts (relative, like start/end). */
  lineStarts: number[];
}

const MIN_RUN_LINES = 3;
const MAX_GAP_LINES = 2;

export function findLogRuns(text: string): LogRun[] {
  const out: LogRun[] = [];
  let run: LogRun | null = null;
  let pending: number[] = []; // unclassified lines since the last log line
  let pos = 0;
  const end = (r: LogRun) => { if (r.lineStarts.length >= MIN_RUN_LINES) out.push(r); };
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const lineEnd = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    if (isLogLine(text.slice(pos, Math.min(lineEnd, pos + 160)))) {
      if (!run) run = { start: pos, end: lineEnd, lineStarts: [] };
      for (const p of pending) run.lineStarts.push(p);
      pending = [];
      run.lineStarts.push(pos);
      run.end = lineEnd;
    } else if (run) {
      pending.push(pos);
      if (pending.length > MAX_GAP_LINES) { end(run); run = null; pending = []; }
    }
    pos = nl + 1;
  }
  if (run) end(run);
  return out;
}
