import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { agentRoots, findLogFiles, scanDirs } from '../../src/core/agents/locations';
import { desktopSessionsDirs } from '../../src/core/agents/claudeCode';
import { FIXTURES } from './agents-fixtures';

// the three agents these cases are about (another adapter adds its own roots after them)
const dirs = (env: NodeJS.ProcessEnv, o = {}) => agentRoots(env, o).filter(r => ['claude-code', 'codex', 'gemini'].includes(r.agent)).map(r => `${r.agent}:${r.dir}${r.explicit ? '!' : ''}`);

// Claude Desktop's Cowork sessions (Electron's user-data folder on Linux): codeburn src/providers/claude.ts getDesktopSessionsDirs
test('default folders follow the agents: ~/.config/claude and ~/.claude (and Claude Desktop\'s Cowork sessions), ~/.codex, ~/.gemini', () => {
  const cowork = (env: NodeJS.ProcessEnv) => desktopSessionsDirs(env, '/h').map(d => `claude-code:${d}`); // this platform's
  assert.deepEqual(dirs({ HOME: '/h' }), ['claude-code:/h/.config/claude', 'claude-code:/h/.claude', ...cowork({ HOME: '/h' }), 'codex:/h/.codex', 'gemini:/h/.gemini']);
  assert.deepEqual(dirs({ HOME: '/h', XDG_CONFIG_HOME: '/x' }).slice(0, 3), ['claude-code:/x/claude', 'claude-code:/h/.claude', ...cowork({ HOME: '/h', XDG_CONFIG_HOME: '/x' })]);
  // Electron's user-data folder, per platform
  assert.deepEqual(desktopSessionsDirs({}, '/h', 'linux'), ['/h/.config/Claude/local-agent-mode-sessions']);
  assert.deepEqual(desktopSessionsDirs({ XDG_CONFIG_HOME: '/x' }, '/h', 'linux'), ['/x/Claude/local-agent-mode-sessions']);
  assert.deepEqual(desktopSessionsDirs({}, '/h', 'darwin'), ['/h/Library/Application Support/Claude/local-agent-mode-sessions']);
  assert.deepEqual(desktopSessionsDirs({ APPDATA: 'C:/Users/d/AppData/Roaming', LOCALAPPDATA: '/nonexistent/tk' }, '/h', 'win32'), [path.join('C:/Users/d/AppData/Roaming', 'Claude', 'local-agent-mode-sessions')]);
});

test('CLAUDE_CONFIG_DIR (comma-separated) and CODEX_HOME replace the defaults; overrides replace both', () => {
  const cowork = (d: string) => !d.endsWith('local-agent-mode-sessions');
  assert.deepEqual(dirs({ HOME: '/h', CLAUDE_CONFIG_DIR: '/a, /b,', CODEX_HOME: '/c' }).filter(cowork).slice(0, 3), ['claude-code:/a', 'claude-code:/b', 'codex:/c']);
  assert.deepEqual(dirs({ HOME: '/h', CLAUDE_CONFIG_DIR: '/a' }, { claudeDirs: ['~/logs'], geminiDirs: ['/g'] }),
    ['claude-code:/h/logs!', 'codex:/h/.codex', 'gemini:/g!']);
});

test('a root may be the agent home or its log folder; sub-agent transcripts and archived sessions are found', () => {
  assert.deepEqual(scanDirs({ agent: 'claude-code', dir: path.join(FIXTURES, 'claude'), explicit: true }), [path.join(FIXTURES, 'claude/projects')]);
  assert.deepEqual(scanDirs({ agent: 'claude-code', dir: path.join(FIXTURES, 'claude/projects'), explicit: true }), [path.join(FIXTURES, 'claude/projects')]);
  const { files, problems } = findLogFiles([
    { agent: 'claude-code', dir: path.join(FIXTURES, 'claude'), explicit: true },
    { agent: 'codex', dir: path.join(FIXTURES, 'codex'), explicit: true },
    { agent: 'gemini', dir: path.join(FIXTURES, 'gemini'), explicit: true },
    { agent: 'codex', dir: '/nonexistent/tokenomics', explicit: false },
  ]);
  assert.deepEqual(problems, []);
  const rel = files.map(f => path.relative(FIXTURES, f.path)).sort();
  assert.ok(rel.includes('claude/projects/-home-dev-shop/s1/subagents/agent-a1.jsonl'));
  assert.equal(rel.filter(r => r.startsWith('codex/archived_sessions/')).length, 2);
  assert.equal(rel.filter(r => r.startsWith('gemini/')).length, 2);
  assert.equal(files.length, 3 + 6 + 2);
});

test('walks terminate: link loops, a link to /, links out of the log folders and FIFOs; each file once', { timeout: 60_000 }, () => {
  const root = tempDir('tkx-walk-');
  const projects = path.join(root, 'projects');
  fs.mkdirSync(path.join(projects, 'p1'), { recursive: true });
  fs.writeFileSync(path.join(projects, 'p1', 'a.jsonl'), '{}\n');
  fs.symlinkSync('.', path.join(projects, 'p1', 'self'));        // a loop
  fs.symlinkSync('..', path.join(projects, 'p1', 'up'));         // a loop through the parent
  fs.symlinkSync('/', path.join(projects, 'p1', 'root'));        // the whole machine
  fs.symlinkSync(path.join(projects, 'p1', 'a.jsonl'), path.join(projects, 'p1', 'b.jsonl')); // the same file again
  const outside = tempDir('tkx-walk-out-');
  fs.writeFileSync(path.join(outside, 'c.jsonl'), '{}\n');
  fs.symlinkSync(outside, path.join(projects, 'elsewhere'));
  let fifo = false;
  try { execFileSync('mkfifo', [path.join(projects, 'p1', 'pipe.jsonl')]); fifo = true; } catch { /* no mkfifo here: the rest still holds */ }
  // the root itself may be a link
  const linkedRoot = path.join(tempDir('tkx-walk-link-'), 'claude');
  fs.symlinkSync(root, linkedRoot);
  const { files, problems } = findLogFiles([{ agent: 'claude-code', dir: linkedRoot, explicit: true }]);
  assert.deepEqual(files.map(f => path.basename(f.path)), ['a.jsonl'], 'one file, once, and never the FIFO');
  const skipped = problems.map(p => path.basename(p.path)).sort();
  assert.deepEqual(skipped, ['elsewhere', 'root'], 'links that leave the log folders are named');
  assert.ok(problems.every(p => /outside the log folders/.test(p.reason)));
  if (fifo) assert.ok(fs.statSync(path.join(projects, 'p1', 'pipe.jsonl')).isFIFO());
});
