import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick } from 'vue'
import { useBulkStore } from '@/stores/bulk'
import { useConversationsStore } from '@/stores/conversations'
import { usePrefsStore } from '@/stores/prefs'
import { useSessionStore } from '@/stores/session'
import { jsonResponse, makeConversation, mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'agent' as const, languages: [], status: 'online' as const, active: true, team_ids: [] }

describe('bulk selection', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
    usePrefsStore().view = 'all'
    usePrefsStore().status = 'open'
    const conversations = useConversationsStore()
    for (const id of [1, 2, 3]) conversations.upsert(makeConversation({ id, last_activity_at: `2026-11-24T0${id}:00:00Z` }))
  })

  it('toggles, selects all shown, and only counts what the list shows', () => {
    const bulk = useBulkStore()
    bulk.toggle(1)
    bulk.toggle(2)
    bulk.toggle(1)
    expect(bulk.selected).toEqual([2])
    bulk.selectAll()
    expect(bulk.count).toBe(3)
    expect(bulk.allSelected).toBe(true)
    // resolved elsewhere: it leaves the list and the selection
    useConversationsStore().upsert(makeConversation({ id: 3, status: 'resolved' }))
    expect(bulk.selected.sort()).toEqual([1, 2])
    expect(bulk.isSelected(3)).toBe(false)
    bulk.clear()
    expect(bulk.count).toBe(0)
  })

  it('a different list starts with nothing selected', async () => {
    const bulk = useBulkStore()
    bulk.set(1, true)
    bulk.set(1, true)
    expect(bulk.ids).toEqual([1])
    usePrefsStore().view = 'mine'
    await nextTick()
    expect(bulk.ids).toEqual([])
  })

  it('applies one action to every selected conversation and takes the answer', async () => {
    const { calls } = mockFetch({
      'POST /conversations/bulk': () => ({
        items: [makeConversation({ id: 1, status: 'resolved' }), makeConversation({ id: 3, status: 'resolved' })],
      }),
    })
    const bulk = useBulkStore()
    bulk.toggle(3)
    bulk.toggle(1)
    await bulk.apply({ action: 'status', status: 'resolved' })
    expect(calls.find((c) => c.path === '/conversations/bulk')?.body).toEqual({ ids: [3, 1], action: 'status', status: 'resolved' })
    expect(useConversationsStore().list.map((c) => c.id)).toEqual([2])
    expect(bulk.count).toBe(0)
  })

  it('keeps the selection when the server refuses (all or nothing)', async () => {
    mockFetch({
      'POST /conversations/bulk': () => jsonResponse(422, { error: { code: 'validation_error', message: 'Team 9 does not exist.' } }),
    })
    const bulk = useBulkStore()
    bulk.toggle(2)
    await expect(bulk.apply({ action: 'assign', team_id: 9 })).rejects.toThrow('Team 9 does not exist.')
    expect(bulk.selected).toEqual([2])
    expect(bulk.busy).toBe(false)
  })
})
