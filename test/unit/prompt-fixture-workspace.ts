// The workspace of a fixture or corpus project: the files present plus the recorded file list
// (`FILES`, one relative path a line: the repository's tree, whose files we do not copy).
import fs from 'node:fs';
import path from 'node:path';
import { workspaceFromFiles, WorkspaceView } from '../../src/core/prompt';

function walk(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name)).replace(/\\/g, '/')]));
}

export function fixtureWorkspace(root: string, listFile = 'FILES'): WorkspaceView {
  const listed = fs.existsSync(path.join(root, listFile)) ? fs.readFileSync(path.join(root, listFile), 'utf8').split('\n').map(l => l.trim()).filter(Boolean) : [];
  const present = walk(root);
  return workspaceFromFiles(root, [...new Set([...present, ...listed])], rel => {
    try { return fs.readFileSync(path.join(root, rel), 'utf8'); } catch { return undefined; }
  });
}
