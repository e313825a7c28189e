// Loads encodings on first use and hands out counters. Loading o200k's ranks costs over a second of
// CPU, so it happens once per process, lazily, and never in the extension host.
import path from 'node:path';
import { createRequire } from 'node:module';
import { BpeCounter, parseRanks, RanksFile } from './bpe';
import type { EncodingName } from './encodings';

const loaded = new Map<EncodingName, Promise<BpeCounter>>();
const ready = new Map<EncodingName, BpeCounter>();

/**
 * Bundles (dist/server.js, dist/cli.js) find the rank files copied beside them in dist/ranks;
 * compiled tests find them in node_modules. The require is built at run time so that no bundler
 * inlines megabytes of ranks into a bundle that may never need them.
 */
function loadRanksFile(name: EncodingName): RanksFile {
  const req = createRequire(__filename);
  const candidates = [path.join(__dirname, 'ranks', `${name}.cjs`), `js-tiktoken/ranks/${name}`];
  let lastError: unknown;
  for (const c of candidates) {
    try {
      const file = req(c) as RanksFile;
      // The parsed map is all we keep: drop the megabytes of module source from the require cache.
      try { delete req.cache[req.resolve(c)]; } catch { /* not cached */ }
      return file;
    } catch (e) { lastError = e; }
  }
  throw new Error(`cannot load the ${name} token ranks: ${(lastError as Error)?.message}`);
}

export function getCounter(name: EncodingName): Promise<BpeCounter> {
  let p = loaded.get(name);
  if (!p) {
    p = Promise.resolve().then(() => {
      const file = loadRanksFile(name);
      const { ranks, maxTokenBytes } = parseRanks(file);
      const counter = new BpeCounter(ranks, file.pat_str, maxTokenBytes);
      ready.set(name, counter);
      return counter;
    });
    loaded.set(name, p);
  }
  return p;
}

/** The counter if its ranks are already loaded, else undefined (callers then show an estimate). */
export function counterIfReady(name: EncodingName): BpeCounter | undefined {
  return ready.get(name);
}

export function loadedEncodings(): EncodingName[] {
  return [...ready.keys()];
}
