import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore } from '@/stores/outbox'
import { flush, jsonResponse, makeMessage, mockFetch } from './helpers'

const echo = (url: URL, init: RequestInit) => {
  const body = JSON.parse(String(init.body)) as { client_msg_id: string; text: string; private: boolean }
  const conversation_id = Number(url.pathname.split('/')[4])
  return jsonResponse(
    201,
    makeMessage({ conversation_id, author_type: 'agent', author_id: 1, text: body.text, client_msg_id: body.client_msg_id, private: body.private }),
  )
}

describe('outbox (offline queue)', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('queues while offline, persists with the client_msg_id, and survives a reload', () => {
    const { calls } = mockFetch({})
    const outbox = useOutboxStore()
    outbox.load(1)
    const item = outbox.enqueue(7, 'hello', false)
    expect(calls).toHaveLength(0)
    expect(item.client_msg_id).toMatch(/^[0-9a-f-]{36}$/)
    const stored = JSON.parse(localStorage.getItem('otklik.outbox.1')!)
    expect(stored[0].client_msg_id).toBe(item.client_msg_id)

    setActivePinia(createPinia())
    const again = useOutboxStore()
    again.load(1)
    expect(again.items.map((i) => i.client_msg_id)).toEqual([item.client_msg_id])
  })

  it('a send cut short by a reload is queued again with the same client id', () => {
    localStorage.setItem(
      'otklik.outbox.1',
      JSON.stringify([{ conversation_id: 1, client_msg_id: 'x1', text: 'a', private: false, created_at: '', state: 'sending', error: null }]),
    )
    const outbox = useOutboxStore()
    outbox.load(1)
    expect(outbox.items[0]!.state).toBe('queued')
  })

  it('sends everything in order when the connection comes back', async () => {
    const { calls } = mockFetch({ 'POST /conversations/*/messages': echo })
    const outbox = useOutboxStore()
    outbox.load(1)
    outbox.enqueue(1, 'one', false)
    outbox.enqueue(2, 'two', true)
    outbox.enqueue(1, 'three', false)
    outbox.setOnline(true)
    await outbox.flush()
    expect(calls.map((c) => (c.body as { text: string }).text)).toEqual(['one', 'two', 'three'])
    expect(calls[1]!.body).toMatchObject({ private: true })
    expect(outbox.items).toHaveLength(0)
    expect(JSON.parse(localStorage.getItem('otklik.outbox.1')!)).toEqual([])
  })

  it('puts the sent message into a cached thread', async () => {
    mockFetch({
      'GET /conversations/1/messages': () => ({ items: [], has_more: false }),
      'POST /conversations/*/messages': echo,
    })
    const messages = useMessagesStore()
    await messages.open(1)
    const outbox = useOutboxStore()
    outbox.load(1)
    outbox.setOnline(true)
    outbox.enqueue(1, 'hi', false)
    await outbox.flush()
    expect(messages.threads[1]!.items.map((m) => m.text)).toEqual(['hi'])
  })

  it('keeps the item queued on a network failure and retries the same client id later', async () => {
    let fail = true
    const { calls } = mockFetch({
      'POST /conversations/*/messages': (url, init) => {
        if (fail) throw new TypeError('Failed to fetch')
        return echo(url, init)
      },
    })
    const outbox = useOutboxStore()
    outbox.load(1)
    outbox.enqueue(1, 'one', false)
    outbox.enqueue(1, 'two', false)
    outbox.setOnline(true)
    await outbox.flush()
    expect(calls).toHaveLength(1) // stopped at the first failure
    expect(outbox.items.map((i) => i.state)).toEqual(['queued', 'queued'])

    outbox.setOnline(false)
    fail = false
    outbox.setOnline(true)
    await outbox.flush()
    expect(calls).toHaveLength(3)
    expect((calls[0]!.body as { client_msg_id: string }).client_msg_id).toBe(
      (calls[1]!.body as { client_msg_id: string }).client_msg_id,
    )
    expect(outbox.items).toHaveLength(0)
  })

  it('marks a rejected message as failed; retry sends it again', async () => {
    let status = 413
    mockFetch({
      'POST /conversations/*/messages': (url, init) =>
        status === 413 ? jsonResponse(413, { error: { code: 'too_large', message: 'Too long.' } }) : echo(url, init),
    })
    const outbox = useOutboxStore()
    outbox.load(1)
    outbox.setOnline(true)
    const item = outbox.enqueue(1, 'x', false)
    await outbox.flush()
    expect(outbox.items[0]).toMatchObject({ state: 'failed', error: 'Too long.' })
    status = 201
    outbox.retry(item.client_msg_id)
    await outbox.flush()
    await flush()
    expect(outbox.items).toHaveLength(0)
  })

  it('a message.created with our client id confirms the pending item', () => {
    mockFetch({})
    const outbox = useOutboxStore()
    outbox.load(1)
    const item = outbox.enqueue(1, 'x', false)
    outbox.confirm(makeMessage({ client_msg_id: item.client_msg_id }))
    expect(outbox.items).toHaveLength(0)
  })

  it('keeps one queue per operator', () => {
    mockFetch({})
    const outbox = useOutboxStore()
    outbox.load(1)
    outbox.enqueue(1, 'mine', false)
    outbox.load(2)
    expect(outbox.items).toHaveLength(0)
  })
})
