import { describe, expect, it } from 'vitest'
import { seenBounds } from '@/components/crm/segments'

describe('contacts list filters', () => {
  it('turns a last-seen choice into time bounds', () => {
    const now = Date.parse('2026-12-04T12:00:00Z')
    expect(seenBounds('', now)).toEqual({})
    expect(seenBounds('week', now)).toEqual({ seen_after: '2026-11-27T12:00:00.000Z' })
    expect(seenBounds('month', now)).toEqual({ seen_after: '2026-11-04T12:00:00.000Z' })
    expect(seenBounds('older', now)).toEqual({ seen_before: '2026-11-04T12:00:00.000Z' })
  })
})
