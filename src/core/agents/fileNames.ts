// File names that are not valid UTF-8. On Linux a name is bytes: `fs.readdir` decodes one holding an
// invalid byte (0xff) to U+FFFD, and the string it gives then names no file, so such a log (or a whole
// folder of them) was lost without a word. The walk reads those names as bytes and keeps each invalid
// byte as a lone surrogate U+DC80..U+DCFF (Python's "surrogateescape", PEP 383): a valid UTF-8 name
// never decodes to a lone surrogate, so the string maps back to exactly the bytes on disk (`fsPath`),
// survives JSON (the persisted index) and worker messages, and is shown with the byte escaped (`shownPath`).
const ESCAPED = /[\uDC80-\uDCFF]/u;
const ESCAPED_ALL = /[\uDC80-\uDCFF]/gu;

/** True when readdir's string for a name may have lost bytes (it holds U+FFFD). */
export function mayBeLossy(name: string): boolean {
  return name.includes('\uFFFD');
}

/** A name read as bytes: its UTF-8 text, each byte that is not part of valid UTF-8 kept as U+DC00 + byte. */
export function decodeName(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const plain = buf.toString('utf8');
  if (!mayBeLossy(plain) || Buffer.byteLength(plain) === buf.length && Buffer.from(plain).equals(buf)) return plain;
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const n = validSequence(buf, i);
    if (n > 0) { out += buf.toString('utf8', i, i + n); i += n; } else { out += String.fromCharCode(0xdc00 + buf[i]!); i++; }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at `i`, or 0 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF). */
function validSequence(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80, hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80, hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** What to hand `fs` for a path: the path itself, or its bytes when it holds escaped bytes (see `decodeName`). */
export function fsPath(p: string): string | Buffer {
  if (!ESCAPED.test(p)) return p;
  const parts: Buffer[] = [];
  let from = 0;
  for (const m of p.matchAll(ESCAPED_ALL)) {
    parts.push(Buffer.from(p.slice(from, m.index), 'utf8'), Buffer.of(m[0].charCodeAt(0) - 0xdc00));
    from = m.index! + m[0].length;
  }
  parts.push(Buffer.from(p.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

/** A path for messages and reports: each byte that is not UTF-8 written `\xFF`, so the name can be found. */
export function shownPath(p: string): string {
  return ESCAPED.test(p) ? p.replace(ESCAPED_ALL, c => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).toUpperCase().padStart(2, '0')}`) : p;
}
