// What a Copilot Chat session did, from VS Code's session journal (`chatSessions/<id>.jsonl`, see
// copilotJournal.ts). A request's `response` is an array of parts (microsoft/vscode
// src/vs/workbench/contrib/chat/common/chatService.ts): a tool call is a `toolInvocationSerialized`
// part {toolId, toolCallId, isComplete, toolSpecificData}, a terminal command's `toolSpecificData` is
// {kind:"terminal", commandLine{original, userEdited?, toolEdited?}} (older builds: `command`), and the
// edits a tool applied are `textEditGroup` parts {uri, edits: TextEdit[][], done}, each TextEdit
// {range{startLineNumber, endLineNumber, ...}, text} (vscode-copilot-chat
// src/extension/tools/node/abstractReplaceStringTool.tsx streams the targeted replacements, not the file).
// Parts arrive as Pushes onto `["requests", i, "response"]`, in a request pushed or Set whole, or in the
// whole state of a `kind:0` line (after a compaction, again): the same call or edit is counted once.
// A session the debug log covers counts from the debug log (its records win, so its journal is not read).
import type { ActivityCollector, ActivityReader } from './adapter';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Per transcript read: calls and edits already counted, and each request's time. */
const seen = new WeakMap<ActivityCollector, { ids: Set<string>; times: number[] }>();

function pathOf(uri: unknown): string {
  if (typeof uri === 'string') return uri.startsWith('file://') ? decodeURIComponent(uri.slice(7)) : uri;
  return isObj(uri) ? str(uri.fsPath) || str(uri.path) : '';
}

function lines(text: string): number {
  if (!text) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) if (i < text.length - 1) n++;
  return n;
}

function part(c: ActivityCollector, s: { ids: Set<string> }, p: unknown): void {
  if (!isObj(p)) return;
  if (p.kind === 'toolInvocationSerialized') {
    const id = str(p.toolCallId), tool = str(p.toolId) || 'tool';
    if (!id || s.ids.has(`t:${id}`)) return;
    s.ids.add(`t:${id}`);
    c.toolCall();
    const data = isObj(p.toolSpecificData) ? p.toolSpecificData : {};
    if (data.kind === 'terminal') {
      const line = isObj(data.commandLine) ? data.commandLine : {};
      const cmd = str(line.toolEdited) || str(line.userEdited) || str(line.original) || str(data.command);
      if (cmd) {
        c.shell(id, cmd, tool);
        const state = isObj(data.terminalCommandState) ? data.terminalCommandState : {};
        if (typeof state.exitCode === 'number') c.result(id, 0, state.exitCode !== 0);
        return;
      }
    }
    c.other(id, tool, '');
    return;
  }
  if (p.kind === 'textEditGroup' && Array.isArray(p.edits)) {
    const file = pathOf(p.uri);
    p.edits.forEach((group, g) => {
      if (!Array.isArray(group)) return;
      group.forEach((e, k) => {
        if (!isObj(e) || !isObj(e.range)) return;
        const r = e.range, text = str(e.text);
        const start = typeof r.startLineNumber === 'number' ? r.startLineNumber : 0;
        let end = typeof r.endLineNumber === 'number' ? r.endLineNumber : start;
        const empty = start === end && r.startColumn === r.endColumn;
        if (end > start && r.endColumn === 1) end--; // a range to the start of a line ends on the line before
        const id = `e:${file}:${g}:${k}:${start}:${end}:${text.length}`;
        if (s.ids.has(id)) return;
        s.ids.add(id);
        // a replaced range counts its lines as removed, the new text's lines as added
        c.editCounted(id, file, lines(text), empty ? 0 : Math.max(1, end - start + 1));
      });
    });
  }
}

function request(c: ActivityCollector, s: { ids: Set<string>; times: number[] }, i: number, req: unknown): void {
  if (!isObj(req)) return;
  if (typeof req.timestamp === 'number') s.times[i] = req.timestamp;
  c.at(s.times[i]);
  if (Array.isArray(req.response)) for (const p of req.response) part(c, s, p);
}

/** The patch lines an `apply_patch` call adds and removes (`*** Begin Patch` envelope, +/- lines). */
function patchCounts(text: string): [number, number] {
  let added = 0, removed = 0;
  for (const l of text.split('\n')) {
    if (l.startsWith('***') || l.startsWith('+++ ') || l.startsWith('--- ')) continue;
    if (l.startsWith('+')) added++; else if (l.startsWith('-')) removed++;
  }
  return [added, removed];
}

