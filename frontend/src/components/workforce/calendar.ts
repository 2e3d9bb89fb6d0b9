// Dates of the team calendar, in the browser's local time (as the rest of the workforce UI).
import { isoDay } from './format'

/** The day `days` after `day` (local midnight; DST-safe: calendar days, not 24 h). */
export function addDays(day: Date, days: number): Date {
  const copy = new Date(day.getFullYear(), day.getMonth(), day.getDate())
  copy.setDate(copy.getDate() + days)
  return copy
}

/** The Monday of `day`'s week. */
export function monday(day: Date): Date {
  return addDays(day, -((day.getDay() + 6) % 7))
}

/** `YYYY-MM-DD` of the seven days of `day`'s week. */
export function weekDays(day: Date): string[] {
  const first = monday(day)
  return Array.from({ length: 7 }, (_, i) => isoDay(addDays(first, i)))
}

/** Whole weeks (Monday to Sunday) covering `day`'s month: 4 to 6 rows of 7 days. */
export function monthWeeks(day: Date): string[][] {
  const first = new Date(day.getFullYear(), day.getMonth(), 1)
  const last = new Date(day.getFullYear(), day.getMonth() + 1, 0)
  const weeks: string[][] = []
  for (let start = monday(first); start <= last; start = addDays(start, 7)) {
    weeks.push(weekDays(start))
  }
  return weeks
}

/** Whole days from `from` to `to` (`YYYY-MM-DD` both). */
export function daysBetween(from: string, to: string): number {
  const [a, b] = [from, to].map((d) => {
    const [y, m, dd] = d.split('-').map(Number)
    return Date.UTC(y ?? 1970, (m ?? 1) - 1, dd ?? 1)
  })
  return Math.round(((b ?? 0) - (a ?? 0)) / 86_400_000)
}

/** The same local wall-clock time `days` later (a shift dragged to another day). */
export function shiftInstant(iso: string, days: number): string {
  const moment = new Date(iso)
  moment.setDate(moment.getDate() + days)
  return moment.toISOString()
}

/** A local `YYYY-MM-DD` + `HH:MM` as an instant (ISO, UTC). */
export function localInstant(day: string, hhmm: string, plusDays = 0): string {
  const [y, m, d] = day.split('-').map(Number)
  const [hh, mm] = hhmm.split(':').map(Number)
  return new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plusDays, hh ?? 0, mm ?? 0).toISOString()
}

/** `HH:MM` of an instant in local time. */
export function hhmm(iso: string): string {
  const t = new Date(iso)
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`
}
