// This machine's cache folder for Tokenomics, as the CLI and the export name it: the CLI's usage indexes,
// V8's compiled code of its bundles (code/), and the export's state shared by every window and the CLI (otlp/).
import os from 'node:os';
import path from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME || os.homedir();
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'tokenomics');
}
