// Prompt files (issue 4) in a real VS Code with the installed .vsix: a bloated CLAUDE.md
// (test/e2e/fixtures/prompt-files/CLAUDE.md: duplicate paragraphs, trailing whitespace and runs of blank
// lines, filler, a 40-line stack trace, a base64 blob) with tokenomics.model = gpt-4o. Checks: the code lens
// on line 1 (tokens and cost), the squiggles and the Problems panel (tokenomics.* codes), the token meter's
// findings count, a quick fix from the lightbulb menu lowering the meter's count, and Ctrl+Z restoring it.
// Saves prompt-file.png and quick-fix.png in t.screenshotsDir.
import fs from 'node:fs';
import path from 'node:path';

export async function run(t) {
  const claudeMd = fs.readFileSync(path.join(t.e2eDir, 'fixtures/prompt-files/CLAUDE.md'), 'utf8');
  const h = await t.startVSCode({ workspace: { 'CLAUDE.md': claudeMd }, userSettings: { 'tokenomics.model': 'gpt-4o' } });
  const { page } = h;
  const meter = h.statusItem('meter');
  const editor = page.locator('.editor-group-container.active .monaco-editor').first();
  // h.focusEditor() clicks the top-left corner of the text, which the line-1 code lens covers here
  // (Fix all now also removes the emptied "## Rules again" heading, so after it the line may be scrolled away:
  // then any visible line of text will do)
  const focusEditor = async () => {
    const rules = editor.locator('.view-lines .view-line').filter({ hasText: '## Rules' }).first();
    if (await rules.isVisible().catch(() => false)) return rules.click();
    return editor.locator('.view-lines .view-line').filter({ hasText: /\S/ }).last().click();
  };
  const clean = s => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ').trim();
  const count = s => Number((s.match(/\d[\d,]*/) || ['NaN'])[0].replace(/,/g, ''));   // the first number: the count
  const findingsOf = s => Number((s.match(/gpt-4o\s+(\d+)\s*$/) || [])[1]);           // "$(warning) K": codicon text is empty

  await t.step('opening CLAUDE.md: the meter shows the gpt-4o token count', async () => {
    await h.openFile('CLAUDE.md');
    const text = await t.expectText(meter, /^\s*[\d,]+\s+·\s+gpt-4o\b/, 90_000, 'meter "N · gpt-4o"');
    t.log(`meter: ${JSON.stringify(text)}`);
  }, { fatal: true });

  await t.step('a code lens above line 1 shows the tokens and the cost per call on gpt-4o', async () => {
    const lens = editor.locator('.codelens-decoration').filter({ hasText: /per call on/ }).first();
    const text = clean(await t.expectText(lens, /tokens.*\$\d/, 60_000, 'first code lens'));
    t.log(`lens: ${JSON.stringify(text)}`);
    if (!/gpt-4o/.test(text)) throw new Error(`the lens does not name gpt-4o: ${text}`);
    // the lens sits above the first line: its view zone is higher on the screen than line 1
    const lensBox = await lens.boundingBox();
    const line1 = await editor.locator('.view-lines .view-line').filter({ hasText: 'CLAUDE.md' }).first().boundingBox();
    if (!lensBox || !line1 || lensBox.y >= line1.y) throw new Error(`the lens is not above line 1 (${JSON.stringify({ lensBox, line1 })})`);
  });

  await t.step('the meter adds the findings count ("N · gpt-4o $(warning) K") once the file is analysed, without further input', async () => {
    const re = /^\s*[\d,]+\s+·\s+gpt-4o\s+\d+\s*$/;
    // the squiggles prove the analysis is done
    await t.waitFor(async () => (await editor.locator('.squiggly-warning, .squiggly-info').count()) > 0, 60_000, 'squiggles');
    try {
      const text = await t.expectText(meter, re, 30_000, 'meter with a findings count');
      t.log(`meter: ${JSON.stringify(text)}`);
    } catch (e) {
      // evidence: does a cursor move (a new count request) bring the count?
      await focusEditor();
      await page.keyboard.press('ArrowDown');
      const later = await t.expectText(meter, re, 30_000, 'meter after a cursor move').catch(() => null);
      throw new Error(`${e.message}${later ? `; after a cursor move it shows ${JSON.stringify(later)}: the meter is not refreshed when the analysis (diagnostics) arrives` : '; not even after a cursor move'}`);
    }
  });

  await t.step('squiggles in the editor and tokenomics.* problems in the Problems panel', async () => {
    await t.waitFor(async () => (await editor.locator('.squiggly-warning, .squiggly-info').count()) > 0, 60_000, 'squiggles');
    t.log(`squiggles: ${await editor.locator('.squiggly-warning').count()} warning, ${await editor.locator('.squiggly-info').count()} info`);
    await page.keyboard.press('Control+Shift+M');   // workbench.actions.view.problems
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ timeout: 30_000 });
    let text = '';
    // tokenomics.whitespace is reported only above a minimum of whitespace tokens per file (WS_MIN_FILE_TOKENS);
    // this file's blank-line runs and trailing spaces stay below it (they are in "Fix all safe bloat" all the same)
    const want = ['duplicate-block', 'filler', 'log-dump', 'high-entropy-blob'];
    await t.waitFor(async () => {
      text = clean(await panel.innerText().catch(() => ''));
      return want.every(c => text.includes(`tokenomics.${c}`));
    }, 60_000, `the Problems panel to list ${want.map(c => `tokenomics.${c}`).join(', ')}`)
      .catch(e => { throw new Error(`${e.message}; it shows: ${text.slice(0, 1500)}`); });
    t.log(`problems: ${JSON.stringify(text.slice(0, 400))}`);
    await page.mouse.move(700, 120);
    // the picture should show the lens too (when it is missing, the next step reports it)
    await editor.locator('.codelens-decoration').filter({ hasText: /per call on/ }).first().waitFor({ timeout: 15_000 }).catch(() => {});
    await h.screenshot(path.join(t.screenshotsDir, 'prompt-file.png'));
  });

  await t.step('the line-1 code lens is still shown after the editor got focus and the cursor moved', async () => {
    const lens = editor.locator('.codelens-decoration').filter({ hasText: /per call on/ });
    await t.waitFor(async () => (await lens.count()) > 0, 30_000, 'the line-1 code lens (it was shown on opening)');
  });

  let before = 0, after = 0, kBefore = NaN, kAfterFix = NaN;
  await t.step('a quick fix from the lightbulb menu (Ctrl+.) on the repeated paragraph lowers the count', async () => {
    before = count(await h.itemText('meter'));
    kBefore = findingsOf(await h.itemText('meter'));
    // the second copy of the repeated paragraph, in "## Rules again"
    const lines = claudeMd.split('\n');
    const again = lines.indexOf('## Rules again');
    const dupLine = lines.findIndex((l, i) => i > again && l.startsWith('Always run `pnpm test`')) + 1;
    if (dupLine <= again + 1) throw new Error('fixture: the repeated paragraph after "## Rules again" is missing');
    await focusEditor();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 20_000 });
    await input.fill(`:${dupLine}:5`);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: 20_000 });
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget');
    const rows = menu.locator('.monaco-list-row.action');
    await rows.first().waitFor({ timeout: 30_000 });
    let titles = [];
    await t.waitFor(async () => (titles = (await rows.allInnerTexts()).map(clean)).some(x => /Fix all|Remove duplicate|Collapse/.test(x)),
      30_000, 'a "Fix all" / "Remove duplicate" / "Collapse" action').catch(e => { throw new Error(`${e.message}; the menu offers ${JSON.stringify(titles)}`); });
    t.log(`quick fixes: ${JSON.stringify(titles)}`);
    const pick = titles.find(x => /Fix all/.test(x)) ?? titles.find(x => /Remove duplicate/.test(x)) ?? titles.find(x => /Collapse/.test(x));
    // the keyboard, as a user would: the first action is focused; pointer actions on the rows time out here
    for (let i = 0; i < titles.indexOf(pick); i++) await page.keyboard.press('ArrowDown');
    await menu.locator('.monaco-list-row.action.focused', { hasText: pick.slice(0, 12) }).waitFor({ timeout: 10_000 });
    await h.screenshot(path.join(t.screenshotsDir, 'quick-fix.png'));
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: 20_000 }).catch(() => {});
    let now = '';
    await t.waitFor(async () => { now = await h.itemText('meter').catch(() => ''); return count(now) < before; }, 60_000,
      `the meter count to fall below ${before}`).catch(e => { throw new Error(`${e.message}; it says ${JSON.stringify(now)}`); });
    after = count(now);
    kAfterFix = findingsOf(now);
    t.log(`"${pick}": ${before} -> ${after} tokens (${JSON.stringify(now)}; findings shown: ${findingsOf(now)})`);
    const saved = Number(((pick.match(/−\s*([\d,]+)/) || [])[1] || '').replace(/,/g, ''));
    if (saved && before - after !== saved) t.log(`note: the action promised −${saved}, the meter fell by ${before - after}`);
  });

  await t.step('the meter\'s findings count follows the fix (the two repeated paragraphs are gone)', async () => {
    if (!after) throw new Error('no fix was applied in the previous step');
    let now = '';
    await t.waitFor(async () => { now = await h.itemText('meter').catch(() => ''); return findingsOf(now) < kBefore; }, 30_000,
      `the findings count to fall below ${kBefore}`).catch(e => {
      throw new Error(`${e.message}; the meter says ${JSON.stringify(now)} (count ${count(now)}, findings ${findingsOf(now)}; right after the fix: ${kAfterFix}). The Problems panel has the new findings: the meter's K comes from the previous analysis`);
    });
    t.log(`findings ${kBefore} -> ${findingsOf(now)}`);
  });

  await t.step('Ctrl+Z undoes the fix: the count returns to its value before', async () => {
    if (!before || !after) throw new Error('no fix was applied in the previous step');
    await focusEditor();
    await page.keyboard.press('Control+Z');
    let now = '';
    await t.waitFor(async () => { now = await h.itemText('meter').catch(() => ''); return count(now) === before; }, 60_000,
      `the meter count to return to ${before}`).catch(e => { throw new Error(`${e.message}; it says ${JSON.stringify(now)}`); });
    const text = await editor.locator('.view-lines').innerText();
    t.log(`after undo: ${JSON.stringify(now)}`);
    if (!text.replace(/\u00a0/g, ' ').includes('Rules again')) throw new Error('the undone document lost its "Rules again" section');
  });
}
