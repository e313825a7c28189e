// Reading a few fields of one JSON line straight from its bytes, for the hot line kinds of the agent
// logs (Codex `token_count`, Claude Code assistant lines with `usage`).
//
// Why it exists: a cold report of a large tree spent most of its time turning each such line into a
// string, JSON.parse building an object tree of it, zod checking the tree, and the garbage collector
// freeing it, all for a handful of numbers and strings. This cursor walks the bytes once, checks the
// whole line is JSON (a line JSON.parse rejects is never accepted here), and decodes only the values
// its caller asks for. It does not try to be a JSON parser: a reader using it returns null on
// anything it does not fully recognise (an unexpected type, an escaped key, a duplicate key, a
// non-finite number, deep nesting) and the line goes to JSON.parse + zod, which stay the definition of
// what is accepted. test/unit/agents-fast-path.test.ts holds both paths to the same results.
//
// Walking keys still cost more than JSON.parse on a Codex line (3.8 against 2.2 µs): a reader's lines
// of one kind are alike, so `LearnedLines` reads most of them by the shape of the last one the cursor
// walked (`LineTemplate`), comparing bytes and decoding only the values that change.

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c, COLON = 0x3a;
/** What fills a LineTemplate hole: a time (a string), a number, a decoded string, any string, any value, any value whose place is kept. */
const HOLE_TIME = 0, HOLE_NUMBER = 1, HOLE_STRING = 2, HOLE_IS_STRING = 3, HOLE_ANY = 4, HOLE_SPAN = 5;
/** What `JsonCursor.numbersIn` found. */
export const SLOTS_FAIL = 0, SLOTS_NULL = 1, SLOTS_OBJECT = 2;
const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;
/** Deeper than this is left to JSON.parse (never seen in the lines read this way). */
const MAX_DEPTH = 64;
/** Integers with up to this many digits are exact as accumulated doubles (below 2^53). */
const EXACT_DIGITS = 15;
const POW10 = Array.from({ length: EXACT_DIGITS + 1 }, (_, i) => 10 ** i);

/** A key or value as written, unescaped, to compare with `JsonCursor.key` and `stringIs`. */
export interface Key { bytes: Uint8Array; tag: number }
const tagOf = (length: number, first: number, last: number): number => length | (first << 16) | (last << 24);
export const keyBytes = (k: string): Key => {
  const bytes = Buffer.from(k, 'latin1');
  return { bytes, tag: tagOf(bytes.length, bytes[0] ?? 0, bytes[bytes.length - 1] ?? 0) };
};

/**
 * A string value decoded once for as long as the same bytes come again: the lines of one file repeat
 * their session, folder and model, and the records then share one string.
 */
export class StringCache {
  bytes = Buffer.alloc(64);
  length = -1;
  value = '';
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
// the characters JSON allows after a backslash, besides `u`
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPE[c.charCodeAt(0)] = 1;
// the bytes that end a run of plain string content: the closing quote, a backslash, a control character
const STRING_STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOP[c] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/**
 * Where the run of plain string bytes from `i` ends: the first STRING_STOP byte, or `end`. Most of a
 * line's bytes are in long strings (message content), so four are looked at a step: in each lane of
 * the word a byte below 0x20 (`(w - 0x20..) & ~w`), a quote or a backslash (zero after the xor) sets
 * the lane's high bit. The lowest such lane is never missed (no borrow reaches it from below); a
 * higher one may be flagged wrongly, so the last word is settled a byte at a time. 1.8x the byte
 * loop's speed on the Claude tree's lines.
 */
export function plainEnd(v: DataView, b: Uint8Array, i: number, end: number): number {
  while (i + 4 <= end) {
    const w = v.getInt32(i, true), q = w ^ 0x22222222, s = w ^ 0x5c5c5c5c;
    if ((((w - 0x20202020) & ~w) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) break;
    i += 4;
  }
  while (i < end && !STRING_STOP[b[i]!]) i++;
  return i;
}

/**
 * Days from 1970-01-01 to `y-m-d` in the proleptic Gregorian calendar, as Date.UTC counts them
 * (H. Hinnant's days_from_civil): every request's time goes through here, and the arithmetic costs a
 * fraction of the Date.UTC call it replaces (18 of the Claude tree's 62 ms in `time`).
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400), yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}
const monthDays = (y: number, m: number): number => m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28)
  : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;

/**
 * A DataView of `buf` for four-byte loads (`plainEnd`, LineTemplate's comparisons), made again only when
 * the buffer changes: the scanner reads every line of a file into the same one.
 */
let viewed: Buffer | null = null, viewedAs: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
function viewOf(buf: Buffer): DataView<ArrayBufferLike> {
  if (buf !== viewed) { viewed = buf; viewedAs = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); }
  return viewedAs;
}

export class JsonCursor {
  private buf: Buffer = Buffer.alloc(0);
  private view = viewOf(this.buf);
  private pos = 0;
  private end = 0;
  /** False once the bytes were not JSON or not the shape asked for: the caller then falls back. */
  ok = true;
  /** The last string read (key or value) had a backslash escape. */
  private escaped = false;
  private keyStart = 0;
  /** length, first and last byte of the key just read: most keys compared with it differ in these */
  private keyTag = 0;
  /**
   * While a line is read to learn its shape (`LineTemplate`): [kind, slot, start, end] of every value
   * read as a hole (`timeIn`, `numberIn`, `stringIn`, `isStringIn`, `skipIn`), in line order; null otherwise.
   */
  recording: number[] | null = null;

