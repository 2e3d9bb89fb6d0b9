// Dates through Intl, in the operator's locale and the browser's time zone.

const cache = new Map<string, Intl.DateTimeFormat>()

function dtf(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = locale + JSON.stringify(options)
  let f = cache.get(key)
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options)
    cache.set(key, f)
  }
  return f
}

export function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value)
}

export function formatTime(value: string | Date, locale: string): string {
  return dtf(locale, { hour: '2-digit', minute: '2-digit' }).format(toDate(value))
}

export function formatDateTime(value: string | Date, locale: string): string {
  return dtf(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(toDate(value))
}

export function formatDay(value: string | Date, locale: string): string {
  return dtf(locale, { day: 'numeric', month: 'long', year: 'numeric' }).format(toDate(value))
}

export function formatShortDate(value: string | Date, locale: string): string {
  return dtf(locale, { day: 'numeric', month: 'short' }).format(toDate(value))
}

/** A key of the local calendar day, e.g. "2026-11-24" (local time zone). */
export function dayKey(value: string | Date): string {
  const d = toDate(value)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

export function isSameDay(a: string | Date, b: string | Date): boolean {
  return dayKey(a) === dayKey(b)
}

/** "Today"/"Yesterday" are chosen by the caller; this says which one applies. */
export function relativeDay(value: string | Date, now: Date): 'today' | 'yesterday' | 'other' {
  if (isSameDay(value, now)) return 'today'
  const y = new Date(now)
  y.setDate(y.getDate() - 1)
  return isSameDay(value, y) ? 'yesterday' : 'other'
}

/** Time in the list: the time for today, the short date otherwise. */
export function formatListTime(value: string | Date, locale: string, now: Date): string {
  return isSameDay(value, now) ? formatTime(value, locale) : formatShortDate(value, locale)
}

/** A compact duration ("45 s", "5 min", "2 h", "3 d") via Intl.NumberFormat units. */
export function formatDuration(ms: number, locale: string): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const unit = (value: number, u: 'second' | 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(value)
  if (s < 60) return unit(s, 'second')
  const m = Math.floor(s / 60)
  if (m < 60) return unit(m, 'minute')
  const h = Math.floor(m / 60)
  if (h < 48) return unit(h, 'hour')
  return unit(Math.floor(h / 24), 'day')
}

// ---- snooze presets ------------------------------------------------------------------------

export function inOneHour(now: Date): Date {
  return new Date(now.getTime() + 60 * 60 * 1000)
}

export function tomorrowAt9(now: Date): Date {
  const d = new Date(now)
  d.setDate(d.getDate() + 1)
  d.setHours(9, 0, 0, 0)
  return d
}

/** Next Monday 9:00 local time (a week from today when today is Monday). */
export function nextWeek(now: Date): Date {
  const d = new Date(now)
  const daysToMonday = ((8 - d.getDay()) % 7) || 7
  d.setDate(d.getDate() + daysToMonday)
  d.setHours(9, 0, 0, 0)
  return d
}

/** Value for <input type="datetime-local"> in local time. */
export function toLocalInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

/** Parse a datetime-local value as local time; null when empty or invalid. */
export function fromLocalInputValue(value: string): Date | null {
  if (!value) return null
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? null : d
}

export type SizeUnit = 'b' | 'kb' | 'mb' | 'gb'
const SIZE_UNITS: SizeUnit[] = ['b', 'kb', 'mb', 'gb']

/** A file size for people: the number in the locale's digits and its unit (1 kB = 1024 B). */
export function formatSize(bytes: number, locale: string): { value: string; unit: SizeUnit } {
  let value = Math.max(0, bytes)
  let unit = 0
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1
  return {
    value: new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value),
    unit: SIZE_UNITS[unit]!,
  }
}
