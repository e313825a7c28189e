import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ADAPTERS, adapterOf, agentName, isAgentId } from '../../src/core/agents/index';
import { agentRoots } from '../../src/core/agents/locations';
import { parseSettings } from '../../src/core/settings';
import { FOLDER_FLAGS } from '../../src/cli/agentLogs';

const ROOT = path.resolve(__dirname, '../../..');

test('each adapter is registered once, under the id its usage reader writes into records', () => {
  assert.deepEqual(ADAPTERS.map(a => a.id).slice(0, 3), ['claude-code', 'codex', 'gemini']);
  assert.equal(new Set(ADAPTERS.map(a => a.id)).size, ADAPTERS.length);
  for (const a of ADAPTERS) {
    assert.equal(a.usage.agent, a.id, `${a.id}: its reader's agent`);
    assert.equal(adapterOf(a.id), a);
    assert.ok(a.displayName && a.displayName !== a.id);
    assert.ok(/^[a-z][A-Za-z]*Dirs$/.test(a.logs.setting), a.logs.setting);
    assert.ok(/^[a-z]+(-[a-z]+)*-dir$/.test(a.logs.cliFlag), a.logs.cliFlag);
  }
  assert.equal(new Set(ADAPTERS.map(a => a.logs.setting)).size, ADAPTERS.length);
  assert.equal(new Set(ADAPTERS.map(a => a.logs.cliFlag)).size, ADAPTERS.length);
  assert.equal(isAgentId('codex'), true);
  assert.equal(isAgentId('nope'), false);
  assert.equal(isAgentId(3), false);
  assert.throws(() => adapterOf('nope'), /unknown agent 'nope'/);
  assert.equal(agentName('gemini'), 'Gemini CLI');
  assert.equal(agentName('retired-agent'), 'retired-agent');
});

test('package.json declares exactly the adapters\' folder settings, machine-scoped, described by the adapter', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, { type: string; scope?: string; markdownDescription?: string; default?: unknown }> } | { properties: Record<string, { type: string; scope?: string; markdownDescription?: string; default?: unknown }> }[] } };
  const conf = pkg.contributes.configuration;
  const props = Object.assign({}, ...(Array.isArray(conf) ? conf : [conf]).map(c => c.properties)) as Record<string, { type: string; scope?: string; markdownDescription?: string; default?: unknown }>;
  const declared = Object.keys(props).filter(k => /^tokenomics\.[a-z][A-Za-z]*Dirs$/.test(k)).sort();
  assert.deepEqual(declared, ADAPTERS.map(a => `tokenomics.${a.logs.setting}`).sort());
  for (const a of ADAPTERS) {
    const p = props[`tokenomics.${a.logs.setting}`]!;
    assert.equal(p.type, 'array');
    assert.equal(p.scope, 'machine', `${a.logs.setting}: paths are machine-scoped`);
    assert.deepEqual(p.default, []);
    assert.equal(p.markdownDescription, a.logs.settingDescription, `${a.logs.setting}: description`);
  }
  // log files named one by one (Copilot's OTel exporter file): declared the same way
  for (const a of ADAPTERS) {
    if (!a.logs.files) continue;
    const p = props[`tokenomics.${a.logs.files.setting}`];
    assert.ok(p, `${a.logs.files.setting} is declared`);
    assert.deepEqual([p.type, p.scope, p.default, p.markdownDescription], ['array', 'machine', [], a.logs.files.settingDescription]);
  }
});

test('settings, CLI flags and default folders come from the adapters', () => {
  const { settings, problems } = parseSettings({ claudeDirs: ['/c'], codexDirs: 'not a list' });
  assert.deepEqual(settings.agentDirs, { ...Object.fromEntries(ADAPTERS.flatMap(a => [[a.logs.setting, []], ...a.logs.files ? [[a.logs.files.setting, []]] : []])), claudeDirs: ['/c'] });
  assert.deepEqual(problems.map(p => p.setting), ['tokenomics.codexDirs']);
  for (const a of ADAPTERS) assert.equal(FOLDER_FLAGS[a.logs.cliFlag], 'multi');
  for (const a of ADAPTERS) if (a.logs.files) assert.equal(FOLDER_FLAGS[a.logs.files.cliFlag], 'multi');
  assert.equal(FOLDER_FLAGS['no-cache'], 'bool');
  assert.deepEqual(agentRoots({ HOME: '/h' }, settings.agentDirs).filter(r => r.explicit).map(r => `${r.agent}:${r.dir}`), ['claude-code:/c']);
});
