// Loads encodings on first use and hands out counters. Ranks load once per process, lazily, and
// never in the extension host.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BpeCounter } from './bpe';
import type { EncodingName } from './encodings';
import { decodeRanks, parseRanks, RankTable, RanksFile } from './ranks';

/** Set on globalThis once any ranks load in this process (see `ranksLoadedOnHost` in the extension). */
export const RANKS_LOADED = Symbol.for('tokenomics.ranksLoaded');

const loaded = new Map<EncodingName, Promise<BpeCounter>>();
const ready = new Map<EncodingName, BpeCounter>();

/**
 * Bundles (dist/server.js, dist/cli.js) read the binary ranks the build writes beside them in
 * dist/ranks (a few ms); compiled tests, which have no dist, parse js-tiktoken's text form (~130 ms).
 */
export function loadRanks(name: EncodingName, dir = path.join(__dirname, 'ranks')): { table: RankTable; patStr: string } {
  // Binary ranks are read with fs, not require: this mark is how the extension host can tell it never loaded any.
  (globalThis as Record<symbol, unknown>)[RANKS_LOADED] = true;
  const bin = path.join(dir, `${name}.bin`);
  let buf: Buffer | undefined;
  try { buf = fs.readFileSync(bin); } catch { /* no prebuilt ranks here: use the text form */ }
  if (buf) {
    try { return decodeRanks(buf); } catch (e) { throw new Error(`cannot load the ${name} token ranks from ${bin}: ${(e as Error).message}`); }
  }
  // The require is built at run time so that no bundler inlines megabytes of ranks into a bundle.
  const req = createRequire(__filename);
  const id = `js-tiktoken/ranks/${name}`;
  let file: RanksFile;
  try { file = req(id) as RanksFile; } catch (e) { throw new Error(`cannot load the ${name} token ranks: ${(e as Error).message}`); }
  // The table is all we keep: drop the megabytes of module source from the require cache.
  try { delete req.cache[req.resolve(id)]; } catch { /* not cached */ }
  return { table: parseRanks(file), patStr: file.pat_str };
}

export function getCounter(name: EncodingName): Promise<BpeCounter> {
  let p = loaded.get(name);
  if (!p) {
    p = Promise.resolve().then(() => {
      const { table, patStr } = loadRanks(name);
      const counter = new BpeCounter(table, patStr);
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
