import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, DEFAULT_MODEL } from '../../src/core/settings';

test('defaults when nothing is set', () => {
  const { settings, problems } = parseSettings({});
  assert.equal(settings.model, DEFAULT_MODEL);
  assert.equal(settings['contextWarning.percent'], 60);
  assert.deepEqual(problems, []);
});

test('nested VS Code configuration objects are read', () => {
  const { settings } = parseSettings({ model: 'gpt-4o', budget: { dailyUSD: 5 }, contextWarning: { percent: 70 } });
  assert.equal(settings.model, 'gpt-4o');
  assert.equal(settings['budget.dailyUSD'], 5);
  assert.equal(settings['contextWarning.percent'], 70);
});

test('each invalid value is named and replaced by its default', () => {
  const { settings, problems } = parseSettings({ model: 42, maxFileSizeMB: -1, prices: { 'gpt-4o': { input: -3 } } });
  assert.equal(settings.model, DEFAULT_MODEL);
  assert.equal(settings.maxFileSizeMB, 20);
  assert.deepEqual(problems.map(p => p.setting), ['tokenomics.model', 'tokenomics.maxFileSizeMB', 'tokenomics.prices["gpt-4o"].input']);
  assert.match(problems[2]!.message, /bundled price is used/);
});

test('garbage in, defaults out', () => {
  for (const raw of [null, undefined, 'x', 3, []]) assert.equal(parseSettings(raw).settings.model, DEFAULT_MODEL);
});

test('an unknown time zone is reported and the system zone is used', () => {
  const { settings, problems } = parseSettings({ timezone: 'Mars/Olympus' });
  assert.equal(settings.timezone, '');
  assert.deepEqual(problems.map(p => p.setting), ['tokenomics.timezone']);
  assert.equal(parseSettings({ timezone: 'Europe/Berlin' }).problems.length, 0);
});
