// The status bar token meter, as a user sees it in a real VS Code with the installed .vsix:
// exact count of the open file on gpt-4o, live while typing, of the selection, following editor
// switches, `Tokenomics: Select Model` switching to an estimated (≈) Claude count, clicking the item.
// Expected counts are computed here, independently, with js-tiktoken (o200k_base, as gpt-4o uses).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const FORMAT = n => n.toLocaleString('en-US');
const esc = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** "1,234 · gpt-4o" but not "≈1,234", "11,234" or "gpt-4o-mini"; `sel` when counting a selection. */
const exactRe = (n, model, sel = false) =>
  new RegExp(`(^|[^≈\\d,.])${esc(FORMAT(n))}(?![\\d,])${sel ? '\\s*sel' : '(?!\\s*sel)'}[^]*${esc(model)}(?![\\w.-])`);
const approxRe = model => new RegExp(`≈\\s*[\\d,]+[^]*${esc(model)}(?![\\w.-])`);

export async function run(t) {
  const require = createRequire(path.join(t.root, 'package.json'));
  const { getEncoding } = require('js-tiktoken');
  const enc = getEncoding('o200k_base');
  const count = s => enc.encode(s, [], []).length;

  const sample = fs.readFileSync(path.join(t.e2eDir, 'fixtures/sample.md'), 'utf8');
  const notes = fs.readFileSync(path.join(t.e2eDir, 'fixtures/notes.txt'), 'utf8');
  const h = await t.startVSCode({
    workspace: { 'sample.md': sample, 'notes.txt': notes },
    userSettings: { 'tokenomics.model': 'gpt-4o' },
  });
  const { page } = h;
  const meter = h.statusItem('meter');
  const quickInput = page.locator('.quick-input-widget');
  let current = sample;
  /** The model quick pick is open: empty filter, a title or placeholder about the model, model rows. */
  const modelPickOpen = () => t.waitFor(async () => await quickInput.isVisible()
    && (await quickInput.locator('input').inputValue().catch(() => '>')) === ''
    && /model/i.test(`${await quickInput.locator('.quick-input-title').innerText().catch(() => '')} ${await quickInput.locator('input').getAttribute('placeholder').catch(() => '')}`)
    && (await quickInput.locator('.monaco-list-row', { hasText: /claude-|gpt-|gemini-/ }).count()) > 0, 30_000, 'the model quick pick (title or placeholder naming "model", model rows)');

  await t.step(`meter shows the exact gpt-4o count of sample.md (${FORMAT(count(sample))})`, async () => {
    await h.openFile('sample.md');
    const text = await t.expectText(meter, exactRe(count(sample), 'gpt-4o'), 60_000, 'meter');
    t.log(`meter: ${JSON.stringify(text)}`);
  }, { fatal: true });

  await t.step('tooltip names the model, the cost per call and the share of the context window', async () => {
    await meter.hover();
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'gpt-4o' }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    const text = await hover.innerText();
    if (!/\$\s?\d/.test(text)) throw new Error(`tooltip shows no cost in $: ${JSON.stringify(text)}`);
    if (!/\d\s?%/.test(text)) throw new Error(`tooltip shows no context window share in %: ${JSON.stringify(text)}`);
    await page.waitForTimeout(300);   // hover fade-in, for a clean screenshot
    await h.screenshot(path.join(t.screenshotsDir, 'token-meter.png'));
    t.log(`screenshot ${path.join(t.screenshotsDir, 'token-meter.png')}; tooltip: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 200))}`);
    await page.mouse.move(700, 300);
  });

  await t.step('typing changes the count to the exact count of the new text', async () => {
    const typed = 'Tokenomics counts every token you type, even the 42 in this sentence.';
    await h.focusEditor();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(typed, { delay: 15 });
    current = sample + typed;   // sample.md ends with a newline: Ctrl+End is on the empty last line
    if (count(current) === count(sample)) throw new Error('test bug: the typed text adds no tokens');
    await t.expectText(page.locator('.editor-group-container.active .monaco-editor .view-lines'), /even\sthe\s42\sin\sthis\ssentence\./, 20_000, 'editor');
    const text = await t.expectText(meter, exactRe(count(current), 'gpt-4o'), 30_000, 'meter');
    t.log(`after typing: ${JSON.stringify(text)} (was ${FORMAT(count(sample))})`);
  });

  await t.step('a selection shows the exact count of the selected text', async () => {
    const LINES = 10;
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < LINES; i++) await page.keyboard.press('Shift+ArrowDown');
    const selected = current.split('\n').slice(0, LINES).join('\n') + '\n';
    const text = await t.expectText(meter, exactRe(count(selected), 'gpt-4o', true), 30_000, 'meter');
    t.log(`selection of ${LINES} lines: ${JSON.stringify(text)}`);
    await page.keyboard.press('Control+End');   // collapse the selection
    await t.expectText(meter, exactRe(count(current), 'gpt-4o'), 30_000, 'meter after the selection collapsed');
  });

  await t.step('the meter follows editor switches', async () => {
    await h.openFile('notes.txt');
    await t.expectText(meter, exactRe(count(notes), 'gpt-4o'), 30_000, 'meter on notes.txt');
    await h.openFile('sample.md');
    await t.expectText(meter, exactRe(count(current), 'gpt-4o'), 30_000, 'meter back on sample.md');
  });

  await t.step('Tokenomics: Select Model -> claude-sonnet-4-5 turns the meter into a ≈ estimate for that model', async () => {
    await h.runCommand('Tokenomics: Select Model');
    // the model pick replaces the command palette: wait until its input is empty and it lists models
    await modelPickOpen();
    // the screenshot shows the whole pick (grouped by provider, with tier and prices), before filtering
    await page.mouse.move(900, 650);   // away from the list: no stray hover in the screenshot
    await page.waitForTimeout(800);
    await h.screenshot(path.join(t.screenshotsDir, 'select-model.png'));
    t.log(`screenshot ${path.join(t.screenshotsDir, 'select-model.png')}`);
    await quickInput.locator('input').fill('claude-sonnet-4-5');
    const row = quickInput.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^(\s*)claude-sonnet-4-5\s*$/ }) }).first();
    await row.waitFor({ timeout: 20_000 });
    await row.click();
    await quickInput.waitFor({ state: 'hidden', timeout: 20_000 });
    const settingsFile = path.join(h.tmp, 'user-data/User/settings.json');
    const model = () => { try { return JSON.parse(fs.readFileSync(settingsFile, 'utf8'))['tokenomics.model']; } catch { return undefined; } };
    await t.waitFor(() => model() === 'claude-sonnet-4-5', 20_000, `tokenomics.model = "claude-sonnet-4-5" in the user settings (is ${JSON.stringify(model())})`)
      .catch(() => { throw new Error(`the pick did not set tokenomics.model: the user settings say ${JSON.stringify(model())}`); });
    const text = await t.expectText(meter, approxRe('claude-sonnet-4-5'), 30_000, 'meter (the setting tokenomics.model IS already claude-sonnet-4-5)');
    t.log(`after Select Model: ${JSON.stringify(text)}`);
  });

  await t.step('clicking the meter opens the model quick pick', async () => {
    await meter.click();
    await modelPickOpen();
    await page.keyboard.press('Escape');
    await quickInput.waitFor({ state: 'hidden', timeout: 10_000 });
  });

  await t.step('the meter hides for a non-text editor (Settings UI)', async () => {
    await h.runCommand('Preferences: Open Settings (UI)');
    await page.locator('.settings-editor').waitFor({ timeout: 30_000 });
    await meter.waitFor({ state: 'hidden', timeout: 30_000 });
  });
}
