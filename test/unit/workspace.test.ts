// The engine's one list of workspace folders: what initialize gives, what didChangeWorkspaceFolders
// changes, and which folder holds a file (the innermost, for nested folders of a multi-root workspace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Workspace } from '../../src/server/workspace';

const ref = (p: string) => ({ uri: `file://${p}`, name: p.split('/').pop() });

test('folders from initialize, changed by events; listeners hear only real changes', () => {
  const ws = new Workspace([ref('/work/shop/'), ref('/work/blog')]);
  assert.deepEqual(ws.folders, ['/work/shop', '/work/blog'], 'no trailing slash');
  let heard = 0;
  ws.onDidChange(() => heard++);
  ws.change({ added: [ref('/work/lab')], removed: [ref('/work/shop')] });
  assert.deepEqual(ws.folders, ['/work/blog', '/work/lab']);
  assert.equal(heard, 1);
  ws.change({ added: [ref('/work/lab')], removed: [] });
  assert.equal(heard, 1, 'adding a folder already there changes nothing');
  ws.set(null);
  assert.deepEqual(ws.folders, []);
  assert.equal(heard, 2);
});

test('folderOf: the innermost folder holding a path, never a sibling with the same prefix', () => {
  const ws = new Workspace([ref('/work/shop'), ref('/work/shop/api'), ref('/work/shop-old')]);
  assert.equal(ws.folderOf('/work/shop/api/src/a.ts'), '/work/shop/api');
  assert.equal(ws.folderOf('/work/shop/README.md'), '/work/shop');
  assert.equal(ws.folderOf('/work/shop-old/x.md'), '/work/shop-old');
  assert.equal(ws.folderOf('/work/shopping/x.md'), undefined);
  assert.equal(ws.folderOf('C:\\work\\x.md'), undefined);
});
