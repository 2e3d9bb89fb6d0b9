import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Contact } from '@/api/types'
import { applyEvent } from '@/realtime/apply'
import { useConversationsStore } from '@/stores/conversations'
import { usePrefsStore } from '@/stores/prefs'
import { useSessionStore } from '@/stores/session'
import { flush, heldAnswer, makeConversation, makeMessage, mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'admin' as const, languages: [], status: 'online' as const, active: true, team_ids: [] }
const COUNTS = { mine: 0, unassigned: 1, all: 1, teams: [] }

function contact(over: Partial<Contact> = {}): Contact {
  return { id: 9, name: 'Maria', email: null, attributes: {}, created_at: '2026-11-24T07:00:00Z', visitor: null, verified_at: null, verified: false, emails: [], phones: [], tags: [], language: null, timezone: null, consent: {}, company_id: null, last_seen_at: null, external_id: null, ...over }
}

describe('the conversation list, loading while frames come', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
    const prefs = usePrefsStore()
    prefs.view = 'all'
    prefs.status = 'open'
    prefs.sort = 'newest'
  })

  it('frames that come during the load are made again on top of its older answer, in the order they came', async () => {
    const page = heldAnswer()
    mockFetch({ 'GET /conversations': page.route })
    const store = useConversationsStore()
    const loading = store.fetchList()
    await flush()
    applyEvent({ id: 20, type: 'conversation.updated', data: { conversation: makeConversation({ id: 4, status: 'pending' }) } })
    applyEvent({ id: 21, type: 'conversation.updated', data: { conversation: makeConversation({ id: 4, status: 'resolved' }) } })
    const reply = makeMessage({ id: 70, conversation_id: 5, text: 'still there?' })
    const last_message = { id: 70, text: 'still there?', author_type: 'contact' as const, private: false, created_at: '2026-11-24T08:00:00Z' }
    applyEvent({ id: 22, type: 'message.created', data: { message: reply, conversation: makeConversation({ id: 5, unread_count: 2, last_message }) } })
    // Read before the three frames' changes.
    page.release({ items: [makeConversation({ id: 4 }), makeConversation({ id: 5, unread_count: 1 })], next_cursor: null, counts: COUNTS })
    await loading
    expect(store.byId[4]?.status).toBe('resolved')
    expect(store.byId[5]?.unread_count).toBe(2)
    expect(store.byId[5]?.last_message?.id).toBe(70)
    expect(store.list.map((c) => c.id)).toEqual([5])
  })

  it('an API answer is not put over a frame that came while it was under way, nor made again after the load', async () => {
    const store = useConversationsStore()
    const before = { channel: 'email', subject: 'Order 17', unread_count: 1 }
    store.upsert(makeConversation({ id: 4, ...before }))
    const page = heldAnswer()
    const read = heldAnswer()
    mockFetch({ 'GET /conversations': page.route, 'POST /conversations/4/read': read.route })
    const loading = store.fetchList()
    const reading = store.markRead(4)
    await flush()
    // An email reply renames the conversation; the mark read was read before it.
    const renamed = makeConversation({ id: 4, ...before, subject: 'Order 17: refund', unread_count: 2 })
    applyEvent({ id: 30, type: 'message.created', data: { message: makeMessage({ id: 80, conversation_id: 4 }), conversation: renamed } })
    read.release(makeConversation({ id: 4, ...before, unread_count: 0 }))
    await reading
    // The answer came after a frame it may predate: the frame's copy stays.
    expect(store.byId[4]?.subject).toBe('Order 17: refund')
    page.release({ items: [makeConversation({ id: 4, ...before })], next_cursor: null, counts: COUNTS })
    await loading
    expect(store.byId[4]?.subject).toBe('Order 17: refund')
    expect(store.byId[4]?.unread_count).toBe(2)
  })

  it('a contact renamed during the load keeps its new name in the list', async () => {
    const page = heldAnswer()
    mockFetch({ 'GET /conversations': page.route })
    const store = useConversationsStore()
    const old = { id: 9, name: 'Maria', email: null }
    store.upsert(makeConversation({ id: 3, contact: old }))
    const loading = store.fetchList()
    await flush()
    applyEvent({ id: 40, type: 'contact.updated', data: { contact: contact({ name: 'Maria Petrova', email: 'maria@example.com' }) } })
    page.release({ items: [makeConversation({ id: 3, contact: old })], next_cursor: null, counts: COUNTS })
    await loading
    expect(store.byId[3]?.contact).toEqual({ id: 9, name: 'Maria Petrova', email: 'maria@example.com' })
  })

  it('a frame during the load of one conversation (a deep link) survives its answer', async () => {
    const one = heldAnswer()
    mockFetch({ 'GET /conversations/6': one.route })
    const store = useConversationsStore()
    const ensuring = store.ensure(6)
    await flush()
    applyEvent({ id: 50, type: 'conversation.updated', data: { conversation: makeConversation({ id: 6, assignee_id: 1 }) } })
    one.release(makeConversation({ id: 6 }))
    expect((await ensuring).assignee_id).toBe(1)
    expect(store.byId[6]?.assignee_id).toBe(1)
  })

  it('a frame during the load of the next page survives its answer', async () => {
    let pages = 0
    const next = heldAnswer()
    mockFetch({
      'GET /conversations': () =>
        ++pages === 1 ? { items: [makeConversation({ id: 8, last_activity_at: '2026-11-24T09:00:00Z' })], next_cursor: 'c1', counts: COUNTS } : next.route(),
    })
    const store = useConversationsStore()
    await store.fetchList()
    const more = store.loadMore()
    await flush()
    applyEvent({ id: 60, type: 'conversation.updated', data: { conversation: makeConversation({ id: 7, priority: 'urgent' }) } })
    next.release({ items: [makeConversation({ id: 7 })], next_cursor: null, counts: COUNTS })
    await more
    expect(store.byId[7]?.priority).toBe('urgent')
  })
})