  reset(buf: Buffer, start: number, end: number): this {
    if (buf !== this.buf) { this.buf = buf; this.view = viewOf(buf); }
    this.pos = start; this.end = end; this.ok = true;
    return this;
  }

  /** Marks the line as not recognised; returns false for `return c.fail()` style use. */
  fail(): false { this.ok = false; return false; }

  /** The next byte after JSON whitespace (not consumed), or -1 at the end. */
  peek(): number {
    const b = this.buf, end = this.end;
    let i = this.pos;
    while (i < end) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
      i++;
    }
    this.pos = i;
    return i < end ? b[i]! : -1;
  }

  /** Only whitespace is left. */
  atEnd(): boolean { return this.ok && this.peek() === -1; }

  /** Consumes `{` when it comes next: false (nothing consumed) when another value does. */
  openObject(): boolean {
    if (this.peek() !== OPEN_OBJ) return false;
    this.pos++;
    return true;
  }

  /**
   * After `openObject`: true with the first key read (and its colon), false at once for `{}`.
   * Keys are compared with `key`; an escaped key fails the cursor, since it could spell a wanted one.
   */
  firstKey(): boolean {
    if (this.peek() === CLOSE_OBJ) { this.pos++; return false; }
    return this.readKey(true);
  }

  /** After a member's value: true with the next key read, false at `}` (consumed) or on bad JSON. */
  nextKey(): boolean {
    const c = this.peek();
    if (c === COMMA) { this.pos++; return this.readKey(true); }
    if (c === CLOSE_OBJ) { this.pos++; return false; }
    return this.fail();
  }

  private readKey(plain: boolean): boolean {
    if (this.peek() !== QUOTE) return this.fail();
    const s = this.pos + 1;
    const e = this.scanString();
    if (e < 0) return false;
    if (plain && this.escaped) return this.fail();
    this.keyStart = s;
    if (plain) this.keyTag = tagOf(e - s, e > s ? this.buf[s]! : 0, e > s ? this.buf[e - 1]! : 0);
    if (this.peek() !== COLON) return this.fail();
    this.pos++;
    return true;
  }

  /** The key just read is `k` (from `keyBytes`). */
  key(key: Key): boolean {
    if (key.tag !== this.keyTag) return false;
    const k = key.bytes, n = k.length;
    const b = this.buf, s = this.keyStart;
    for (let i = 1; i < n - 1; i++) if (b[s + i] !== k[i]) return false;
    return true;
  }

