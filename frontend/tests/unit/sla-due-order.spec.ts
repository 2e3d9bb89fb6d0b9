import { describe, expect, it } from 'vitest'
import type { Conversation } from '@/api/types'
import { compareFor } from '@/utils/queueOrder'

const conv = (id: number): Conversation => ({ id }) as Conversation

describe('"SLA due soonest" order', () => {
  it('puts the nearest deadline first, those without one last, ties by id (as the server)', () => {
    const due: Record<number, number> = { 1: 3000, 2: 1000, 4: 1000 }
    const compare = compareFor('due', (id) => due[id] ?? null)
    const ids = [conv(5), conv(1), conv(3), conv(4), conv(2)].sort(compare).map((c) => c.id)
    expect(ids).toEqual([2, 4, 1, 3, 5])
  })
})
