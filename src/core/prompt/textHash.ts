// Content keys for caches: two independent 32-bit hashes and the length. Keys are short strings, so
// a cache never holds slices of old document versions alive (V8 slices keep their parent string).

export function textKey(text: string, start = 0, end = text.length, salt = ''): string {
  let h1 = 0x811c9dc5 | 0, h2 = 0x27d4eb2f | 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `${salt}${end - start}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}