  /** `string()` through `cache`: the same string object while the bytes stay the same. */
  cachedString(cache: StringCache): string | undefined {
    if (this.peek() !== QUOTE) { this.fail(); return undefined; }
    const s = this.pos;
    const e = this.scanString();
    if (e < 0) return undefined;
    if (this.escaped) return JSON.parse(this.buf.toString('utf8', s, e + 1)) as string;
    const n = e - s - 1, b = this.buf;
    if (n === cache.length) {
      const c = cache.bytes;
      let i = 0;
      while (i < n && c[i] === b[s + 1 + i]) i++;
      if (i === n) return cache.value;
    }
    cache.value = b.toString('utf8', s + 1, e);
    if (n <= 4096) {
      if (n > cache.bytes.length) cache.bytes = Buffer.alloc(Math.max(n, cache.bytes.length * 2));
      const c = cache.bytes;
      // an id or a model name is a few dozen bytes: a loop costs less than the native copy's call
      if (n <= 64) for (let i = 0; i < n; i++) c[i] = b[s + 1 + i]!;
      else b.copy(c, 0, s + 1, e);
      cache.length = n;
    } else cache.length = -1;
    return cache.value;
  }

  /**
   * A string value read as Date.parse reads it, to epoch ms (NaN when it is not a time). The UTC form
   * the agents write (`2026-04-02T10:00:03.200Z`, with or without milliseconds, a day of the month,
   * a year from 1000) is worked out from the bytes; any other string goes to Date.parse. Undefined
   * (cursor failed) for any other value.
   */
  time(): number | undefined {
    if (this.peek() !== QUOTE) { this.fail(); return undefined; }
    const s = this.pos + 1;
    const e = this.scanString();
    if (e < 0) return undefined;
    const b = this.buf, n = e - s;
    if (!this.escaped && (n === 24 || n === 20) && b[s + 4] === 0x2d && b[s + 7] === 0x2d && b[s + 10] === 0x54 && b[s + 13] === COLON
      && b[s + 16] === COLON && b[s + n - 1] === 0x5a && (n === 20 || b[s + 19] === 0x2e)) {
      const d2 = (i: number): number => {
        const x = b[s + i]! - 0x30, y = b[s + i + 1]! - 0x30;
        return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
      };
      const year = d2(0) * 100 + d2(2), month = d2(5), day = d2(8), hour = d2(11), minute = d2(14), second = d2(17);
      const ms = n === 24 ? d2(20) * 10 + (b[s + 22]! - 0x30) : 0;
      const ok = d2(0) >= 10 && d2(2) >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= monthDays(year, month) && hour >= 0 && hour <= 23
        && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && (n === 20 || (d2(20) >= 0 && b[s + 22]! >= 0x30 && b[s + 22]! <= 0x39));
      if (ok) return (((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second) * 1000 + ms;
    }
    return Date.parse(this.escaped ? JSON.parse(b.toString('utf8', s - 1, e + 1)) as string : b.toString('utf8', s, e));
  }

  /** Checks that the next value is a string, without decoding it; the cursor fails for any other value. */
  isString(): boolean {
    if (this.peek() !== QUOTE) return this.fail();
    return this.scanString() >= 0;
  }

  /** A string value, decoded as JSON.parse decodes it; undefined (cursor failed) for any other value. */
  string(): string | undefined {
    if (this.peek() !== QUOTE) { this.fail(); return undefined; }
    const s = this.pos;
    const e = this.scanString();
    if (e < 0) return undefined;
    // an escape is rare in the fields read: the exact decoding of JSON.parse, on just this string
    return this.escaped ? JSON.parse(this.buf.toString('utf8', s, e + 1)) as string : this.buf.toString('utf8', s + 1, e);
  }

  /**
   * Whether the next value is the string `k` (from `keyBytes`, unescaped), without decoding it. False
   * for another string; the cursor fails for any other value or an escaped string (which might spell `k`).
   */
  stringIs(key: Key): boolean {
    const k = key.bytes;
    if (this.peek() !== QUOTE) return this.fail();
    const s = this.pos + 1;
    const e = this.scanString();
    if (e < 0) return false;
    if (this.escaped) return this.fail();
    if (e - s !== k.length) return false;
    const b = this.buf;
    for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false;
    return true;
  }

  /** `time()`, recorded as the value of `slot` while `recording` (LineTemplate). */
  timeIn(slot: number): number | undefined {
    this.peek();
    const s = this.pos;
    const t = this.time();
    if (this.recording && this.ok) this.recording.push(HOLE_TIME, slot, s, this.pos);
    return t;
  }

  /** `number()`, recorded as the value of `slot` while `recording` (LineTemplate). */
  numberIn(slot: number): number {
    this.peek();
    const s = this.pos;
    const x = this.number();
    if (this.recording && this.ok) this.recording.push(HOLE_NUMBER, slot, s, this.pos);
    return x;
  }

  /**
   * `string()` (through `cache` when given), recorded as the value of string slot `slot` while
   * `recording` (LineTemplate, which decodes it through the same cache).
   */
  stringIn(slot: number, cache?: StringCache): string | undefined {
    this.peek();
    const s = this.pos;
    const x = cache ? this.cachedString(cache) : this.string();
    if (this.recording && this.ok) this.recording.push(HOLE_STRING, slot, s, this.pos);
    return x;
  }

  /** `isString()`, recorded while `recording`: a hole any string fills (LineTemplate). */
  isStringIn(): boolean {
    this.peek();
    const s = this.pos;
    const x = this.isString();
    if (this.recording && this.ok) this.recording.push(HOLE_IS_STRING, 0, s, this.pos);
    return x;
  }

  /**
   * An object of numbers, or null: the value of key `keys[i]` (a number, or null as NaN) into
   * `out[slots[i]]`, each recorded as a hole (`numberIn`), any other key's stepped over (`skipIn`).
   * SLOTS_OBJECT, SLOTS_NULL for null, or SLOTS_FAIL (cursor failed or a key came twice: the caller's
   * slow path decides).
   */
  numbersIn(keys: readonly Key[], slots: readonly number[], out: Float64Array): number {
    if (this.null()) return SLOTS_NULL;
    if (!this.openObject()) return SLOTS_FAIL;
    let seen = 0;
    for (let k = this.firstKey(); k; k = this.nextKey()) {
      let i = 0;
      while (i < keys.length && !this.key(keys[i]!)) i++;
      if (i === keys.length) this.skipIn();
      else {
        if (seen & (1 << i)) return SLOTS_FAIL; // JSON.parse keeps the last copy: the slow path decides
        seen |= 1 << i;
        out[slots[i]!] = this.null() ? NaN : this.numberIn(slots[i]!);
      }
      if (!this.ok) return SLOTS_FAIL;
    }
    return this.ok ? SLOTS_OBJECT : SLOTS_FAIL;
  }

  /** `skip()` of a value nothing reads, recorded while `recording`: a hole any JSON value fills (LineTemplate). */
  skipIn(): void {
    const s = this.skip();
    if (this.recording && this.ok) this.recording.push(HOLE_ANY, 0, s, this.pos);
  }

  /**
   * `skip()` of a value its reader only looks into when it must, recorded while `recording`: a hole
   * any JSON value fills, whose place a LineTemplate read puts in `nums[slot]` (start) and
   * `nums[slot + 1]` (end), as the reader puts this one. Returns where the value starts.
   */
  spanIn(slot: number): number {
    const s = this.skip();
    if (this.recording && this.ok) this.recording.push(HOLE_SPAN, slot, s, this.pos);
    return s;
  }

  /** A finite number value as JSON.parse reads it; NaN (cursor failed) for anything else. */
  number(): number {
    const c = this.peek();
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) { this.fail(); return NaN; }
    const b = this.buf, end = this.end, s = this.pos;
    let i = s;
    const neg = c === 0x2d;
    if (neg) i++;
    let v = 0, digits = 0, simple = true, frac = 0;
    if (i < end && b[i] === 0x30) { i++; digits = 1; } else {
      while (i < end) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) break;
        v = v * 10 + d; digits++; i++;
      }
      if (digits === 0) { this.fail(); return NaN; }
    }
    if (i < end && b[i] === 0x2e) {
      i++;
      const f = i;
      while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) { v = v * 10 + (b[i]! - 0x30); i++; }
      frac = i - f;
      digits += frac;
      if (frac === 0) { this.fail(); return NaN; }
    }
    if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      simple = false; i++;
      if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
      const f = i;
      while (i < end && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
      if (i === f) { this.fail(); return NaN; }
    }
    this.pos = i;
    // Up to 15 digits the digits make an exact integer and 10^frac is exact: one division is then
    // correctly rounded, as JSON.parse is (the fast path of strtod, Clinger 1990)
    if (simple && digits <= EXACT_DIGITS) { const x = frac ? v / POW10[frac]! : v; return neg ? -x : x; }
    // JSON's number grammar is a subset of Number()'s, and both round correctly
    const x = Number(b.toString('latin1', s, i));
    if (!Number.isFinite(x)) { this.fail(); return NaN; }
    return x;
  }

  /** Consumes `null` when it comes next. */
  null(): boolean {
    if (this.peek() !== 0x6e) return false;
    return this.literal('null') || this.fail();
  }

  /** A `true`/`false` value; undefined (cursor failed) for anything else. */
  boolean(): boolean | undefined {
    const c = this.peek();
    if (c === 0x74 && this.literal('true')) return true;
    if (c === 0x66 && this.literal('false')) return false;
    this.fail();
    return undefined;
  }

  /** Checks and steps over one value of any kind; returns where it started (after whitespace). */
  skip(depth = 0): number {
    const c = this.peek();
    const start = this.pos;
    if (depth > MAX_DEPTH) { this.fail(); return start; }
    if (c === QUOTE) this.scanString();
    else if (c === OPEN_OBJ) {
      this.pos++;
      if (this.peek() === CLOSE_OBJ) this.pos++;
      else {
        let more = this.readKey(false);
        while (more && this.ok) {
          this.skip(depth + 1);
          if (!this.ok) break;
          const d = this.peek();
          if (d === COMMA) { this.pos++; more = this.readKey(false); } else if (d === CLOSE_OBJ) { this.pos++; more = false; } else this.fail();
        }
      }
    } else if (c === OPEN_ARR) {
      this.pos++;
      if (this.peek() === CLOSE_ARR) this.pos++;
      else {
        for (;;) {
          this.skip(depth + 1);
          if (!this.ok) break;
          const d = this.peek();
          if (d === COMMA) { this.pos++; continue; }
          if (d === CLOSE_ARR) { this.pos++; break; }
          this.fail();
          break;
        }
      }
    } else if (c === 0x74) { if (!this.literal('true')) this.fail(); }
    else if (c === 0x66) { if (!this.literal('false')) this.fail(); }
    else if (c === 0x6e) { if (!this.literal('null')) this.fail(); }
    else this.number();
    return start;
  }

  /** Where the cursor is (after the value just read or skipped): with `skip`'s start, a value's bytes. */
  get offset(): number { return this.pos; }

  /** Goes back to `offset` (from `offset`), to read a value again another way. */
  seek(offset: number): void { this.pos = offset; this.ok = true; }

  private literal(word: string): boolean {
    const b = this.buf, p = this.pos, n = word.length;
    if (p + n > this.end) return false;
    for (let i = 0; i < n; i++) if (b[p + i] !== word.charCodeAt(i)) return false;
    this.pos = p + n;
    return true;
  }

  /**
   * At a `"`: steps past the string, checking it as JSON.parse would (no raw control character, only
   * JSON's escapes). Returns the index of the closing quote, or -1 (cursor failed).
   */
  private scanString(): number {
    const b = this.buf, end = this.end;
    let i = this.pos + 1;
    let esc = false;
    for (;;) {
      i = plainEnd(this.view, b, i, end);
      if (i >= end) { this.fail(); return -1; }
      const c = b[i]!;
      if (c === QUOTE) break;
      if (c !== BACKSLASH) { this.fail(); return -1; } // a raw control character
      esc = true;
      const d = b[i + 1] ?? 0;
      if (d === 0x75) {
        if (i + 5 >= end || !HEX[b[i + 2]!] || !HEX[b[i + 3]!] || !HEX[b[i + 4]!] || !HEX[b[i + 5]!]) { this.fail(); return -1; }
        i += 6;
      } else if (ESCAPE[d]) i += 2;
      else { this.fail(); return -1; }
    }
    this.escaped = esc;
    this.pos = i + 1;
    return i;
  }
}

