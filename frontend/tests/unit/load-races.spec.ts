import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { InboxHealth, MentionOut } from '@/generated/events'
import { useLoad } from '@/composables/useLoad'
import { useAgentsStore } from '@/stores/agents'
import { useChannelHealthStore } from '@/stores/channelHealth'
import { useMentionsStore } from '@/stores/mentions'
import { useSessionStore } from '@/stores/session'
import { upsertById } from '@/utils/byId'
import { flush, heldAnswer, makeMessage, mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'admin' as const, languages: [], status: 'online' as const, active: true, team_ids: [] }

/** A promise the test settles by hand (a slow server). */
function later<T>() {
  let settle: (value: T) => void = () => undefined
  let fail: (err: unknown) => void = () => undefined
  const promise = new Promise<T>((resolve, reject) => ((settle = resolve), (fail = reject)))
  return { promise, settle, fail }
}

describe('useLoad: what a page shows from loads it asks again', () => {
  it('an older, slower answer does not replace the newer one, nor does its failure show', async () => {
    const { loaded, load } = useLoad()
    const shown: string[][] = []
    const first = later<string[]>()
    const second = later<string[]>()
    const older = load(() => first.promise, (a) => shown.push(a))
    const newer = load(() => second.promise, (a) => shown.push(a))
    expect(loaded.value).toBe(false)
    second.settle(['new'])
    expect(await newer).toBe(true)
    expect(loaded.value).toBe(true)
    first.settle(['old'])
    expect(await older).toBe(false)
    expect(shown).toEqual([['new']])

    const third = later<string[]>()
    const fourth = later<string[]>()
    const failing = load(() => third.promise, (a) => shown.push(a))
    const fine = load(() => fourth.promise, (a) => shown.push(a))
    third.fail(new Error('gone'))
    expect(await failing).toBe(false) // not thrown: the newer load answers for the page
    fourth.settle(['newest'])
    await fine
    expect(shown.at(-1)).toEqual(['newest'])
  })

  it('a change made while a load is under way is made again on top of its answer, once', async () => {
    const { load, noted } = useLoad()
    const items: { id: number; name: string }[] = []
    const answer = later<{ id: number; name: string }[]>()
    const loading = load(
      () => answer.promise,
      (a) => items.splice(0, items.length, ...a),
    )
    noted(() => upsertById(items, { id: 2, name: 'created meanwhile' }))
    answer.settle([{ id: 1, name: 'listed' }])
    await loading
    expect(items).toEqual([
      { id: 1, name: 'listed' },
      { id: 2, name: 'created meanwhile' },
    ])
    noted(() => upsertById(items, { id: 3, name: 'after' }))
    expect(items.map((i) => i.id)).toEqual([1, 2, 3])
  })
})

function mention(over: Partial<MentionOut> = {}): MentionOut {
  return { id: 5, agent_id: 1, conversation_id: 3, message: makeMessage({ id: 50, private: true, author_type: 'agent', text: '@Me look' }), created_at: '2026-12-04T10:00:00Z', read_at: null, ...over }
}

describe('stores fed by frames, loading while frames come', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
  })

  it('a mention and a read mark that arrive during the load are kept, counted once', async () => {
    const page = heldAnswer()
    mockFetch({ 'GET /mentions': page.route })
    const store = useMentionsStore()
    const loading = store.load()
    await flush()
    store.receive(mention({ id: 6 }))
    store.applyRead(1, [5])
    // Read before both: mention 5 unread, 6 not sent yet.
    page.release({ items: [mention({ id: 5 })], unread: 1, next_before: null })
    await loading
    expect(store.items.map((m) => [m.id, m.read_at === null])).toEqual([
      [6, true],
      [5, false],
    ])
    expect(store.unread).toBe(1)
  })

  it('a status change that a frame brings while the operator is read again is kept', async () => {
    const answer = heldAnswer()
    mockFetch({ 'GET /auth/me': answer.route })
    const session = useSessionStore()
    const reading = session.refresh()
    await flush()
    session.updateMe({ ...ME, status: 'away' })
    answer.release({ ...ME, status: 'online' }) // read before the change
    await reading
    expect(session.me?.status).toBe('away')
  })

  it('a presence frame during the read keeps the answer’s other fields', async () => {
    const answer = heldAnswer()
    mockFetch({ 'GET /auth/me': answer.route })
    const session = useSessionStore()
    const reading = session.refresh()
    await flush()
    useAgentsStore().setPresence(ME.id, 'away')
    answer.release({ ...ME, name: 'Me, renamed', status: 'online' }) // read before the frame
    await reading
    expect([session.me?.name, session.me?.status]).toEqual(['Me, renamed', 'away'])
  })

  it('an inbox list read before a health frame does not bring back the older state', async () => {
    const failing: InboxHealth = { inbox_id: 3, state: 'failing', failing_since: '2026-12-04T10:00:00Z', last_error: 'IMAP login refused', last_error_at: '2026-12-04T10:00:00Z' }
    const health = useChannelHealthStore()
    health.receive(failing)
    health.note({ id: 3, name: 'Почта', health: { ...failing, state: 'connected', failing_since: null } })
    expect(health.failing.map((h) => h.inbox_id)).toEqual([3])
    health.note({ id: 4, name: 'Telegram', health: { ...failing, inbox_id: 4 } })
    expect(health.failing.map((h) => h.inbox_id)).toEqual([3, 4])
  })

  it('a next page asked for before a reload answers is not added to the reloaded list', async () => {
    const older = heldAnswer()
    mockFetch({
      'GET /mentions': (url) =>
        url.searchParams.get('before') === '5'
          ? older.route()
          : { items: [mention({ id: 7 })], unread: 1, next_before: 7 },
    })
    const store = useMentionsStore()
    await store.load()
    store.items = [mention({ id: 5 })]
    store.nextBefore = 5
    const more = store.loadMore()
    await flush()
    await store.load()
    older.release({ items: [mention({ id: 2 })], unread: 4, next_before: null })
    await more
    expect(store.items.map((m) => m.id)).toEqual([7])
    expect(store.nextBefore).toBe(7)
    expect(store.unread).toBe(1)
  })

  it('a channel that failed during the inbox list’s load is not shown as working', async () => {
    const failing: InboxHealth = { inbox_id: 3, state: 'failing', failing_since: '2026-12-04T10:00:00Z', last_error: 'IMAP login refused', last_error_at: '2026-12-04T10:00:00Z' }
    const list = heldAnswer()
    let asked = 0
    // The first list is read before the channel failed; a later one (the frame names an
    // inbox not listed yet, so the store asks again) after.
    mockFetch({ 'GET /inboxes': () => (++asked === 1 ? list.route() : { items: [{ id: 3, name: 'Почта', health: failing }] }) })
    const health = useChannelHealthStore()
    const loading = health.load()
    await flush()
    health.receive(failing)
    list.release({ items: [{ id: 3, name: 'Почта', health: { ...failing, state: 'connected', failing_since: null } }] })
    await loading
    expect(health.failing.map((h) => h.inbox_id)).toEqual([3])
    expect(health.names[3]).toBe('Почта')
  })
})
