import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childIgnoringCase, defaultVscodeUserDirs, extensionStorageDirs, userDirFromGlobalStorage } from '../../src/core/agents/vscodeUserDirs';
import { VSCODE_FIXTURES } from './agents-vscode-helpers';

test('VS Code user-data folders: the running editor first, then each variant per platform, servers, code-server', () => {
  const linux = defaultVscodeUserDirs({ HOME: '/h' }, '/h', { vscodeUserDir: '/srv/cs/User' }, 'linux');
  assert.equal(linux[0], '/srv/cs/User');
  for (const d of ['/h/.config/Code/User', '/h/.config/Code - Insiders/User', '/h/.config/VSCodium/User', '/h/.config/Cursor/User',
    '/h/.vscode-server/data/User', '/h/.local/share/code-server/User']) assert.ok(linux.includes(d), d);
  const xdg = defaultVscodeUserDirs({ XDG_CONFIG_HOME: '/x', XDG_DATA_HOME: '/d' }, '/h', {}, 'linux');
  assert.ok(xdg.includes('/x/Code/User') && xdg.includes('/d/code-server/User') && !xdg.includes('/h/.config/Code/User'));
  assert.ok(defaultVscodeUserDirs({}, '/h', {}, 'darwin').includes('/h/Library/Application Support/Code/User'));
  assert.ok(defaultVscodeUserDirs({ APPDATA: '/appdata' }, '/h', {}, 'win32').some(d => d === path.resolve('/appdata/Code/User')));
  assert.ok(defaultVscodeUserDirs({ VSCODE_PORTABLE: '/p' }, '/h', {}, 'linux').includes('/p/user-data/User'));
  assert.equal(new Set(linux).size, linux.length, 'no folder twice');
});

test('the running editor\'s folder comes from its globalStorage path, when it has that shape', () => {
  assert.equal(userDirFromGlobalStorage('/home/u/.local/share/code-server/User/globalStorage/tokenomics.tokenomics'), '/home/u/.local/share/code-server/User');
  assert.equal(userDirFromGlobalStorage('/tmp/custom/storage'), undefined);
  assert.equal(userDirFromGlobalStorage(undefined), undefined);
});

test('extension folders are matched case-insensitively', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-vsdirs-'));
  try {
    fs.mkdirSync(path.join(dir, 'globalStorage', 'SaoudRizwan.claude-dev'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'globalStorage', 'rooveterinaryinc.roo-cline'));
    assert.deepEqual(extensionStorageDirs(dir, ['saoudrizwan.claude-dev', 'RooVeterinaryInc.roo-cline', 'kilocode.kilo-code']).map(d => path.basename(d)),
      ['SaoudRizwan.claude-dev', 'rooveterinaryinc.roo-cline']);
    assert.equal(childIgnoringCase(dir, 'GLOBALSTORAGE'), path.join(dir, 'globalStorage'));
    assert.equal(childIgnoringCase(path.join(dir, 'missing'), 'x'), undefined);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

// microsoft/vscode src/vs/platform/userDataProfile/common/userDataProfile.ts toUserDataProfile: a profile's
// location is <User>/profiles/<id>, its globalStorageHome `joinPath(location, 'globalStorage')` and its
// settingsResource `joinPath(location, 'settings.json')`. An agent used in a non-default profile keeps its data there.
test('VS Code profiles: each profile\'s globalStorage and settings.json are searched as the default profile\'s are', async () => {
  const { scanDirs } = await import('../../src/core/agents/locations');
  const { UsageIndex } = await import('../../src/core/usage/usageIndex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tk-vsprofiles-'));
  try {
    const user = path.join(dir, 'User');
    const profile = path.join(user, 'profiles', '-4a1f2c3d');
    // a Cline task of the fixtures, as a window in that profile keeps it
    const task = path.join(VSCODE_FIXTURES, 'cline/User/globalStorage/saoudrizwan.claude-dev/tasks/1795100000001');
    fs.cpSync(task, path.join(profile, 'globalStorage', 'saoudrizwan.claude-dev', 'tasks', '1795100000001'), { recursive: true });
    fs.mkdirSync(path.join(user, 'globalStorage'), { recursive: true });
    fs.mkdirSync(path.join(profile, 'globalStorage', 'github.copilot-chat'), { recursive: true });
    // Roo's customStoragePath set in the profile's own settings
    const custom = path.join(dir, 'roo-tasks');
    fs.mkdirSync(path.join(custom, 'tasks'), { recursive: true });
    fs.writeFileSync(path.join(profile, 'settings.json'), `{ "roo-cline.customStoragePath": ${JSON.stringify(custom)} }`);
    const root = (agent: string) => ({ agent, dir: user, explicit: true });
    assert.deepEqual(scanDirs(root('cline')), [path.join(profile, 'globalStorage', 'saoudrizwan.claude-dev', 'tasks')]); // was: []
    assert.ok(scanDirs(root('copilot')).includes(path.join(profile, 'globalStorage', 'github.copilot-chat')));
    assert.deepEqual(scanDirs(root('roo')), [path.join(custom, 'tasks')]);
    const index = new UsageIndex({ roots: [root('cline')], cacheFile: null });
    await index.refresh();
    assert.ok(index.records().length > 0, 'the profile\'s task is counted');
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('agents living in VS Code share its user-data folders: the running editor first; tokenomics.vscodeUserDirs replaces them for all', async () => {
  const { agentRoots } = await import('../../src/core/agents/locations');
  const roots = (o = {}) => agentRoots({ HOME: '/h' }, o, { vscodeUserDir: '/cs/User' });
  const of = (rs: ReturnType<typeof roots>, agent: string) => rs.filter(r => String(r.agent) === agent).map(r => `${r.dir}${r.explicit ? '!' : ''}`);
  const d = roots();
  for (const agent of ['copilot', 'cline', 'roo', 'kilo']) assert.equal(of(d, agent).filter(p => p === '/cs/User')[0], '/cs/User', `${agent} searches the running editor's folder`);
  assert.ok(of(d, 'cline').includes('/h/.cline') && of(d, 'cline').includes('/h/.config/Code/User'));
  // cline sdk/packages/shared/src/storage/paths.ts: $CLINE_DIR replaces ~/.cline, $CLINE_DATA_DIR its data/ folder
  const env = agentRoots({ HOME: '/h', CLINE_DIR: '/c', CLINE_DATA_DIR: '/d' }, {}, {}).filter(r => String(r.agent) === 'cline').map(r => r.dir);
  assert.ok(env.includes('/c') && env.includes('/d') && !env.includes('/h/.cline'), env.join(', ')); // was: /d not read
  assert.deepEqual(of(d, 'opencode'), ['/h/.local/share/opencode']);
  assert.deepEqual(of(d, 'continue'), ['/h/.continue']);
  const named = roots({ vscodeUserDirs: ['/u1'], clineDirs: ['/c'] });
  assert.deepEqual(of(named, 'copilot'), ['/u1!']);
  assert.deepEqual(of(named, 'cline'), ['/c!', '/u1!']);
  assert.deepEqual(of(named, 'roo'), ['/u1!']);
  assert.deepEqual(of(named, 'kilo'), ['/h/.local/share/kilo', '/u1!']);
});