/**
 * The shape of one kind of line, learned from a line the cursor read: its bytes, with the values its
 * reader took (`timeIn`, `numberIn`, `stringIn`) or stepped over (`isStringIn`, `skipIn`) cut out as
 * holes. A later line whose bytes around the holes are the same is read by comparing those bytes and
 * decoding only the holes: no key is looked at. Codex writes a rollout's token_count lines alike, and
 * Claude Code a transcript's assistant lines, so nearly all of them are read this way.
 *
 * Why a line read this way means what the cursor would have read: every byte outside the holes is the
 * learned line's, which the cursor checked as JSON and whose every value outside the holes its reader
 * read the same way; each hole is checked as JSON of its kind where one stood (a number, a time, a
 * string, or any value where the reader steps over any value), and the line must end where the learned
 * one did. So the line is JSON, has the learned line's keys in the learned order with the same values
 * outside the holes, and a reader taking the holes from here and everything else from what it read of
 * the learned line gets what the cursor would give. Anything else (another value type in a hole, an
 * added key, other spacing) does not match, and the line goes to the cursor.
 */
export class LineTemplate {
  /** The learned line's bytes outside the holes, one segment after another. */
  private lit = new Uint8Array(0);
  /** segEnds[i]: where segment i ends in `lit`; segment i comes before hole i (the last one after every hole). */
  private segEnds = new Int32Array(0);
  private kinds = new Uint8Array(0);
  private slots = new Int32Array(0);
  private holes = -1;
  private litView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /**
   * Learns the shape of `buf[start, end)`, which the cursor just read in full with `recording` on;
   * `rec` is what it recorded. A recording that is not in line order is not learned.
   */
  learn(buf: Buffer, start: number, end: number, rec: readonly number[]): void {
    const n = rec.length / 4;
    // only the bytes outside the holes are kept: a line of megabytes of content learns a shape of a few hundred
    let holeBytes = 0;
    for (let h = 0; h < n; h++) holeBytes += rec[4 * h + 3]! - rec[4 * h + 2]!;
    const lit = new Uint8Array(Math.max(0, end - start - holeBytes)), segEnds = new Int32Array(n + 1), kinds = new Uint8Array(n), slots = new Int32Array(n);
    let at = start, len = 0;
    for (let h = 0; h < n; h++) {
      const hs = rec[4 * h + 2]!, he = rec[4 * h + 3]!;
      if (hs < at || he <= hs || he > end) { this.holes = -1; return; }
      lit.set(buf.subarray(at, hs), len);
      len += hs - at;
      segEnds[h] = len;
      kinds[h] = rec[4 * h]!;
      slots[h] = rec[4 * h + 1]!;
      at = he;
    }
    lit.set(buf.subarray(at, end), len);
    segEnds[n] = len + (end - at);
    this.lit = lit; this.segEnds = segEnds; this.kinds = kinds; this.slots = slots; this.holes = n;
    this.litView = new DataView(lit.buffer, lit.byteOffset, lit.byteLength);
  }

