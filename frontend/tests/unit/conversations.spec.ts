import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { matchesView, useConversationsStore } from '@/stores/conversations'
import { usePrefsStore } from '@/stores/prefs'
import { useSessionStore } from '@/stores/session'
import { flush, makeConversation, mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'agent' as const, languages: [], status: 'online' as const, active: true, team_ids: [] }

describe('conversation list', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
    usePrefsStore().sort = 'newest'
  })

  it('matches views', () => {
    const mine = { view: 'mine' as const, teamId: null }
    expect(matchesView(makeConversation({ assignee_id: 1 }), mine, 1)).toBe(true)
    expect(matchesView(makeConversation({ assignee_id: 2 }), mine, 1)).toBe(false)
    expect(matchesView(makeConversation({ assignee_id: null }), { view: 'unassigned', teamId: null }, 1)).toBe(true)
    expect(matchesView(makeConversation({ assignee_id: 2 }), { view: 'all', teamId: null }, 1)).toBe(true)
    expect(matchesView(makeConversation({ team_id: 7 }), { view: 'team', teamId: 7 }, 1)).toBe(true)
    expect(matchesView(makeConversation({ team_id: 8 }), { view: 'team', teamId: 7 }, 1)).toBe(false)
  })

  it('orders a queue by how long the customer has waited, as the server does', async () => {
    mockFetch({
      'GET /conversations': (url) => {
        expect(url.searchParams.get('sort')).toBe('waiting')
        expect(url.searchParams.get('team_id')).toBe('7')
        return { items: [], next_cursor: null, counts: { mine: 0, unassigned: 0, all: 3, teams: [{ team_id: 7, n: 3 }] } }
      },
    })
    const store = useConversationsStore()
    usePrefsStore().sort = 'waiting'
    await store.setView('team', 7)
    store.upsert(makeConversation({ id: 1, team_id: 7, waiting_since: null }))
    store.upsert(makeConversation({ id: 2, team_id: 7, waiting_since: '2026-11-24T10:00:00Z' }))
    store.upsert(makeConversation({ id: 3, team_id: 7, waiting_since: '2026-11-24T09:00:00Z', priority: 'urgent' }))
    store.upsert(makeConversation({ id: 4, team_id: 8, waiting_since: '2026-11-24T08:00:00Z' }))
    expect(store.list.map((c) => c.id)).toEqual([3, 2, 1])
    expect(store.teamCount(7)).toBe(3)
    usePrefsStore().sort = 'priority'
    store.upsert(makeConversation({ id: 2, team_id: 7, waiting_since: '2026-11-24T10:00:00Z', priority: 'high' }))
    expect(store.list.map((c) => c.id)).toEqual([3, 2, 1])
  })

  it('moves conversations in and out of the list as events change them', async () => {
    mockFetch({
      'GET /conversations': () => ({ items: [makeConversation({ id: 1, assignee_id: 1 })], next_cursor: null, counts: { mine: 1, unassigned: 0, all: 1 } }),
    })
    const store = useConversationsStore()
    await store.setView('mine')
    expect(store.list.map((c) => c.id)).toEqual([1])
    store.upsert(makeConversation({ id: 1, assignee_id: 1, status: 'resolved' }))
    expect(store.list).toEqual([])
    store.upsert(makeConversation({ id: 2, assignee_id: 1, last_activity_at: '2026-11-24T09:00:00Z' }))
    store.upsert(makeConversation({ id: 3, assignee_id: 1, last_activity_at: '2026-11-24T10:00:00Z' }))
    expect(store.list.map((c) => c.id)).toEqual([3, 2])
  })

  it('hides cached items older than the last loaded page while more pages exist', async () => {
    mockFetch({
      'GET /conversations': (url) =>
        url.searchParams.get('cursor')
          ? { items: [makeConversation({ id: 3, last_activity_at: '2026-11-20T00:00:00Z' })], next_cursor: null, counts: { mine: 0, unassigned: 3, all: 3 } }
          : { items: [makeConversation({ id: 1, last_activity_at: '2026-11-24T00:00:00Z' })], next_cursor: 'c1', counts: { mine: 0, unassigned: 3, all: 3 } },
    })
    const store = useConversationsStore()
    store.upsert(makeConversation({ id: 2, last_activity_at: '2026-11-19T00:00:00Z' }))
    await store.setView('unassigned')
    expect(store.list.map((c) => c.id)).toEqual([1])
    await store.loadMore()
    expect(store.list.map((c) => c.id)).toEqual([1, 3, 2])
  })

  it('refreshes counts once for a burst of events', async () => {
    vi.useFakeTimers()
    const { calls } = mockFetch({
      'GET /conversations': () => ({ items: [], next_cursor: null, counts: { mine: 4, unassigned: 5, all: 9 } }),
    })
    const store = useConversationsStore()
    store.scheduleCounts()
    store.scheduleCounts()
    store.scheduleCounts()
    await vi.advanceTimersByTimeAsync(400)
    await flush()
    expect(calls).toHaveLength(1)
    expect(calls[0]!.url.searchParams.get('limit')).toBe('1')
    expect(store.counts).toEqual({ mine: 4, unassigned: 5, all: 9 })
    vi.useRealTimers()
  })

  it('sends the CSRF header from the cookie on writes', async () => {
    document.cookie = 'otklik_csrf=tok123; path=/'
    const { calls } = mockFetch({ 'POST /conversations/5/status': () => makeConversation({ id: 5, status: 'resolved' }) })
    const store = useConversationsStore()
    await store.changeStatus(5, 'resolved')
    expect(calls[0]!.headers['X-CSRF-Token']).toBe('tok123')
    expect(calls[0]!.body).toEqual({ status: 'resolved' })
    expect(store.byId[5]!.status).toBe('resolved')
  })

  it('sends snooze_until as UTC ISO', async () => {
    const { calls } = mockFetch({ 'POST /conversations/5/status': () => makeConversation({ id: 5, status: 'snoozed' }) })
    const until = new Date('2030-01-02T09:00:00Z')
    await useConversationsStore().changeStatus(5, 'snoozed', until)
    expect(calls[0]!.body).toEqual({ status: 'snoozed', snooze_until: '2030-01-02T09:00:00.000Z' })
  })

  it('marks read optimistically', async () => {
    mockFetch({ 'POST /conversations/5/read': () => makeConversation({ id: 5, unread_count: 0 }) })
    const store = useConversationsStore()
    store.upsert(makeConversation({ id: 5, unread_count: 3 }))
    const p = store.markRead(5)
    expect(store.byId[5]!.unread_count).toBe(0)
    await p
  })
})
