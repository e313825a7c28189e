// Settings with their scope (issue 9) in a real VS Code: a multi-root workspace (a .code-workspace file
// with the folders shop/ and blog/). shop/.vscode/settings.json sets tokenomics.model = gpt-4o; blog/ sets
// nothing, so the user's claude-sonnet-4-5 applies there. Each folder's file is counted on its folder's
// model; `Tokenomics: Select Model` with a shop file active writes the folder-level value (the one in
// effect) and the meter follows it, while blog stays on the user's model.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const esc = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const exactRe = (n, model) => new RegExp(`(^|[^≈\\d,.])${esc(n.toLocaleString('en-US'))}(?![\\d,])[^]*·\\s*${esc(model)}(?![\\w.-])`);
const approxRe = model => new RegExp(`≈\\s*[\\d,]+[^]*·\\s*${esc(model)}(?![\\w.-])`);

export async function run(t) {
  const require = createRequire(path.join(t.root, 'package.json'));
  const { getEncoding } = require('js-tiktoken');
  const enc = getEncoding('o200k_base');
  const root = fs.mkdtempSync(path.join(t.tmpRoot, 'multi-root-'));
  const shop = path.join(root, 'shop'), blog = path.join(root, 'blog');
  const shopText = fs.readFileSync(path.join(t.e2eDir, 'fixtures/sample.md'), 'utf8');
  const blogText = fs.readFileSync(path.join(t.e2eDir, 'fixtures/notes.txt'), 'utf8');
  fs.mkdirSync(path.join(shop, '.vscode'), { recursive: true });
  fs.mkdirSync(blog, { recursive: true });
  fs.writeFileSync(path.join(shop, 'shop-notes.md'), shopText);
  fs.writeFileSync(path.join(blog, 'blog-notes.txt'), blogText);
  const shopSettings = path.join(shop, '.vscode/settings.json');
  fs.writeFileSync(shopSettings, JSON.stringify({ 'tokenomics.model': 'gpt-4o' }, null, 1));
  const wsFile = path.join(root, 'both.code-workspace');
  fs.writeFileSync(wsFile, JSON.stringify({ folders: [{ path: 'shop' }, { path: 'blog' }], settings: {} }, null, 1));
  let h;
  try {
    h = await t.startVSCode({ workspace: wsFile, userSettings: { 'tokenomics.model': 'claude-sonnet-4-5' } });
    const meter = h.statusItem('meter');

    await t.step('a shop file is counted on shop\'s folder-level model (gpt-4o, exact)', async () => {
      await h.openFile('shop-notes.md');
      const text = await t.expectText(meter, exactRe(enc.encode(shopText, [], []).length, 'gpt-4o'), 90_000, 'meter on shop-notes.md');
      t.log(`shop: ${JSON.stringify(text)}`);
    }, { fatal: true });

    await t.step('a blog file is counted on the user\'s model (claude-sonnet-4-5, ≈)', async () => {
      await h.openFile('blog-notes.txt');
      const text = await t.expectText(meter, approxRe('claude-sonnet-4-5'), 30_000, 'meter on blog-notes.txt');
      t.log(`blog: ${JSON.stringify(text)}`);
    });

    await t.step('Select Model in a shop file writes shop\'s folder setting, and only shop\'s files follow it', async () => {
      await h.openFile('shop-notes.md');
      await t.expectText(meter, /gpt-4o/, 30_000, 'meter back on shop');
      await h.runCommand('Tokenomics: Select Model');
      const quickInput = h.page.locator('.quick-input-widget');
      await quickInput.locator('.monaco-list-row', { hasText: /claude-|gpt-|gemini-/ }).first().waitFor({ timeout: 30_000 });
      const placeholder = await quickInput.locator('input').getAttribute('placeholder');
      if (!/now: gpt-4o\)/.test(placeholder ?? '')) throw new Error(`the pick names the model in effect for shop (gpt-4o): ${placeholder}`);
      await quickInput.locator('input').fill('gpt-4.1-mini');
      const row = quickInput.locator('.monaco-list-row').filter({ has: h.page.locator('.label-name', { hasText: /^\s*gpt-4\.1-mini\s*$/ }) }).first();
      await row.waitFor({ timeout: 20_000 });
      await row.click();
      const model = () => { try { return JSON.parse(fs.readFileSync(shopSettings, 'utf8'))['tokenomics.model']; } catch { return undefined; } };
      await t.waitFor(() => model() === 'gpt-4.1-mini', 20_000, `tokenomics.model = gpt-4.1-mini in shop/.vscode/settings.json (is ${JSON.stringify(model())})`);
      await t.expectText(meter, exactRe(enc.encode(shopText, [], []).length, 'gpt-4.1-mini'), 30_000, 'meter on shop after Select Model');
      await h.openFile('blog-notes.txt');
      await t.expectText(meter, approxRe('claude-sonnet-4-5'), 30_000, 'meter on blog after Select Model');
    });
  } finally {
    await h?.stop();
    if (!process.env.KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
  }
}
