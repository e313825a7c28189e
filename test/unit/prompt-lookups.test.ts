import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from './prompt-helpers';

// Issue 14 item 8: a lookup keyed by text from the file found Object.prototype's members, so a fence
// tagged `constructor` proposed the file name "CLAUDE.code-1.function Object() { [native code] }".
test('a large code fence tagged with an Object.prototype name gets a plain .txt file name', async () => {
  const code = Array.from({ length: 200 }, (_, i) => `step ${i}: call the service with id ${i * 7} and log the result`).join('\n');
  for (const tag of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
    const a = await analyze(`# Notes\n\nShort intro.\n\n\`\`\`${tag}\n${code}\n\`\`\`\n`, { path: '/w/CLAUDE.md' });
    const f = a.findings.find(x => x.rule === 'large-code-block');
    assert.ok(f, tag);
    assert.equal(f.fixes[0]!.createFile!.name, 'CLAUDE.code-1.txt', tag);
  }
});
