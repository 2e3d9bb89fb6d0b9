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

describe('SLA alerts', () => {
  it('turn the chip at once and fetch a list filtered by SLA state once per burst', async () => {
    const { createPinia, setActivePinia } = await import('pinia')
    const { vi } = await import('vitest')
    const { applyEvent } = await import('@/realtime/apply')
    const { useConversationsStore } = await import('@/stores/conversations')
    const { useSlaStore } = await import('@/stores/sla')
    const { flush, mockFetch } = await import('./helpers')
    setActivePinia(createPinia())
    vi.useFakeTimers()
    const due = { conversation_id: 7, target: 'first_response', state: 'breached', due_at: '2026-12-04T10:00:00Z' }
    const { calls } = mockFetch({
      'GET /sla/due': () => ({ items: [due] }),
      'GET /conversations': () => ({ items: [], next_cursor: null, counts: { mine: 0, unassigned: 0, all: 0, teams: [] } }),
    })
    const conversations = useConversationsStore()
    await conversations.setSlaFilter('breached')
    calls.length = 0
    const data = { conversation_id: 7, target: 'first_response', policy_id: 1, due_at: due.due_at, assignee_id: null }
    for (let id = 1; id <= 3; id++) applyEvent({ id, type: 'sla.breached', data } as never)
    await vi.advanceTimersByTimeAsync(600)
    await flush()
    expect(useSlaStore().due[7]?.state).toBe('breached')
    expect(calls.filter((c) => c.path === '/conversations')).toHaveLength(1)
    vi.useRealTimers()
  })
})

describe('SLA deadlines learnt while a refresh is under way', () => {
  const item = (id: number, dueAt: string) => ({ conversation_id: id, target: 'first_response', state: 'running', due_at: dueAt })

  it('a page added during a refresh keeps its deadlines when the refresh answers', async () => {
    const { useSlaStore } = await import('@/stores/sla')
    const { flush, heldAnswer, mockFetch, signedIn } = await import('./helpers')
    signedIn()
    const slow = heldAnswer()
    mockFetch({
      'GET /sla/due': (url) =>
        url.searchParams.get('conversation_ids') === '1,2' ? slow.route() : { items: [item(9, '2026-12-04T09:00:00Z')] },
    })
    const sla = useSlaStore()
    const refreshing = sla.refresh([1, 2])
    await flush()
    await sla.add([9])
    expect(sla.due[9]?.due_at).toBe('2026-12-04T09:00:00Z')
    slow.release({ items: [item(1, '2026-12-04T10:00:00Z')] })
    await refreshing
    expect(Object.keys(sla.due).map(Number).sort()).toEqual([1, 9])
  })

  it('an older refresh answering last does not replace a newer one', async () => {
    const { useSlaStore } = await import('@/stores/sla')
    const { heldAnswer, mockFetch, signedIn, flush } = await import('./helpers')
    signedIn()
    const older = heldAnswer()
    mockFetch({
      'GET /sla/due': (url) =>
        url.searchParams.get('conversation_ids') === '1' ? older.route() : { items: [item(3, '2026-12-04T12:00:00Z')] },
    })
    const sla = useSlaStore()
    const first = sla.refresh([1])
    await flush()
    await sla.refresh([3])
    older.release({ items: [item(1, '2026-12-04T10:00:00Z')] })
    await first
    expect(Object.keys(sla.due).map(Number)).toEqual([3])
  })
})
