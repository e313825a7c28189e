// dist/cli.js, the `tokenomics` command: runs the command line (dist/cli-main.js) on the code V8
// compiled for it in the last run of the same command, kept in $XDG_CACHE_HOME/tokenomics/code
// (codeCache.ts says why and what it holds). TOKENOMICS_CODE_CACHE=0 compiles everything every time.
import path from 'node:path';
import { loadBundle } from '../core/codeCache';
import { cacheDir } from '../core/cacheDir';
import type * as Cli from './cli';

const dir = process.env.TOKENOMICS_CODE_CACHE === '0' ? null : path.join(cacheDir(process.env), 'code');
// one cache per command: each runs its own functions (an unknown word shares one, and fails anyway)
const word = process.argv[2] ?? '';
const bundle = loadBundle<typeof Cli>(path.join(__dirname, 'cli-main.js'), dir, `cli-${/^[a-z]{1,16}$/.test(word) ? word : 'other'}`);
bundle.exports.runProcess({ workerCodeDir: dir }, () => { bundle.save(); });
