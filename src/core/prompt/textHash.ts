// Content keys for caches: two independent 32-bit hashes and the length. Keys are short strings, so
// a cache never holds slices of old document versions alive (V8 slices keep their parent string).

export function textKey(text: string, start = 0, end = text.length, salt = ''): string {
  let h1 = 0x811c9dc5 | 0, h2 = 0x27d4eb2f | 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = (Math.imul(h2, 31) + c) | 0;
  }
  return `${salt}${end - start}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

/**
 * The same content key as a number (53 bits): for caches holding one key per block, where a string
 * key would cost several times the memory.
 */
export function textHash(text: string, start = 0, end = text.length, salt = 0): number {
  let h1 = (0x811c9dc5 ^ salt) | 0, h2 = (0x27d4eb2f + Math.imul(end - start, 0x9e3779b1)) | 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = (Math.imul(h2, 31) + c) | 0;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 ^ (h2 >>> 11)) & 0x1fffff);
}
