// `npm run bench`: every benchmark section in one run. Each prints its measurement next to its
// baseline from the same process (ratios), and the target it is held to.
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const sections = ['tokens', 'prompts', 'agents', 'codex', 'vscode-agents', 'engine', 'week', 'week-webview', 'stress', 'engine-stress', 'otlp'].filter(s => fs.existsSync(path.join(HERE, `${s}.mjs`)) && (!only.length || only.includes(s)));
let failed = 0;
for (const s of sections) {
  console.log(`\n== ${s}`);
  try {
    const mod = await import(path.join(HERE, `${s}.mjs`));
    await mod.run(line => console.log(`  ${line}`));
  } catch (e) {
    failed++;
    console.log(`  FAILED: ${e?.stack ?? e}`);
  }
}
process.exit(failed ? 1 : 0);
