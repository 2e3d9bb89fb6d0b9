// Days and times of the workforce screens, in the WORKSPACE's time zone (the one the server
// plans shifts, schedules and timesheet days in, from /auth/me), whatever the browser's zone.
// Days are `YYYY-MM-DD` strings and are counted as calendar dates (UTC arithmetic, no zone);
// instants are ISO strings; a zone only comes in when one becomes the other.

const MINUTE = 60_000
const DAY = 86_400_000

function parseDay(day: string): number {
  const [y, m, d] = day.split('-').map(Number)
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)
}

function formatDay(epoch: number): string {
  return new Date(epoch).toISOString().slice(0, 10)
}

/** The day `days` after `day` (calendar days, so a DST change does not matter). */
export function addDays(day: string, days: number): string {
  return formatDay(parseDay(day) + days * DAY)
}

/** Whole days from `from` to `to` (`YYYY-MM-DD` both). */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDay(to) - parseDay(from)) / DAY)
}

/** The Monday of `day`'s week. */
export function monday(day: string): string {
  return addDays(day, -((new Date(parseDay(day)).getUTCDay() + 6) % 7))
}

/** `YYYY-MM-DD` of the seven days of `day`'s week. */
export function weekDays(day: string): string[] {
  const first = monday(day)
  return Array.from({ length: 7 }, (_, i) => addDays(first, i))
}

/** The first day of the month `months` after `day`'s. */
export function addMonths(day: string, months: number): string {
  const date = new Date(parseDay(day))
  return formatDay(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1))
}

/** Whole weeks (Monday to Sunday) covering `day`'s month: 4 to 6 rows of 7 days. */
export function monthWeeks(day: string): string[][] {
  const first = addMonths(day, 0)
  const last = addDays(addMonths(day, 1), -1)
  const weeks: string[][] = []
  for (let start = monday(first); start <= last; start = addDays(start, 7)) weeks.push(weekDays(start))
  return weeks
}

/** A calendar day as the locale writes it (`options` without a time). */
export function formatDate(day: string, locale: string, options: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(new Date(parseDay(day)))
}

const partFormats = new Map<string, Intl.DateTimeFormat>()

/** Wall-clock fields of an instant in `zone`. */
function wallClock(epoch: number, zone: string): { day: string; hour: number; minute: number; wall: number } {
  let format = partFormats.get(zone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    partFormats.set(zone, format)
  }
  const part: Record<string, number> = {}
  for (const p of format.formatToParts(new Date(epoch))) if (p.type !== 'literal') part[p.type] = Number(p.value)
  const [y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0] = ['year', 'month', 'day', 'hour', 'minute', 'second'].map(
    (k) => part[k],
  )
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) + (epoch % 1000 + 1000) % 1000
  return { day: formatDay(Date.UTC(y, mo - 1, d)), hour: h, minute: mi, wall }
}

/** How far `zone`'s wall clock is ahead of UTC at an instant (ms). */
function offsetAt(epoch: number, zone: string): number {
  return wallClock(epoch, zone).wall - epoch
}

/** `YYYY-MM-DD` of an instant (ISO or a Date) in `zone`. */
export function dayIn(moment: string | Date, zone: string): string {
  return wallClock(new Date(moment).getTime(), zone).day
}

/** Today in `zone`. */
export function todayIn(zone: string): string {
  return dayIn(new Date(), zone)
}

/** `HH:MM` (24 h) of an instant in `zone`. */
export function hhmm(iso: string, zone: string): string {
  const { hour, minute } = wallClock(new Date(iso).getTime(), zone)
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`
}

/** An instant's time of day in `zone` as the locale writes it (hours and minutes). */
export function formatTime(iso: string, locale: string, zone: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(iso))
}

/** The instant (ISO, UTC) of `day` + `HH:MM` on the wall clock of `zone`, `plusDays` later.
 * As the server reads a wall-clock time (Python's `fold=0`): a time that happens twice (the
 * clock goes back) is its first occurrence; one that does not exist (the clock jumps ahead)
 * is read with the offset before the jump, so 02:30 on Berlin's spring day is 03:30 CEST. */
export function zonedInstant(day: string, time: string, zone: string, plusDays = 0): string {
  const [hh, mm] = time.split(':').map(Number)
  const wall = parseDay(addDays(day, plusDays)) + ((hh ?? 0) * 60 + (mm ?? 0)) * MINUTE
  // Offsets in force a day either side of it: zones change offset at most twice a year.
  const before = offsetAt(wall - DAY, zone)
  const after = offsetAt(wall + DAY, zone)
  const fits = [before, after].map((o) => wall - o).filter((t) => offsetAt(t, zone) === wall - t)
  const epoch = fits.length ? Math.min(...fits) : wall - before
  return new Date(epoch).toISOString()
}

/** The same wall-clock time in `zone` `days` later (a shift dragged to another day). */
export function shiftInstant(iso: string, days: number, zone: string): string {
  return zonedInstant(dayIn(iso, zone), hhmm(iso, zone), zone, days)
}

/** The browser's own zone (IANA name). */
export function browserZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** Whether `zone` is not the browser's (the screens then say which zone they show). */
export function isForeignZone(zone: string, browser: string = browserZone()): boolean {
  const canonical = (name: string): string => new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone
  return canonical(zone) !== canonical(browser)
}
