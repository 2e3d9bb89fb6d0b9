// The weekly working hours of an inbox (src/otklik/channels/schemas.py, WorkingHours):
// immutable edits for the hours editor, checks that mirror the server's, and the value sent.
import type { TimeRange, Weekday, WorkingHours } from '@/api/settings-types'

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
export const WORKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri']
export const MAX_RANGES = 10
export const DEFAULT_RANGE: TimeRange = ['09:00', '18:00']

const CLOCK = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/

export function isClock(value: string): boolean {
  return CLOCK.test(value)
}

function minutes(clock: string): number {
  const [h, m] = clock.split(':')
  return Number(h) * 60 + Number(m)
}

function clock(total: number): string {
  const capped = Math.min(Math.max(total, 0), 24 * 60)
  return `${String(Math.floor(capped / 60)).padStart(2, '0')}:${String(capped % 60).padStart(2, '0')}`
}

/** The browser's time zone, the natural default for new hours. */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

/** Zones for the select: the browser's IANA list, plus UTC and the current value. */
export function timeZones(current?: string): string[] {
  let zones: string[] = []
  try {
    zones = Intl.supportedValuesOf('timeZone')
  } catch {
    zones = []
  }
  const all = new Set(['UTC', ...zones])
  if (current) all.add(current)
  return [...all].sort((a, b) => (a === 'UTC' ? -1 : b === 'UTC' ? 1 : a.localeCompare(b)))
}

/** Monday to Friday, 9 to 18, in the given zone. */
export function defaultHours(timezone: string): WorkingHours {
  return {
    enabled: true,
    timezone,
    days: Object.fromEntries(WORKDAYS.map((d) => [d, [[...DEFAULT_RANGE] as TimeRange]])),
  }
}

export function rangesOf(hours: WorkingHours | null, day: Weekday): TimeRange[] {
  return hours?.days[day] ?? []
}

/**
 * Switch on or off (keeping the hours). Switched on with no hours yet — none saved, or only
 * the server's empty default (no day, zone UTC) — it starts from the default week in the
 * admin's own time zone, not in UTC.
 */
export function setEnabled(hours: WorkingHours | null, on: boolean, timezone = localTimeZone()): WorkingHours | null {
  const unset = !hours || !Object.values(hours.days).some((ranges) => ranges && ranges.length > 0)
  if (on && unset) return defaultHours(timezone)
  if (!hours) return null
  return { ...hours, enabled: on }
}

export function setTimeZone(hours: WorkingHours, timezone: string): WorkingHours {
  return { ...hours, timezone }
}

function withDay(hours: WorkingHours, day: Weekday, ranges: TimeRange[]): WorkingHours {
  const days = { ...hours.days }
  if (ranges.length) days[day] = ranges
  else delete days[day]
  return { ...hours, days }
}

/** Another range after the day's last one (9–18 on a closed day); at most ten a day. */
export function addRange(hours: WorkingHours, day: Weekday): WorkingHours {
  const ranges = rangesOf(hours, day)
  if (ranges.length >= MAX_RANGES) return hours
  const last = ranges[ranges.length - 1]
  let next: TimeRange = [...DEFAULT_RANGE]
  if (last && isClock(last[1])) {
    const start = minutes(last[1]) + 60
    next = start + 60 <= 24 * 60 ? [clock(start), clock(start + 60)] : ['00:00', '01:00']
  }
  return withDay(hours, day, [...ranges, next])
}

export function removeRange(hours: WorkingHours, day: Weekday, index: number): WorkingHours {
  return withDay(hours, day, rangesOf(hours, day).filter((_, i) => i !== index))
}

export function setRange(hours: WorkingHours, day: Weekday, index: number, part: 0 | 1, value: string): WorkingHours {
  const ranges = rangesOf(hours, day).map((r, i): TimeRange => {
    if (i !== index) return r
    return part === 0 ? [value, r[1]] : [r[0], value]
  })
  return withDay(hours, day, ranges)
}

/** Give other days the same ranges as `from` ("copy Monday to all workdays"). */
export function copyDay(hours: WorkingHours, from: Weekday, to: readonly Weekday[]): WorkingHours {
  const ranges = rangesOf(hours, from)
  return to.reduce((h, day) => (day === from ? h : withDay(h, day, ranges.map((r) => [...r] as TimeRange))), hours)
}

export type RangeProblem = 'format' | 'order'

export interface HoursProblem {
  day: Weekday
  index: number
  problem: RangeProblem
}

/** What the server would refuse: a time that is not HH:MM, a range that does not start before it ends. */
export function problems(hours: WorkingHours | null): HoursProblem[] {
  if (!hours) return []
  const found: HoursProblem[] = []
  for (const day of WEEKDAYS) {
    rangesOf(hours, day).forEach(([start, end], index) => {
      if (!isClock(start) || !isClock(end) || start === '24:00') found.push({ day, index, problem: 'format' })
      else if (start >= end) found.push({ day, index, problem: 'order' })
    })
  }
  return found
}

/** What is sent: days in week order, each day's ranges by start time, closed days left out. */
export function normalize(hours: WorkingHours): WorkingHours {
  const days: WorkingHours['days'] = {}
  for (const day of WEEKDAYS) {
    const ranges = rangesOf(hours, day).map(([s, e]): TimeRange => [s.trim(), e.trim()])
    if (ranges.length) days[day] = [...ranges].sort((a, b) => a[0].localeCompare(b[0]))
  }
  return { enabled: hours.enabled, timezone: hours.timezone, days }
}
