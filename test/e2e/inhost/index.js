// Loaded INSIDE the real extension host (the extensionTestsPath): runs the mocha suites (tdd ui) of this
// folder, *.test.js in name order, and writes the per-test results to $TOKENOMICS_E2E_RESULTS (JSON) for
// test/e2e/run.mjs. The workbench reports the exit code through codeAutomationExit.
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

exports.run = function run() {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).filter(f => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  const results = { passed: [], failed: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run(failures => {
      if (process.env.TOKENOMICS_E2E_RESULTS) {
        try { fs.writeFileSync(process.env.TOKENOMICS_E2E_RESULTS, JSON.stringify(results, null, 1)); } catch (e) { console.error(`cannot write results: ${e}`); }
      }
      if (failures) reject(new Error(`${failures} in-host test(s) failed`)); else resolve();
    });
    const title = t => t.titlePath().join(': ');
    runner.on('pass', t => results.passed.push(title(t)));
    runner.on('fail', (t, err) => results.failed.push({ title: title(t), error: String((err && err.stack) || err) }));
  });
};
