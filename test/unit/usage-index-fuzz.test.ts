// Random corruptions of real-shaped log lines (the agent-log fixtures): truncation, a flipped byte, a
// NUL, a duplicated line. The oracle is the report over the same logs with the corrupted lines deleted
// (a duplicate: with nothing deleted, since a copy of a request is the same request). A fixed seed and a
// fixed number of cases, so a failure replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './tempDirs';
import { rng } from './helpers';
import { FIXTURES } from './agents-fixtures';
import type { AgentRoot } from '../../src/core/agents/locations';
import { bundledCatalog } from '../../src/core/catalog';
import { buildReport } from '../../src/core/usage/report';
import { UsageIndex } from '../../src/core/usage/usageIndex';

const CASES = 60;
const SEED = 20261201;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p)); else out.push(p);
  }
  return out.sort();
}

async function reportOf(root: string) {
  const roots: AgentRoot[] = [['claude-code', 'claude'], ['codex', 'codex'], ['gemini', 'gemini']].map(([agent, d]) => ({ agent: agent!, dir: path.join(root, d!), explicit: true }));
  const index = new UsageIndex({ roots, cacheFile: null });
  await index.refresh();
  const r = buildReport(index.records(), bundledCatalog(), { timezone: 'UTC' });
  return { ...r, skipped: { ...r.skipped, malformedLines: 0 } };
}

test(`fuzz: ${CASES} corrupted copies of the fixture logs report what the logs without those lines report`, async () => {
  const random = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const originals = files(FIXTURES).map(f => ({ rel: path.relative(FIXTURES, f), text: fs.readFileSync(f, 'utf8') }));
  // whole-file JSON (Gemini's session-*.json) is one document: a corrupted byte there costs the file, by design
  const lineFiles = originals.filter(o => o.rel.endsWith('.jsonl'));
  const work = tempDir('tkx-fuzz-');
  const write = (dir: string, texts: Map<string, string>) => {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const o of originals) {
      const p = path.join(dir, o.rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, texts.get(o.rel) ?? o.text);
    }
  };
  for (let c = 0; c < CASES; c++) {
    const corrupted = new Map<string, string>(), oracle = new Map<string, string>();
    const kinds: string[] = [];
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
      // one corruption per file and case: a line and its duplicate must not be corrupted apart
      const f = pick(lineFiles);
      if (corrupted.has(f.rel)) continue;
      const lines = f.text.split('\n'), kept = f.text.split('\n');
      const candidates: [string, number][] = lines.map((text, n): [string, number] => [text, n]).filter(([text]) => text.length > 2);
      if (!candidates.length) continue;
      const [l, i] = pick(candidates);
      let kind = pick(['truncate', 'flip', 'nul', 'duplicate']);
      if (kind === 'duplicate' && !f.rel.startsWith('claude/')) kind = 'nul'; // a replayed Codex session_meta means a fork: not a copy
      kinds.push(kind);
      const at = Math.floor(random() * l.length);
      if (kind === 'duplicate') { lines.splice(i + 1, 0, l); kept.splice(i + 1, 0, ''); }
      else {
        lines[i] = kind === 'truncate' ? l.slice(0, Math.min(at, l.length - 1)) : `${l.slice(0, at)}${kind === 'nul' ? '\0' : '\x01'}${l.slice(at + 1)}`;
        kept[i] = '';
      }
      corrupted.set(f.rel, lines.join('\n'));
      oracle.set(f.rel, kept.join('\n'));
    }
    write(path.join(work, 'a'), corrupted);
    write(path.join(work, 'b'), oracle);
    const ra = await reportOf(path.join(work, 'a')), rb = await reportOf(path.join(work, 'b'));
    assert.deepEqual(ra, rb, `case ${c} (${kinds.join(', ')})`);
  }
});