  /**
   * Reads `buf[start, end)` if it has the learned shape: true with each time and number hole's value
   * in `nums[slot]` and each decoded string's in `strs[slot]` (through `caches[slot]`, the cache the
   * reader decoded it through, if any); false (nothing to trust in them) otherwise.
   */
  read(c: JsonCursor, buf: Buffer, start: number, end: number, nums: Float64Array, strs: (string | undefined)[] | null,
    caches?: readonly (StringCache | undefined)[]): boolean {
    const n = this.holes, lit = this.lit, segEnds = this.segEnds, slots = this.slots, kinds = this.kinds;
    if (n < 0) return false;
    // four bytes a comparison: a DataView's loads compile to one unaligned load each
    const bv = viewOf(buf), lv = this.litView;
    let p = start, l = 0;
    for (let h = 0; ; h++) {
      const le = segEnds[h]!;
      if (p + (le - l) > end) return false;
      while (l + 4 <= le) { if (bv.getInt32(p, true) !== lv.getInt32(l, true)) return false; p += 4; l += 4; }
      while (l < le) { if (buf[p] !== lit[l]) return false; p++; l++; }
      if (h === n) return p === end;
      const kind = kinds[h]!;
      if (kind === HOLE_NUMBER) {
        // most are small whole numbers: read here, when one ends as JSON lets a number end
        let d = buf[p]! - 0x30;
        if (d > 0 && d <= 9) {
          let v = 0, q = p;
          do { v = v * 10 + d; q++; d = buf[q]! - 0x30; } while (d >= 0 && d <= 9 && q - p < EXACT_DIGITS);
          const t = buf[q];
          if (q < end && (t === COMMA || t === CLOSE_OBJ || t === CLOSE_ARR)) { nums[slots[h]!] = v; p = q; continue; }
        }
      } else if ((kind === HOLE_ANY || kind === HOLE_IS_STRING) && buf[p] === QUOTE) {
        // a plain string stepped over here; one with an escape or a control character goes to the cursor
        const q = plainEnd(bv, buf, p + 1, end);
        if (q < end && buf[q] === QUOTE) { p = q + 1; continue; }
      }
      c.reset(buf, p, end);
      if (kind === HOLE_TIME) { const v = c.time(); if (v === undefined) return false; nums[slots[h]!] = v; }
      else if (kind === HOLE_NUMBER) nums[slots[h]!] = c.number();
      else if (kind === HOLE_STRING) {
        const cache = caches?.[slots[h]!];
        const v = cache ? c.cachedString(cache) : c.string();
        if (strs) strs[slots[h]!] = v;
      }
      else if (kind === HOLE_IS_STRING) c.isString();
      else if (kind === HOLE_SPAN) { c.skip(); nums[slots[h]!] = p; nums[slots[h]! + 1] = c.offset; }
      else c.skip();
      if (!c.ok) return false;
      p = c.offset;
    }
  }
}

