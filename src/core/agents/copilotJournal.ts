// Replaying VS Code's chat session journal (`chatSessions/<id>.jsonl`), keeping only what usage
// needs. The format is VS Code's "object mutation log" (microsoft/vscode
// src/vs/workbench/contrib/chat/common/model/objectMutationLog.ts, schema in
// chatSessionOperationLog.ts, writer in chatSessionStore.ts):
//   {"kind":0,"v":state}            the whole session (first line, and again after a compaction)
//   {"kind":1,"k":path,"v":value}   Set at a key path (no `v`: set to undefined)
//   {"kind":2,"k":path,"v":[..],"i":n}  Push onto an array, truncating it to `n` first when `i` is set
//   {"kind":3,"k":path}             Delete (applied as a Set to undefined)
// A request is one element of `requests`; when its key (`requestId`) changes the whole element is
// Set, and its `result` (where Copilot leaves `metadata.promptTokens` / `outputTokens`) is always Set
// whole. After 1,024 entries VS Code rewrites the file in place as one `kind:0` line.
//
// The state kept per file is a projection (a few numbers per request) so it survives JSON in the
// index, and an append is replayed without reading the file again.

/** One request as far as usage goes: [requestId, timestamp, model, promptTokens, outputTokens, modelMessageId]. */
export type ProjectedRequest = [id: string, ts: number, model: string, prompt: number, output: number, messageId: string];

export interface JournalState {
  session: string;
  created: number;
  requests: (ProjectedRequest | null)[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);
const time = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && Number.isFinite(Date.parse(v)) ? Date.parse(v) : 0);

/**
 * The model a request ran on: Copilot's resolved model when it names one, else the picker's id without
 * `copilot/`; in Auto mode (`copilot/auto`) the result's `details` name the model ("Claude Sonnet 4.5 • 1x").
 */
function modelOf(req: Obj, meta: Obj, details: string): string {
  const picked = str(meta.resolvedModel) || str(req.modelId).replace(/^copilot\//, '');
  if (picked && picked !== 'auto') return picked;
  const named = details.split(' • ')[0]?.trim();
  return named ? named.toLowerCase().replace(/\s+/g, '-') : picked || 'unknown';
}

function withResult(p: ProjectedRequest, req: Obj, result: unknown): ProjectedRequest {
  const meta = isObj(result) && isObj(result.metadata) ? result.metadata : {};
  const details = isObj(result) ? str(result.details) : '';
  return [p[0], p[1], modelOf(req, meta, details), count(meta.promptTokens), count(meta.outputTokens), str(meta.modelMessageId) || str(meta.responseId)];
}

export function projectRequest(raw: unknown): ProjectedRequest | null {
  if (!isObj(raw)) return null;
  return withResult([str(raw.requestId), time(raw.timestamp), '', 0, 0, ''], raw, raw.result);
}

export function initialState(session: string): JournalState {
  return { session, created: 0, requests: [] };
}

function resetTo(state: JournalState, v: unknown): number[] {
  if (!isObj(v)) { state.requests = []; return []; }
  if (typeof v.sessionId === 'string' && v.sessionId) state.session = v.sessionId;
  state.created = time(v.creationDate) || state.created;
  state.requests = Array.isArray(v.requests) ? v.requests.map(projectRequest) : [];
  return state.requests.map((_, i) => i);
}

/** Request fields whose change can move usage; Sets of any other field are skipped unparsed. */
export const USAGE_FIELDS = new Set(['result', 'modelId', 'timestamp', 'requestId']);

/**
 * Applies one journal entry to the projection and returns the indexes of requests it changed (to be
 * emitted again). Entries on other paths (responses, input state, pending requests) change nothing.
 */
export function applyEntry(state: JournalState, entry: Obj): number[] {
  const kind = entry.kind;
  if (kind === 0) return resetTo(state, entry.v);
  const k = Array.isArray(entry.k) ? entry.k : null;
  if (kind === 2) {
    // VS Code always writes `k`; a Push without it is read as one onto `requests`, as peers do
    const path = k ?? ['requests'];
    if (path.length !== 1 || path[0] !== 'requests') return [];
    if (typeof entry.i === 'number' && entry.i >= 0) state.requests.length = Math.min(state.requests.length, Math.floor(entry.i));
    const start = state.requests.length;
    if (Array.isArray(entry.v)) for (const r of entry.v) state.requests.push(projectRequest(r));
    return state.requests.slice(start).map((_, j) => start + j);
  }
  if (kind !== 1 && kind !== 3 || !k || k.length === 0) return [];
  const v = kind === 1 ? entry.v : undefined;
  if (k[0] === 'sessionId' && k.length === 1) { if (typeof v === 'string' && v) state.session = v; return []; }
  if (k[0] === 'creationDate' && k.length === 1) { state.created = time(v) || state.created; return []; }
  if (k[0] !== 'requests') return [];
  if (k.length === 1) return resetTo(state, { sessionId: state.session, creationDate: state.created, requests: Array.isArray(v) ? v : [] });
  const i = k[1];
  if (typeof i !== 'number' || i < 0 || !Number.isInteger(i)) return [];
  if (k.length === 2) {
    while (state.requests.length <= i) state.requests.push(null);
    state.requests[i] = projectRequest(v);
    return [i];
  }
  const cur = state.requests[i];
  if (!cur) return [];
  const field = k[2];
  if (field === 'timestamp') { cur[1] = time(v); return [i]; }
  if (field === 'requestId') { cur[0] = str(v); return [i]; }
  if (field === 'modelId') { if (!cur[2] || cur[2] === 'unknown' || !cur[3] && !cur[4]) cur[2] = str(v).replace(/^copilot\//, '') || cur[2]; return [i]; }
  if (field === 'result') {
    if (k.length === 3) { state.requests[i] = withResult(cur, { modelId: cur[2] }, v); return [i]; }
    // deeper paths are not written by VS Code (the result is Set whole) but peers' fixtures use them
    if (k[3] === 'metadata' && k.length === 5) {
      const f = k[4];
      if (f === 'promptTokens') cur[3] = count(v);
      else if (f === 'outputTokens') cur[4] = count(v);
      else if (f === 'resolvedModel' && str(v)) cur[2] = str(v);
      else if (f === 'modelMessageId' && str(v)) cur[5] = str(v);
      else return [];
      return [i];
    }
  }
  return [];
}

/**
 * Lines that cannot change usage, recognised from their first bytes without parsing them: a
 * response part streaming in is by far the most common entry, and can be large.
 */
const ENTRY_HEAD = /^\{"kind":([123]),"k":\["requests",(\d+),"([A-Za-z]+)"/;
export function skippable(line: string): boolean {
  const m = ENTRY_HEAD.exec(line.slice(0, 64));
  return m !== null && !USAGE_FIELDS.has(m[3]!);
}
