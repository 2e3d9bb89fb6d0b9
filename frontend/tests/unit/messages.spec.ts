import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { upsertMessage, useMessagesStore } from '@/stores/messages'
import { flush, makeMessage, mockFetch } from './helpers'

describe('upsertMessage', () => {
  it('keeps messages sorted by id and replaces by id', () => {
    const items = [makeMessage({ id: 1 }), makeMessage({ id: 3 })]
    expect(upsertMessage(items, makeMessage({ id: 2 }))).toBe(true)
    expect(upsertMessage(items, makeMessage({ id: 3, text: 'edited' }))).toBe(false)
    expect(items.map((m) => m.id)).toEqual([1, 2, 3])
    expect(items[2]!.text).toBe('edited')
  })

  it('dedupes by client_msg_id as well', () => {
    const items = [makeMessage({ id: 5, client_msg_id: 'abc' })]
    upsertMessage(items, makeMessage({ id: 5, client_msg_id: 'abc' }))
    upsertMessage(items, makeMessage({ id: 6, client_msg_id: 'abc' }))
    expect(items).toHaveLength(1)
  })
})

describe('messages store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('caches a thread: opening it again does not refetch', async () => {
    const { calls } = mockFetch({
      'GET /conversations/1/messages': () => ({ items: [makeMessage({ id: 1 }), makeMessage({ id: 2 })], has_more: true }),
    })
    const store = useMessagesStore()
    await store.open(1)
    await store.open(1)
    expect(calls).toHaveLength(1)
    expect(store.threads[1]!.items.map((m) => m.id)).toEqual([1, 2])
    expect(store.threads[1]!.hasMore).toBe(true)
  })

  it('takes live messages for cached threads only, without duplicates', async () => {
    mockFetch({ 'GET /conversations/1/messages': () => ({ items: [makeMessage({ id: 1 })], has_more: false }) })
    const store = useMessagesStore()
    store.receive(makeMessage({ id: 50, conversation_id: 2 }))
    expect(store.threads[2]).toBeUndefined()
    await store.open(1)
    store.receive(makeMessage({ id: 2 }))
    store.receive(makeMessage({ id: 2 }))
    expect(store.threads[1]!.items.map((m) => m.id)).toEqual([1, 2])
  })

  it('keeps events that arrive while the first page loads', async () => {
    let resolve!: (v: unknown) => void
    mockFetch({
      'GET /conversations/1/messages': () => new Promise((r) => (resolve = r)),
    })
    const store = useMessagesStore()
    const loading = store.open(1)
    await flush()
    store.receive(makeMessage({ id: 9 }))
    resolve({ items: [makeMessage({ id: 7 }), makeMessage({ id: 8 })], has_more: false })
    await loading
    expect(store.threads[1]!.items.map((m) => m.id)).toEqual([7, 8, 9])
  })

  it('loads older pages with before=<first id>', async () => {
    const { calls } = mockFetch({
      'GET /conversations/1/messages': (url) =>
        url.searchParams.get('before')
          ? { items: [makeMessage({ id: 1 })], has_more: false }
          : { items: [makeMessage({ id: 2 })], has_more: true },
    })
    const store = useMessagesStore()
    await store.open(1)
    await store.loadOlder(1)
    expect(calls[1]!.url.searchParams.get('before')).toBe('2')
    expect(store.threads[1]!.items.map((m) => m.id)).toEqual([1, 2])
    expect(store.threads[1]!.hasMore).toBe(false)
  })

  it('refetches stale threads when opened again', async () => {
    const { calls } = mockFetch({ 'GET /conversations/1/messages': () => ({ items: [], has_more: false }) })
    const store = useMessagesStore()
    await store.open(1)
    store.markAllStale(null)
    await store.open(1)
    expect(calls).toHaveLength(2)
  })
})
