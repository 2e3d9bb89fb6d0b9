import { describe, expect, it } from 'vitest'
import {
  addDays,
  addMonths,
  dayIn,
  daysBetween,
  formatDate,
  formatTime,
  hhmm,
  isForeignZone,
  monthWeeks,
  shiftInstant,
  weekDays,
  zonedInstant,
} from '@/components/workforce/calendar'

const HOUR = 3_600_000

describe('team calendar dates', () => {
  it('covers a month with whole Monday-to-Sunday weeks', () => {
    const weeks = monthWeeks('2026-11-15') // November 2026 starts on a Sunday
    expect(weeks[0]?.[0]).toBe('2026-10-26')
    expect(weeks[0]?.[6]).toBe('2026-11-01')
    expect(weeks.at(-1)?.[6]).toBe('2026-12-06')
    expect(weeks).toHaveLength(6)
  })

  it('counts calendar days across month and year ends', () => {
    expect(daysBetween('2026-10-30', '2026-11-02')).toBe(3)
    expect(daysBetween('2026-11-02', '2026-10-30')).toBe(-3)
    expect(weekDays('2026-12-31')).toEqual([
      '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03',
    ])
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01')
    expect(addDays('2026-03-28', 2)).toBe('2026-03-30') // across Berlin's DST change: still 2 days
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-01')
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-01')
  })

  it('writes a day as the locale does, whatever the browser zone', () => {
    expect(formatDate('2026-03-29', 'en-US', { month: 'long', day: 'numeric', year: 'numeric' })).toBe('March 29, 2026')
    expect(formatDate('2027-01-01', 'ru-RU', { month: 'long', year: 'numeric' })).toBe('январь 2027 г.')
  })
})

describe('workspace wall clock', () => {
  it('reads a workspace time as an instant, and back (UTC workspace, Moscow browser)', () => {
    // the case: a 09:00 shift of a UTC workspace is 09:00 on screen, not 12:00
    expect(hhmm('2026-03-02T09:00:00Z', 'UTC')).toBe('09:00')
    expect(hhmm('2026-03-02T09:00:00Z', 'Europe/Moscow')).toBe('12:00')
    expect(zonedInstant('2026-03-02', '09:00', 'UTC')).toBe('2026-03-02T09:00:00.000Z')
    expect(zonedInstant('2026-03-02', '09:00', 'Europe/Moscow')).toBe('2026-03-02T06:00:00.000Z')
    // a late shift is on the workspace's Monday, though Moscow is already on Tuesday
    expect(dayIn('2026-03-02T22:00:00Z', 'UTC')).toBe('2026-03-02')
    expect(dayIn('2026-03-02T22:00:00Z', 'Europe/Moscow')).toBe('2026-03-03')
    expect(zonedInstant('2026-03-02', '02:00', 'UTC', 1)).toBe('2026-03-03T02:00:00.000Z')
  })

  it('follows Berlin through the spring DST change as the server does', () => {
    const berlin = 'Europe/Berlin' // 29 March 2026, 02:00 CET → 03:00 CEST
    expect(zonedInstant('2026-03-29', '01:30', berlin)).toBe('2026-03-29T00:30:00.000Z')
    expect(zonedInstant('2026-03-29', '03:30', berlin)).toBe('2026-03-29T01:30:00.000Z')
    // 02:30 does not exist that day: read with the offset before the jump (Python's fold=0)
    expect(zonedInstant('2026-03-29', '02:30', berlin)).toBe('2026-03-29T01:30:00.000Z')
    expect(zonedInstant('2026-03-27', '09:00', berlin)).toBe('2026-03-27T08:00:00.000Z')
    expect(zonedInstant('2026-03-30', '09:00', berlin)).toBe('2026-03-30T07:00:00.000Z')
    // a Friday 09:00 shift dragged to Monday stays at 09:00 there (one hour less UTC)
    const moved = shiftInstant('2026-03-27T08:00:00.000Z', 3, berlin)
    expect(moved).toBe('2026-03-30T07:00:00.000Z')
    expect(hhmm(moved, berlin)).toBe('09:00')
    // the day is 23 hours long (the status timeline's bar)
    const length = Date.parse(zonedInstant('2026-03-30', '00:00', berlin)) - Date.parse(zonedInstant('2026-03-29', '00:00', berlin))
    expect(length).toBe(23 * HOUR)
  })

  it('takes the first of a time that happens twice (Berlin, autumn)', () => {
    expect(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z')
    expect(hhmm('2026-10-25T01:30:00Z', 'Europe/Berlin')).toBe('02:30') // the second one
    expect(zonedInstant('2026-10-25', '09:00', 'Europe/Berlin')).toBe('2026-10-25T08:00:00.000Z')
  })

  it('handles zones with half-hour offsets, DST included', () => {
    expect(zonedInstant('2026-03-02', '09:00', 'Asia/Kolkata')).toBe('2026-03-02T03:30:00.000Z')
    expect(hhmm('2026-03-02T03:30:00Z', 'Asia/Kolkata')).toBe('09:00')
    expect(dayIn('2026-03-02T20:00:00Z', 'Asia/Kolkata')).toBe('2026-03-03')
    // Adelaide: +10:30 in summer, +9:30 from 5 April 2026 (03:00 → 02:00)
    expect(zonedInstant('2026-01-15', '09:00', 'Australia/Adelaide')).toBe('2026-01-14T22:30:00.000Z')
    expect(zonedInstant('2026-04-05', '02:30', 'Australia/Adelaide')).toBe('2026-04-04T16:00:00.000Z')
    expect(zonedInstant('2026-04-05', '09:00', 'Australia/Adelaide')).toBe('2026-04-04T23:30:00.000Z')
    // Saturday 4 April 09:00 (ACDT) dragged to Sunday: 09:00 ACST, an hour later in UTC
    expect(shiftInstant('2026-04-03T22:30:00.000Z', 1, 'Australia/Adelaide')).toBe('2026-04-04T23:30:00.000Z')
    const length =
      Date.parse(zonedInstant('2026-04-06', '00:00', 'Australia/Adelaide')) -
      Date.parse(zonedInstant('2026-04-05', '00:00', 'Australia/Adelaide'))
    expect(length).toBe(25 * HOUR)
  })

  it('gives every wall-clock minute of a DST week back unchanged', () => {
    for (const zone of ['Europe/Berlin', 'Australia/Adelaide', 'America/St_Johns']) {
      for (let t = Date.parse('2026-03-26T00:00:00Z'); t < Date.parse('2026-04-08T00:00:00Z'); t += 15 * 60_000) {
        const iso = new Date(t).toISOString()
        const back = zonedInstant(dayIn(iso, zone), hhmm(iso, zone), zone)
        // only the second pass of an hour that repeats reads as its first pass, an hour earlier
        expect([iso, new Date(t - HOUR).toISOString()]).toContain(back)
        if (back !== iso) expect(hhmm(back, zone)).toBe(hhmm(iso, zone))
      }
    }
  })

  it('writes times in the workspace zone and says when it is not the browser’s', () => {
    expect(formatTime('2026-03-02T09:00:00Z', 'ru-RU', 'UTC')).toBe('09:00')
    expect(formatTime('2026-03-02T09:00:00Z', 'en-GB', 'Europe/Moscow')).toBe('12:00')
    expect(isForeignZone('UTC', 'Europe/Moscow')).toBe(true)
    expect(isForeignZone('Europe/Moscow', 'Europe/Moscow')).toBe(false)
    expect(isForeignZone('Asia/Calcutta', 'Asia/Kolkata')).toBe(false)
  })
})
