import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EventFrame } from '@/api/types'
import { ResumableSocket, type ConnectionState } from '@/realtime/socket'
import { FakeSocket } from './helpers'

function setup(opts: { random?: () => number } = {}) {
  const events: number[] = []
  const states: ConnectionState[] = []
  const ready: { fresh: boolean; lastEventId: number | null }[] = []
  const resyncs: (number | null)[] = []
  let authFailed = 0
  const socket = new ResumableSocket(
    {
      onEvent: (f: EventFrame) => events.push(f.id),
      onState: (s) => states.push(s),
      onReady: (info) => ready.push(info),
      onResync: (id) => resyncs.push(id),
      onAuthFailed: () => authFailed++,
    },
    {
      url: () => 'ws://test/api/v1/ws',
      createSocket: (url) => new FakeSocket(url),
      random: opts.random ?? (() => 1),
      baseDelayMs: 500,
      maxDelayMs: 8000,
    },
  )
  return { socket, events, states, ready, resyncs, authFailed: () => authFailed }
}

const ev = (id: number) => ({ id, type: 'conversation.merged', data: { from_id: 1, into_id: 2 } })

describe('ResumableSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    FakeSocket.reset()
  })
  afterEach(() => vi.useRealTimers())

  it('says hello with null on a fresh start and reports a fresh ready', () => {
    const { socket, ready, states } = setup()
    socket.start(null)
    const ws = FakeSocket.latest()
    ws.open()
    expect(ws.sent).toEqual([{ type: 'hello', last_event_id: null }])
    ws.receive({ type: 'ready', last_event_id: 41 })
    expect(ready).toEqual([{ fresh: true, lastEventId: 41 }])
    expect(socket.lastEventId).toBe(41)
    expect(states).toEqual(['connecting', 'live'])
  })

  it('applies each event once, dropping ids it has already applied', () => {
    const { socket, events } = setup()
    socket.start(null)
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 10 })
    ws.receive(ev(11))
    ws.receive(ev(12))
    ws.receive(ev(12))
    ws.receive(ev(9))
    ws.receive(ev(13))
    expect(events).toEqual([11, 12, 13])
    expect(socket.lastEventId).toBe(13)
  })

  it('reconnects after a drop and resumes from the last applied id without gaps or duplicates', () => {
    const { socket, events, ready, states } = setup()
    socket.start(null)
    let ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 5 })
    ws.receive(ev(6))
    ws.receive(ev(7))
    ws.drop()
    expect(socket.state).toBe('reconnecting')
    expect(states).toContain('reconnecting')

    vi.advanceTimersByTime(500)
    ws = FakeSocket.latest()
    expect(FakeSocket.all).toHaveLength(2)
    ws.open()
    expect(ws.sent[0]).toEqual({ type: 'hello', last_event_id: 7 })
    // the server replays from 8; an overlapping 7 must not be applied twice
    ws.receive(ev(7))
    ws.receive(ev(8))
    ws.receive(ev(9))
    ws.receive({ type: 'ready', last_event_id: 9 })
    ws.receive(ev(10))
    expect(events).toEqual([6, 7, 8, 9, 10])
    expect(ready[1]).toEqual({ fresh: false, lastEventId: 9 })
    expect(socket.state).toBe('live')
  })

  it('backs off exponentially with a cap, and resets after ready', () => {
    const { socket } = setup()
    socket.start(5)
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      const before = FakeSocket.all.length
      FakeSocket.latest().drop()
      let waited = 0
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(100)
        waited += 100
      }
      delays.push(waited)
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000])
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 5 })
    expect(socket.failedAttempts).toBe(0)
    expect(socket.nextDelay()).toBe(500)
  })

  it('adds jitter between half and all of the delay', () => {
    const { socket } = setup({ random: () => 0 })
    expect(socket.nextDelay()).toBe(250)
  })

  it('asks the owner to refetch on resync and continues from the new id', () => {
    const { socket, resyncs, events } = setup()
    socket.start(3)
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'resync', last_event_id: 900 })
    expect(resyncs).toEqual([900])
    expect(socket.lastEventId).toBe(900)
    ws.receive(ev(901))
    expect(events).toEqual([901])
  })

  it('treats 45 s of silence as a dead connection', () => {
    const { socket } = setup()
    socket.start(null)
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 1 })
    vi.advanceTimersByTime(30_000)
    ws.receive({ type: 'heartbeat' })
    vi.advanceTimersByTime(30_000)
    expect(socket.state).toBe('live')
    vi.advanceTimersByTime(15_001)
    expect(socket.state).toBe('reconnecting')
    expect(ws.closedWith).toBe(1000)
  })

  it('pings while live', () => {
    const { socket } = setup()
    socket.start(null)
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 1 })
    vi.advanceTimersByTime(20_000)
    expect(ws.sent).toContainEqual({ type: 'ping' })
  })

  it('stops for good on close code 4401 (bad session)', () => {
    const { socket, authFailed } = setup()
    socket.start(null)
    FakeSocket.latest().drop(4401)
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(authFailed()).toBe(1)
    expect(socket.state).toBe('closed')
  })

  it('sends frames only when live, and reconnectNow skips the wait', () => {
    const { socket } = setup()
    socket.start(null)
    expect(socket.send({ type: 'ping' })).toBe(false)
    FakeSocket.latest().drop()
    socket.reconnectNow()
    expect(FakeSocket.all).toHaveLength(2)
    const ws = FakeSocket.latest()
    ws.open()
    ws.receive({ type: 'ready', last_event_id: 0 })
    expect(socket.send({ type: 'typing', conversation_id: 1, typing: true })).toBe(true)
    expect(ws.sent).toContainEqual({ type: 'typing', conversation_id: 1, typing: true })
  })

  it('stop() closes and never reconnects', () => {
    const { socket } = setup()
    socket.start(null)
    const ws = FakeSocket.latest()
    ws.open()
    socket.stop()
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(socket.state).toBe('closed')
  })
})
