import { describe, expect, it } from 'vitest'
import type { WorkingHours } from '@/api/settings-types'
import {
  MAX_RANGES,
  addRange,
  copyDay,
  defaultHours,
  isClock,
  normalize,
  problems,
  removeRange,
  setEnabled,
  setRange,
  setTimeZone,
  timeZones,
} from '@/components/settings/inbox/hours'

describe('working hours editor state', () => {
  it('switching on starts from Monday–Friday 9–18; off keeps the week for later', () => {
    const on = setEnabled(null, true, 'Europe/Moscow')!
    expect(on).toEqual(defaultHours('Europe/Moscow'))
    expect(Object.keys(on.days)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri'])
    const off = setEnabled(on, false)!
    expect(off.enabled).toBe(false)
    expect(off.days).toEqual(on.days)
    expect(setEnabled(null, false)).toBeNull()
    expect(setEnabled(off, true)).toEqual(on)
    // the server's empty default (UTC, no days) is not a choice the admin made
    const blank = { enabled: false, timezone: 'UTC', days: {} }
    expect(setEnabled(blank, true, 'Asia/Yekaterinburg')).toEqual(defaultHours('Asia/Yekaterinburg'))
  })

  it('edits are immutable', () => {
    const h = defaultHours('UTC')
    const next = setRange(h, 'mon', 0, 1, '17:00')
    expect(h.days.mon).toEqual([['09:00', '18:00']])
    expect(next.days.mon).toEqual([['09:00', '17:00']])
    expect(setTimeZone(h, 'Asia/Almaty').timezone).toBe('Asia/Almaty')
    expect(h.timezone).toBe('UTC')
  })

  it('ranges: a closed day opens 9–18, the next range follows the last, ten at most', () => {
    let h: WorkingHours = { enabled: true, timezone: 'UTC', days: {} }
    h = addRange(h, 'sat')
    expect(h.days.sat).toEqual([['09:00', '18:00']])
    h = addRange(h, 'sat')
    expect(h.days.sat).toEqual([
      ['09:00', '18:00'],
      ['19:00', '20:00'],
    ])
    h = setRange(h, 'sat', 1, 1, '24:00')
    h = addRange(h, 'sat')
    expect(h.days.sat?.[2]).toEqual(['00:00', '01:00'])
    for (let i = 0; i < 20; i++) h = addRange(h, 'sat')
    expect(h.days.sat).toHaveLength(MAX_RANGES)
  })

  it('removing the last range closes the day', () => {
    const h = removeRange(defaultHours('UTC'), 'fri', 0)
    expect('fri' in h.days).toBe(false)
  })

  it('copies Monday to the other workdays', () => {
    let h = setRange(defaultHours('UTC'), 'mon', 0, 0, '08:00')
    h = addRange(h, 'mon')
    h = copyDay(h, 'mon', ['mon', 'tue', 'wed', 'thu', 'fri'])
    expect(h.days.fri).toEqual(h.days.mon)
    expect(h.days.fri).not.toBe(h.days.mon)
    expect(h.days.sat).toBeUndefined()
  })

  it('finds what the server would refuse', () => {
    expect(['09:00', '23:59', '24:00', '00:00'].every(isClock)).toBe(true)
    expect(['9:00', '24:01', '25:00', '12:60', '', 'noon'].some(isClock)).toBe(false)
    let h = setRange(defaultHours('UTC'), 'tue', 0, 0, '9:00')
    h = setRange(h, 'wed', 0, 0, '19:00')
    h = setRange(h, 'thu', 0, 0, '24:00')
    expect(problems(h)).toEqual([
      { day: 'tue', index: 0, problem: 'format' },
      { day: 'wed', index: 0, problem: 'order' },
      { day: 'thu', index: 0, problem: 'format' },
    ])
    expect(problems(defaultHours('UTC'))).toEqual([])
    expect(problems(null)).toEqual([])
  })

  it('sends days in week order, ranges by start, closed days left out', () => {
    const h: WorkingHours = {
      enabled: true,
      timezone: 'Europe/Moscow',
      days: { sun: [], fri: [[' 14:00', '18:00 '], ['09:00', '13:00']], mon: [['09:00', '18:00']] },
    }
    const sent = normalize(h)
    expect(sent).toEqual({
      enabled: true,
      timezone: 'Europe/Moscow',
      days: {
        mon: [['09:00', '18:00']],
        fri: [
          ['09:00', '13:00'],
          ['14:00', '18:00'],
        ],
      },
    })
    expect(Object.keys(sent.days)).toEqual(['mon', 'fri'])
  })

  it('offers UTC first and keeps an unusual current zone', () => {
    const zones = timeZones('Etc/GMT-3')
    expect(zones[0]).toBe('UTC')
    expect(zones).toContain('Etc/GMT-3')
    expect(zones).toContain('Europe/Moscow')
  })
})
