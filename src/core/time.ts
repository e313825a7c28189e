// The one calendar: time zones, calendar days and weeks in a zone, DST-correct. The spend meter, the
// weekly summary, the report, the CLI and the settings all decide "today" and "this week" here.

/** Zones that are UTC by definition: answered without Intl, whose first use loads ICU's zone data (~20 ms). */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/GMT', 'GMT', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/Greenwich', 'Greenwich']);

export const DAY_MS = 86_400_000;
/** Every UTC offset in use is a multiple of 15 minutes: the quarter hour of an instant decides its local day. */
export const SLOT_MS = 15 * 60_000;

export const isUtc = (tz: string): boolean => UTC_NAMES.has(tz);

export function isValidTimeZone(tz: string): boolean {
  if (UTC_NAMES.has(tz)) return true;
  try { new Intl.DateTimeFormat('en-US', { timeZone: tz }); return true; } catch { return false; }
}

export function defaultTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz && isValidTimeZone(tz)) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// ---- calendar days ----------------------------------------------------------------------------------

const dayNumberers = new Map<string, (ts: number) => number>();
const keyers = new Map<string, (ts: number) => string>();

/**
 * The local calendar day of an instant in a time zone, as days since 1970-01-01, DST-correct.
 * Intl is slow, so it is asked for the offset at both ends of each UTC day only; a day with a
 * transition is resolved per 15 minutes. UTC never touches Intl.
 */
export function dayNumberer(timezone: string): (ts: number) => number {
  let k = dayNumberers.get(timezone);
  if (k) return k;
  if (UTC_NAMES.has(timezone)) {
    k = ts => Math.floor(ts / DAY_MS);
    dayNumberers.set(timezone, k);
    return k;
  }
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const offsetAt = (t: number): number => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(t)) p[part.type] = part.value;
    const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!);
    return wall - Math.floor(t / 60_000) * 60_000;
  };
  const dayOffset = new Map<number, number | null>(); // UTC day -> its one offset, or null on a transition day
  const slotOffset = new Map<number, number>();
  let lo = 0, hi = 0, last = 0;
  k = ts => {
    // records come mostly in time order: most hit the day of the previous one
    if (ts >= lo && ts < hi) return last;
    const utcDay = Math.floor(ts / DAY_MS);
    let off = dayOffset.get(utcDay);
    if (off === undefined) {
      const a = offsetAt(utcDay * DAY_MS), b = offsetAt(utcDay * DAY_MS + DAY_MS - 1);
      off = a === b ? a : null;
      dayOffset.set(utcDay, off);
    }
    if (off === null) {
      const slot = Math.floor(ts / SLOT_MS);
      off = slotOffset.get(slot);
      if (off === undefined) { off = offsetAt(slot * SLOT_MS); slotOffset.set(slot, off); }
    }
    const local = Math.floor((ts + off) / DAY_MS);
    // the local day is safe to reuse until the UTC day ends or the local one does, whichever is first
    lo = Math.max(utcDay * DAY_MS, local * DAY_MS - off);
    hi = Math.min(utcDay * DAY_MS + DAY_MS, local * DAY_MS + DAY_MS - off);
    if (dayOffset.get(utcDay) === null) { lo = Math.max(lo, Math.floor(ts / SLOT_MS) * SLOT_MS); hi = Math.min(hi, Math.floor(ts / SLOT_MS) * SLOT_MS + SLOT_MS); }
    last = local;
    return local;
  };
  dayNumberers.set(timezone, k);
  return k;
}

const dayNames = new Map<number, string>();
/** YYYY-MM-DD of a day number from `dayNumberer`. */
export function dayName(day: number): string {
  let name = dayNames.get(day);
  if (name === undefined) { name = new Date(day * DAY_MS).toISOString().slice(0, 10); dayNames.set(day, name); }
  return name;
}

/** The day number of a calendar date (YYYY-MM-DD), on the same scale as `dayNumberer`. */
export function dayNumberOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

/** Calendar date (YYYY-MM-DD) of an instant in a time zone, DST-correct. */
export function dayKeyer(timezone: string): (ts: number) => string {
  let k = keyers.get(timezone);
  if (k) return k;
  const num = dayNumberer(timezone);
  k = ts => dayName(num(ts));
  keyers.set(timezone, k);
  return k;
}

export function isValidDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/** The calendar date `n` days after `date` (YYYY-MM-DD; n may be negative). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** 0 = Sunday … 6 = Saturday. */
function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The time zone's UTC offset (ms) at an instant. */
export function offsetAt(tz: string, t: number): number {
  if (UTC_NAMES.has(tz)) return 0;
  let fmt = offsetFormats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormats.set(tz, fmt);
  }
  const p: Record<string, string> = {};
  for (const part of fmt.formatToParts(t)) p[part.type] = part.value;
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour! % 24, +p.minute!, +p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/** Epoch ms of the first instant of a calendar day in a time zone (DST-correct). */
export function startOfDay(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetAt(tz, wall);
  // the offset at the guess may differ from the one at the answer; two rounds settle it
  for (let i = 0; i < 2; i++) t = wall - offsetAt(tz, t);
  // a day that starts inside a gap (midnight skipped) starts at the first valid instant after it
  if (dayKeyer(tz)(t) < date) t = wall - offsetAt(tz, t + 3_600_000);
  return t;
}

// ---- weeks ------------------------------------------------------------------------------------------

export type WeekStartsOn = 'monday' | 'sunday' | 'saturday';
export const WEEK_STARTS: readonly WeekStartsOn[] = ['monday', 'sunday', 'saturday'];
const WEEKDAY_NUM: Record<WeekStartsOn, number> = { sunday: 0, monday: 1, saturday: 6 };

export interface WeekRange {
  weekStart: string;
  /** Last calendar day of the week, inclusive. */
  weekEnd: string;
  days: string[];
  timezone: string;
  weekStartsOn: WeekStartsOn;
  /** Epoch ms of local midnight at the start and the end of the week: the week is [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** 168, or 167 / 169 for a week with a daylight-saving change. */
  hours: number;
  previousWeek: string;
  nextWeek: string;
  isCurrent: boolean;
}

/**
 * The week holding `at` (a date in tz, or an instant; now when absent), starting on `weekStartsOn`.
 * An instant belongs to the week when it lies in [startMs, endMs): the one rule for "this week".
 */
export function weekRange(at: string | Date | number | undefined, tz: string, weekStartsOn: WeekStartsOn = 'monday', now = Date.now()): WeekRange {
  const day = dayKeyer(tz);
  const date = typeof at === 'string' ? at : day(at === undefined ? now : typeof at === 'number' ? at : at.getTime());
  if (!isValidDate(date)) throw new RangeError(`not a date: ${date}`);
  const start = addDays(date, -((weekdayOf(date) - WEEKDAY_NUM[weekStartsOn] + 7) % 7));
  const days = Array.from({ length: 7 }, (_, i) => addDays(start, i));
  const startMs = startOfDay(start, tz), endMs = startOfDay(addDays(start, 7), tz);
  const today = day(now);
  return {
    weekStart: start, weekEnd: days[6]!, days, timezone: tz, weekStartsOn, startMs, endMs,
    hours: Math.round((endMs - startMs) / 3_600_000),
    previousWeek: addDays(start, -7), nextWeek: addDays(start, 7),
    isCurrent: today >= start && today <= days[6]!,
  };
}
