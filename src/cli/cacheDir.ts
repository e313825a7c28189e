// Where the CLI keeps what it can rebuild: the usage indexes, and V8's compiled code of its bundles.
import os from 'node:os';
import path from 'node:path';

export function cacheDir(env: NodeJS.ProcessEnv): string {
  const home = env.HOME || os.homedir();
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'tokenomics');
}
