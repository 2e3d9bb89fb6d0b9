import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Conversation } from '@/api/types'
import { useConversationsStore } from '@/stores/conversations'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore } from '@/stores/outbox'
import { usePrefsStore } from '@/stores/prefs'
import { useRealtimeStore } from '@/stores/realtime'
import { useSessionStore } from '@/stores/session'
import { useSurveysStore } from '@/stores/surveys'
import { useTypingStore } from '@/stores/typing'
import { FakeSocket, flush, jsonResponse, makeConversation, makeMessage, mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'agent' as const, languages: ['ru'], status: 'online' as const, active: true, team_ids: [] }

function page(items: Conversation[]) {
  return { items, next_cursor: null, counts: { mine: 0, unassigned: items.length, all: items.length } }
}

function start() {
  const realtime = useRealtimeStore()
  realtime.useSocketFactory((url) => new FakeSocket(url))
  realtime.start()
  const ws = FakeSocket.latest()
  ws.open()
  return { realtime, ws }
}

describe('realtime store', () => {
  beforeEach(() => {
    localStorage.clear()
    FakeSocket.reset()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
    usePrefsStore().sort = 'newest' // these lists are ordered by activity
    useConversationsStore().setView('all')
  })
  afterEach(() => {
    useRealtimeStore().stop()
    vi.useRealTimers()
  })

  it('fetches state over HTTP after a fresh ready, and applies later events idempotently', async () => {
    const { calls } = mockFetch({ 'GET /conversations': () => page([makeConversation({ id: 1 })]) })
    const { ws, realtime } = start()
    expect(ws.sent[0]).toEqual({ type: 'hello', last_event_id: null })
    ws.receive({ type: 'ready', last_event_id: 100 })
    await flush()
    expect(realtime.state).toBe('live')
    expect(calls.some((c) => c.path === '/conversations')).toBe(true)
    const conversations = useConversationsStore()
    expect(conversations.list.map((c) => c.id)).toEqual([1])

    const conv2 = makeConversation({ id: 2, last_activity_at: '2026-11-24T08:00:00Z' })
    const frame = { id: 101, type: 'conversation.created', data: { conversation: conv2 } }
    ws.receive(frame)
    ws.receive(frame)
    expect(conversations.list.map((c) => c.id)).toEqual([2, 1])
  })

  it('buffers events that arrive during a refetch and applies them after it, in order', async () => {
    let resolveList!: (v: unknown) => void
    mockFetch({ 'GET /conversations': () => new Promise((r) => (resolveList = r)) })
    const { ws } = start()
    ws.receive({ type: 'ready', last_event_id: 10 })
    await flush()
    // the snapshot is older than this event: applying the event after the snapshot must win
    ws.receive({ id: 11, type: 'conversation.updated', data: { conversation: makeConversation({ id: 1, status: 'pending' }) } })
    resolveList(page([makeConversation({ id: 1, status: 'open' })]))
    await flush()
    expect(useConversationsStore().byId[1]!.status).toBe('pending')
  })

  it('after a reconnect: replay fills the gap, duplicates are dropped, queued messages are sent once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const sent: string[] = []
    mockFetch({
      'GET /conversations': () => page([makeConversation({ id: 1 })]),
      'GET /conversations/1/messages': () => ({ items: [makeMessage({ id: 1 })], has_more: false }),
      'POST /conversations/1/messages': (_u, init) => {
        const body = JSON.parse(String(init.body))
        sent.push(body.client_msg_id)
        return jsonResponse(201, makeMessage({ id: 5, author_type: 'agent', author_id: 1, client_msg_id: body.client_msg_id, text: body.text }))
      },
    })
    const { ws, realtime } = start()
    ws.receive({ type: 'ready', last_event_id: 10 })
    await flush()
    const messages = useMessagesStore()
    await messages.open(1)

    ws.drop()
    expect(realtime.disconnected).toBe(true)
    const outbox = useOutboxStore()
    const item = outbox.enqueue(1, 'typed offline', false)
    expect(sent).toEqual([])

    await vi.advanceTimersByTimeAsync(600)
    const ws2 = FakeSocket.latest()
    ws2.open()
    expect(ws2.sent[0]).toEqual({ type: 'hello', last_event_id: 10 })
    const m2 = makeMessage({ id: 2 })
    const conv = makeConversation({ id: 1 })
    ws2.receive({ id: 11, type: 'message.created', data: { message: m2, conversation: conv } })
    ws2.receive({ id: 11, type: 'message.created', data: { message: m2, conversation: conv } })
    ws2.receive({ id: 12, type: 'message.created', data: { message: makeMessage({ id: 3 }), conversation: conv } })
    ws2.receive({ type: 'ready', last_event_id: 12 })
    await flush()
    expect(realtime.disconnected).toBe(false)
    expect(sent).toEqual([item.client_msg_id])
    // the server's echo of our message arrives as an event too: still one copy
    ws2.receive({
      id: 13,
      type: 'message.created',
      data: { message: makeMessage({ id: 5, author_type: 'agent', author_id: 1, client_msg_id: item.client_msg_id }), conversation: conv },
    })
    expect(messages.threads[1]!.items.map((m) => m.id)).toEqual([1, 2, 3, 5])
    expect(outbox.items).toHaveLength(0)
    vi.useRealTimers()
  })

  it('refetches on resync and marks cached threads stale', async () => {
    const { calls } = mockFetch({
      'GET /conversations': () => page([]),
      'GET /conversations/*/messages': () => ({ items: [], has_more: false }),
    })
    const { ws } = start()
    ws.receive({ type: 'ready', last_event_id: 1 })
    await flush()
    const messages = useMessagesStore()
    await messages.open(7)
    const before = calls.filter((c) => c.path === '/conversations').length
    ws.receive({ type: 'resync', last_event_id: 500 })
    await flush()
    expect(calls.filter((c) => c.path === '/conversations').length).toBe(before + 1)
    expect(messages.threads[7]!.stale).toBe(true)
  })

  it('a fresh ready reloads the open conversation’s surveys: one sent before the socket was live shows', async () => {
    let surveys: unknown[] = []
    const { calls } = mockFetch({
      'GET /conversations': () => page([]),
      'GET /conversations/*/messages': () => ({ items: [], has_more: false }),
      'GET /conversations/*': () => makeConversation({ id: 7 }),
      'GET /conversations/*/surveys': () => ({ items: surveys }),
      'GET /conversations/*/escalations': () => ({ items: [] }),
    })
    const store = useSurveysStore()
    useConversationsStore().activeId = 7
    await store.load(7) // as the conversation opened: nothing sent yet
    await store.load(8) // another conversation seen earlier
    // Resolved (and a survey sent) before the socket is live: its frame never comes.
    surveys = [{ id: 5, kind: 'csat', conversation_id: 7, score: null, responded_at: null }]
    const { ws } = start()
    ws.receive({ type: 'ready', last_event_id: 100 })
    await flush()
    expect(store.byConversation[7]).toEqual(surveys)
    expect(store.byConversation[8]).toBeUndefined() // loads again when opened
    expect(calls.filter((c) => c.path === '/conversations/7/surveys')).toHaveLength(2)
  })

  it('routes typing and presence frames', async () => {
    mockFetch({ 'GET /conversations': () => page([]) })
    const { ws } = start()
    ws.receive({ type: 'ready', last_event_id: 1 })
    ws.receive({ type: 'typing', conversation_id: 4, author_type: 'contact', author_id: 9, name: 'Ann', typing: true })
    ws.receive({ type: 'typing', conversation_id: 4, author_type: 'agent', author_id: 1, name: 'Me', typing: true })
    expect(useTypingStore().typists(4).map((t) => t.name)).toEqual(['Ann'])
  })

  it('clears the session when the server refuses the socket', () => {
    mockFetch({})
    const realtime = useRealtimeStore()
    realtime.useSocketFactory((url) => new FakeSocket(url))
    realtime.start()
    FakeSocket.latest().drop(4401)
    expect(useSessionStore().me).toBeNull()
  })
})