/**
 * A debug log's `tool_call` entry (copilotDebugLog.ts): `name` is the model-facing tool name
 * (vscode-copilot-chat src/extension/tools/common/toolNames.ts), `attrs.args` its arguments as JSON,
 * cut at 5,000 characters by the writer: a cut call counts as a call, its edit is not guessed.
 */
function debugToolCall(c: ActivityCollector, entry: Obj): void {
  const id = str(entry.spanId), tool = str(entry.name) || 'tool';
  if (!id) return;
  c.at(entry.ts);
  c.toolCall();
  const attrs = isObj(entry.attrs) ? entry.attrs : {};
  let args: Obj = {};
  try { const a = JSON.parse(str(attrs.args)) as unknown; if (isObj(a)) args = a; } catch { /* cut or absent */ }
  const file = str(args.filePath);
  if (tool === 'run_in_terminal' && str(args.command)) {
    c.shell(id, str(args.command), tool);
    c.result(id, str(attrs.result).length, entry.status === 'error');
  } else if (tool === 'replace_string_in_file' && file) c.edit(id, file, args.oldString, args.newString);
  else if (tool === 'multi_replace_string_in_file' && Array.isArray(args.replacements)) {
    args.replacements.forEach((r, k) => { if (isObj(r) && str(r.filePath)) c.edit(`${id}#${k}`, str(r.filePath), r.oldString, r.newString); });
  } else if (tool === 'create_file' && file) c.edit(id, file, '', args.content);
  else if (tool === 'insert_edit_into_file' && file) c.editCounted(id, file, 0, 0); // `...existing code...` sketches: lines unknown
  else if (tool === 'apply_patch' && str(args.input)) { const [a, r] = patchCounts(str(args.input)); c.editCounted(id, '', a, r); }
  else c.other(id, tool, file);
}

function line(c: ActivityCollector, entry: Obj): void {
  if (entry.type === 'tool_call') { debugToolCall(c, entry); return; }
  let s = seen.get(c);
  if (!s) seen.set(c, (s = { ids: new Set(), times: [] }));
  const k = Array.isArray(entry.k) ? entry.k : [];
  if (entry.kind === 0 && isObj(entry.v)) {
    if (typeof entry.v.sessionId === 'string') c.setSession(entry.v.sessionId);
    if (Array.isArray(entry.v.requests)) entry.v.requests.forEach((r, i) => request(c, s, i, r));
    return;
  }
  if (k[0] !== 'requests') return;
  if (k.length === 1 && Array.isArray(entry.v)) {
    // a Push appends after the (truncated) end; a Set replaces them all
    const base = entry.kind === 2 ? (typeof entry.i === 'number' ? entry.i : s.times.length) : 0;
    entry.v.forEach((r, j) => request(c, s, base + j, r));
    return;
  }
  const i = typeof k[1] === 'number' ? k[1] : -1;
  if (i < 0) return;
  if (k.length === 2) { request(c, s, i, entry.v); return; }
  if (k[2] !== 'response') return;
  c.at(s.times[i]);
  if (Array.isArray(entry.v)) for (const p of entry.v) part(c, s, p);
  else part(c, s, entry.v); // a Set of one part (`["requests", i, "response", n]`)
}

export const copilotActivity: ActivityReader = {
  // a request's own line (its `timestamp`) dates the parts pushed after it; the state line names the session
  needles: [Buffer.from('"toolInvocationSerialized"'), Buffer.from('"textEditGroup"'), Buffer.from('"timestamp"'), Buffer.from('{"kind":0,'), Buffer.from('"type":"tool_call"')],
  line,
  // the journals and the debug log (a session it covers counts from it alone); never the trace database
  hasActivity: file => /[\\/](?:chatsessions|emptywindowchatsessions|transferredchatsessions)[\\/][^\\/]+\.jsonl?$/i.test(file) || /[\\/]debug-logs[\\/].+\.jsonl$/i.test(file),
  // a legacy `<id>.json` session (VS Code < 1.109) is the whole state, pretty-printed
  isWholeFile: file => file.endsWith('.json'),
  wholeFile: (c, text) => {
    let v: unknown;
    try { v = JSON.parse(text); } catch { c.malformed(); return; }
    line(c, { kind: 0, v });
  },
};
