import { describe, expect, it } from 'vitest'
import { addDays, daysBetween, monthWeeks, shiftInstant, weekDays } from '@/components/workforce/calendar'

describe('team calendar dates', () => {
  it('covers a month with whole Monday-to-Sunday weeks', () => {
    const weeks = monthWeeks(new Date(2026, 10, 15)) // November 2026 starts on a Sunday
    expect(weeks[0]?.[0]).toBe('2026-10-26')
    expect(weeks[0]?.[6]).toBe('2026-11-01')
    expect(weeks.at(-1)?.[6]).toBe('2026-12-06')
    expect(weeks).toHaveLength(6)
  })

  it('counts calendar days across a month end', () => {
    expect(daysBetween('2026-10-30', '2026-11-02')).toBe(3)
    expect(daysBetween('2026-11-02', '2026-10-30')).toBe(-3)
    expect(weekDays(new Date(2026, 11, 31))).toEqual([
      '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02', '2027-01-03',
    ])
    expect(addDays(new Date(2026, 0, 31), 1).getMonth()).toBe(1)
  })

  it('moves a shift by whole days, keeping its local time', () => {
    const start = new Date(2026, 2, 3, 9, 0).toISOString()
    const moved = new Date(shiftInstant(start, 2))
    expect([moved.getDate(), moved.getHours(), moved.getMinutes()]).toEqual([5, 9, 0])
  })
})
