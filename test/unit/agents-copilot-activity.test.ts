// Copilot Chat activity from VS Code's session journal, built in the shapes VS Code writes its response
// parts (microsoft/vscode src/vs/workbench/contrib/chat/common/chatService.ts: IChatToolInvocationSerialized,
// IChatTerminalToolInvocationData, IChatTextEditGroup) through the object mutation log
// (objectMutationLog.ts: Push onto ["requests", i, "response"]), and the targeted TextEdits
// vscode-copilot-chat src/extension/tools/node/abstractReplaceStringTool.tsx streams for an edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeActivity, readActivity } from '../../src/core/activity';

const l = (o: unknown) => JSON.stringify(o) + '\n';
const T0 = 1795000000000;
const uri = (p: string) => ({ $mid: 1, fsPath: p, external: `file://${p}`, path: p, scheme: 'file' });
const edit = (start: number, end: number, text: string) => ({ range: { startLineNumber: start, startColumn: 1, endLineNumber: end, endColumn: start === end && !text ? 1 : 80 }, text });
const terminal = (id: string, cmd: string, exitCode?: number) => ({ kind: 'toolInvocationSerialized', toolId: 'run_in_terminal', toolCallId: id, isComplete: true, invocationMessage: 'Running',
  toolSpecificData: { kind: 'terminal', commandLine: { original: cmd }, language: 'sh', ...(exitCode === undefined ? {} : { terminalCommandState: { exitCode } }) } });

test('copilot activity: tool calls, terminal commands, edits from textEditGroup parts; a compaction repeats nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-act-'));
  try {
    const file = path.join(dir, 'chatSessions', 'sess-a.jsonl');
    fs.mkdirSync(path.dirname(file));
    const req = { requestId: 'r0', timestamp: T0 + 1000, modelId: 'copilot/gpt-5', response: [] as unknown[] };
    const parts = [
      { kind: 'toolInvocationSerialized', toolId: 'copilot_readFile', toolCallId: 'call_1', isComplete: true, invocationMessage: 'Reading app.ts' },
      { kind: 'toolInvocationSerialized', toolId: 'copilot_replaceString', toolCallId: 'call_2', isComplete: true, invocationMessage: 'Editing app.ts' },
      { kind: 'codeblockUri', uri: uri('/home/dev/api/src/app.ts'), isEdit: true },
      // one line changed, one deleted (to the start of the next), two inserted
      { kind: 'textEditGroup', uri: uri('/home/dev/api/src/app.ts'), edits: [[edit(3, 3, 'const port = Number(process.env.PORT);')], [{ range: { startLineNumber: 10, startColumn: 1, endLineNumber: 11, endColumn: 1 }, text: '' }], [{ range: { startLineNumber: 12, startColumn: 1, endLineNumber: 12, endColumn: 1 }, text: 'app.get("/health", health);\nexport default app;\n' }]], done: true },
      terminal('call_3', 'npm test', 1),
      terminal('call_4', 'npm test', 0),
      terminal('call_5', 'git commit -am "port from env"'),
    ];
    const lines = [
      l({ kind: 0, v: { version: 3, sessionId: 'sess-a', creationDate: T0, requests: [] } }),
      l({ kind: 2, k: ['requests'], v: [req] }),
      ...parts.map(p => l({ kind: 2, k: ['requests', 0, 'response'], v: [p] })),
      l({ kind: 1, k: ['requests', 0, 'result'], v: { metadata: { promptTokens: 9000, outputTokens: 300 } } }),
    ];
    fs.writeFileSync(file, lines.join(''));
    const once = mergeActivity([readActivity(file, 'copilot')]);
    assert.deepEqual([once.filesChanged, once.linesAdded, once.linesRemoved, once.commits, once.testRuns], [['/home/dev/api/src/app.ts'], 3, 2, 1, 2]);
    const facts = readActivity(file, 'copilot');
    assert.equal(facts.sessionId, 'sess-a');
    assert.equal(facts.toolCalls, 5);
    assert.ok(facts.edits.every(e => e.t === T0 + 1000), 'an edit at its request\'s time');
    // VS Code compacts: the whole state again as one kind:0 line, the same parts inside it
    fs.appendFileSync(file, l({ kind: 0, v: { version: 3, sessionId: 'sess-a', creationDate: T0, requests: [{ ...req, response: parts }] } }));
    const again = readActivity(file, 'copilot');
    assert.equal(again.toolCalls, 5, 'each call once');
    assert.deepEqual(mergeActivity([again]), once);
    // the trace store is no transcript: never scanned for activity
    const db = path.join(dir, 'github.copilot-chat', 'agent-traces.db');
    fs.mkdirSync(path.dirname(db));
    fs.writeFileSync(db, lines.join(''));
    assert.equal(readActivity(db, 'copilot').toolCalls, 0);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('copilot activity: a legacy whole-file session is read whole', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-copilot-act-'));
  try {
    const file = path.join(dir, 'chatSessions', 'sess-b.json');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, JSON.stringify({ version: 3, sessionId: 'sess-b', creationDate: T0, requests: [{ requestId: 'r', timestamp: T0, response: [terminal('c1', 'pytest -q', 0)] }] }, null, 2));
    const a = mergeActivity([readActivity(file, 'copilot')]);
    assert.equal(a.testRuns, 1);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
