import { beforeEach, describe, expect, it } from 'vitest'
import { loadSegments, saveSegments, seenBounds } from '@/components/crm/segments'

describe('contacts list segments', () => {
  beforeEach(() => localStorage.clear())

  it('keeps each operator their own segments', () => {
    saveSegments(1, [{ name: 'VIP', filters: { tag: 'vip' } }])
    expect(loadSegments(1)).toEqual([{ name: 'VIP', filters: { tag: 'vip' } }])
    expect(loadSegments(2)).toEqual([])
    localStorage.setItem('otklik.crm.segments.3', 'not json')
    expect(loadSegments(3)).toEqual([])
  })

  it('turns a last-seen choice into time bounds', () => {
    const now = Date.parse('2026-12-04T12:00:00Z')
    expect(seenBounds('', now)).toEqual({})
    expect(seenBounds('week', now)).toEqual({ seen_after: '2026-11-27T12:00:00.000Z' })
    expect(seenBounds('older', now)).toEqual({ seen_before: '2026-11-04T12:00:00.000Z' })
  })
})
