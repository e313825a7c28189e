// The fixture logs of test/fixtures/week, copied with every timestamp shifted so that their week
// (2026-05-04) is the current week (UTC, Monday start), for scenarios that need "this week" and "last week".
import fs from 'node:fs';
import path from 'node:path';

const DAY = 86_400_000;

function copyShifted(src, dst, shiftMs) {
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name), d = path.join(dst, e.name);
    if (e.isDirectory()) { fs.mkdirSync(d, { recursive: true }); copyShifted(s, d, shiftMs); continue; }
    if (!e.name.endsWith('.jsonl')) continue;
    const text = fs.readFileSync(s, 'utf8').replace(/"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"/g, (_, iso) => JSON.stringify(new Date(Date.parse(iso) + shiftMs).toISOString()));
    fs.writeFileSync(d, text);
  }
}

export function makeWeekFixture(t) {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * DAY;
  const shift = monday - Date.UTC(2026, 4, 4);
  const root = fs.mkdtempSync(path.join(t.tmpRoot, 'week-fixture-'));
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), '# weekly summary test\n');
  const fx = path.join(t.root, 'test/fixtures/week');
  const claudeDir = path.join(root, 'claude'), codexDir = path.join(root, 'codex'), geminiDir = path.join(root, 'gemini');
  for (const d of [claudeDir, codexDir, geminiDir]) fs.mkdirSync(d, { recursive: true });
  copyShifted(path.join(fx, 'claude'), claudeDir, shift);
  copyShifted(path.join(fx, 'codex'), codexDir, shift);
  return {
    root, ws, claudeDir, codexDir, geminiDir,
    weekStart: new Date(monday).toISOString().slice(0, 10),
    prevWeek: new Date(monday - 7 * DAY).toISOString().slice(0, 10),
    machineSettings: { 'tokenomics.claudeDirs': [claudeDir], 'tokenomics.codexDirs': [codexDir], 'tokenomics.geminiDirs': [geminiDir], 'tokenomics.timezone': 'UTC' },
  };
}