/**
 * A reader's lines of one kind read by their learned shape when they have it, else by the reader's
 * cursor walk (`readFull`) with the holes recorded, whose shape is then learned for the next lines.
 * The reader keeps its values in `nums` (numbered slots, NaN when null or absent) and `strs`; the shape
 * object `S` holds everything else it read, which a line read by the learned shape shares.
 */
export class LearnedLines<S> {
  private readonly template = new LineTemplate();
  private readonly recording: number[] = [];
  private learned: S | null = null;
  /** How the lines were read: by the learned shape, or by the cursor (for tests). */
  readonly reads = { template: 0, cursor: 0 };

  /**
   * `fresh` makes the shape the reader's cursor walk `readFull` fills (false: the cursor could not read
   * the line); a shape `learnable` refuses (read partly by a schema) serves its own line only.
   */
  constructor(private readonly cur: JsonCursor, private readonly nums: Float64Array, private readonly strs: (string | undefined)[] | null,
    private readonly caches: readonly (StringCache | undefined)[] | undefined,
    private readonly reader: { fresh: () => S; readFull: (buf: Buffer, start: number, end: number) => boolean; learnable?: (shape: S) => boolean }) {}

  /** The shape of `buf[start, end)` with its values in the slots, or null when the cursor could not read it either (the slow path then does). */
  read(buf: Buffer, start: number, end: number): S | null {
    // a slot that is no hole was null or absent in the learned line
    this.nums.fill(NaN);
    this.strs?.fill(undefined);
    if (this.learned && this.template.read(this.cur, buf, start, end, this.nums, this.strs, this.caches)) { this.reads.template++; return this.learned; }
    this.reads.cursor++;
    this.nums.fill(NaN);
    this.strs?.fill(undefined);
    const shape = this.reader.fresh();
    this.recording.length = 0;
    this.cur.recording = this.recording;
    let ok = false;
    try { ok = this.reader.readFull(buf, start, end); } finally { this.cur.recording = null; }
    if (!ok) return null;
    if (!this.reader.learnable || this.reader.learnable(shape)) { this.template.learn(buf, start, end, this.recording); this.learned = shape; }
    return shape;
  }
}
