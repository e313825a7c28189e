// tiktoken's merge ranks, as the counter looks them up: token bytes -> rank in an open-addressing hash
// table over one byte blob, so a lookup hashes bytes in place instead of building a string per probe.
//
// Two sources, one table:
// - the text form js-tiktoken ships (`bpe_ranks`, base64 tokens): ~130 ms to parse for o200k, so it is
//   only the fallback when no prebuilt file sits beside the bundle (compiled tests, a broken install);
// - the binary form `src/tools/build.mjs` writes to `dist/ranks/<encoding>.bin` at build time: read
//   with no text parsing; only the hash table is rebuilt (a few ms), since shipping it would add
//   ~2 MB of incompressible indices to the .vsix.
//
// Binary layout (little-endian), version 1:
//   0  "TKRB"            magic
//   4  u32 version       1
//   8  u32 count         number of ranks; rank r is entry r (length 0: no token has rank r)
//  12  u32 patLength     bytes of the split pattern (UTF-8) that follow the header
//  16  pattern, then u8[count] token lengths, then the token bytes concatenated in rank order

export interface RanksFile {
  pat_str: string;
  special_tokens: Record<string, number>;
  bpe_ranks: string;
}

const MAGIC = 0x4252_4b54; // "TKRB" read as a little-endian u32
const VERSION = 1;
const HEADER = 16;

export class RankTable {
  readonly maxTokenBytes: number;
  private readonly offsets: Uint32Array;
  private readonly slots: Int32Array; // rank + 1, 0 when empty
  private readonly mask: number;

  constructor(readonly lengths: Uint8Array, readonly blob: Uint8Array) {
    const n = lengths.length;
    const offsets = new Uint32Array(n + 1);
    let max = 1, at = 0;
    for (let r = 0; r < n; r++) {
      const len = lengths[r]!;
      at += len;
      offsets[r + 1] = at;
      if (len > max) max = len;
    }
    if (at !== blob.length) throw new Error(`token bytes: ${blob.length}, lengths say ${at}`);
    // load factor under 0.5: a miss (most lookups during a merge are misses) probes ~1.5 slots
    let size = 1;
    while (size < n * 2) size <<= 1;
    const slots = new Int32Array(size), mask = size - 1;
    // one tight loop with the hash inlined: this runs once per load, mostly before the JIT warms up
    for (let r = 0; r < n; r++) {
      const end = offsets[r + 1]!;
      let k = offsets[r]!;
      if (k === end) continue;
      let h = 0x811c9dc5;
      for (; k < end; k++) h = Math.imul(h ^ blob[k]!, 0x01000193);
      let i = (h >>> 0) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = r + 1;
    }
    this.offsets = offsets;
    this.slots = slots;
    this.mask = mask;
    this.maxTokenBytes = max;
  }

  get size(): number { return this.lengths.length; }

  /** The rank of bytes[start, end), or -1 when those bytes are not a token. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    const len = end - start;
    if (len > this.maxTokenBytes) return -1;
    const { slots, mask, lengths, offsets, blob } = this;
    let i = hash(bytes, start, end) & mask;
    for (;;) {
      const s = slots[i]!;
      if (s === 0) return -1;
      const r = s - 1;
      if (lengths[r] === len) {
        let at = offsets[r]!, k = start;
        while (k < end && blob[at] === bytes[k]) { at++; k++; }
        if (k === end) return r;
      }
      i = (i + 1) & mask;
    }
  }
}

/** FNV-1a: cheap, and good enough spread for token bytes at this load factor. */
function hash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let k = start; k < end; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return h >>> 0;
}

/** The text form: space-separated fields, the second an offset, then base64 tokens of consecutive ranks. */
export function parseRanks(file: RanksFile): RankTable {
  const tokens: Buffer[] = [];
  for (const line of file.bpe_ranks.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const offset = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) tokens[offset + i - 2] = Buffer.from(fields[i]!, 'base64');
  }
  const lengths = new Uint8Array(tokens.length);
  for (let r = 0; r < tokens.length; r++) {
    const len = tokens[r]?.length ?? 0;
    if (len > 255) throw new Error(`token of rank ${r} has ${len} bytes; the binary form holds at most 255`);
    lengths[r] = len;
  }
  return new RankTable(lengths, Buffer.concat(tokens.filter(Boolean)));
}

export function encodeRanks(table: RankTable, patStr: string): Buffer {
  const pat = Buffer.from(patStr, 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(VERSION, 4);
  header.writeUInt32LE(table.size, 8);
  header.writeUInt32LE(pat.length, 12);
  return Buffer.concat([header, pat, table.lengths, table.blob]);
}

export function decodeRanks(buf: Uint8Array): { table: RankTable; patStr: string } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < HEADER || view.getUint32(0, true) !== MAGIC) throw new Error('not a token rank file');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new Error(`token rank file version ${version}, expected ${VERSION}`);
  const count = view.getUint32(8, true), patLength = view.getUint32(12, true);
  const lengthsAt = HEADER + patLength, blobAt = lengthsAt + count;
  if (blobAt > buf.byteLength) throw new Error('token rank file is truncated');
  const patStr = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(HEADER, lengthsAt));
  return { table: new RankTable(buf.subarray(lengthsAt, blobAt), buf.subarray(blobAt)), patStr };
}
