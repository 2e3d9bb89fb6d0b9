import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, ResumableSocket, type EventFrame, type SocketState } from '../src/frame/socket';
import { FakeSocket } from './fakes';

function setup() {
  const events: EventFrame[] = [];
  const states: SocketState[] = [];
  const ready: boolean[] = [];
  const transient: unknown[] = [];
  let resyncs = 0;
  let unauthorized = 0;
  let token = 't1';
  const sock = new ResumableSocket(
    {
      onEvent: (e) => events.push(e),
      onTransient: (f) => transient.push(f),
      onReady: ({ fresh }) => ready.push(fresh),
      onResync: () => resyncs++,
      onState: (s) => states.push(s),
      onUnauthorized: () => unauthorized++,
    },
    {
      url: () => 'ws://x/api/v1/widget/ws',
      token: () => token,
      WebSocketImpl: FakeSocket as unknown as { new (url: string): WebSocket },
      random: () => 1, // no jitter: delay = base * 2^attempt
    },
  );
  return {
    sock,
    events,
    states,
    ready,
    transient,
    get resyncs() {
      return resyncs;
    },
    get unauthorized() {
      return unauthorized;
    },
    setToken: (t: string) => (token = t),
  };
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('ResumableSocket', () => {
  it('starts fresh: hello null, ready → fetch, then applies live events', () => {
    const t = setup();
    t.sock.start();
    expect(t.sock.state).toBe('connecting');
    const ws = FakeSocket.last;
    expect(ws.url).toBe('ws://x/api/v1/widget/ws'); // no credential in the address (access logs)
    ws.open();
    expect(ws.sent).toEqual([{ type: 'hello', last_event_id: null, token: 't1' }]);
    expect(t.sock.state).toBe('syncing');
    ws.frame({ type: 'ready', last_event_id: 40 });
    expect(t.ready).toEqual([true]);
    expect(t.sock.state).toBe('live');
    expect(t.sock.lastEventId).toBe(40);
    ws.frame({ id: 41, type: 'message.created', data: { message: { id: 1 } } });
    ws.frame({ id: 41, type: 'message.created', data: { message: { id: 1 } } }); // duplicate
    ws.frame({ id: 39, type: 'message.created', data: {} }); // older than what we have
    expect(t.events.map((e) => e.id)).toEqual([41]);
    expect(t.sock.lastEventId).toBe(41);
  });

  it('resumes after a drop: hello with the last applied id, replay, ready (no refetch)', () => {
    const t = setup();
    t.sock.start();
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'ready', last_event_id: 10 });
    FakeSocket.last.frame({ id: 11, type: 'message.created', data: {} });
    FakeSocket.last.drop();
    expect(t.sock.state).toBe('waiting');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    const ws = FakeSocket.last;
    ws.open();
    expect(ws.sent[0]).toEqual({ type: 'hello', last_event_id: 11, token: 't1' });
    ws.frame({ id: 11, type: 'message.created', data: {} }); // server repeats the boundary: ignored
    ws.frame({ id: 12, type: 'message.created', data: {} });
    ws.frame({ id: 13, type: 'conversation.updated', data: {} });
    ws.frame({ type: 'ready', last_event_id: 13 });
    expect(t.events.map((e) => e.id)).toEqual([11, 12, 13]);
    expect(t.ready).toEqual([true, false]); // second ready is not fresh
    expect(t.resyncs).toBe(0);
  });

  it('resync: continue from the given id and ask the app to refetch', () => {
    const t = setup();
    t.sock.start();
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'ready', last_event_id: 5 });
    FakeSocket.last.drop();
    vi.advanceTimersByTime(1000);
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'resync', last_event_id: 900 });
    expect(t.resyncs).toBe(1);
    expect(t.sock.lastEventId).toBe(900);
    expect(t.sock.state).toBe('live');
    FakeSocket.last.frame({ id: 901, type: 'message.created', data: {} });
    expect(t.events.map((e) => e.id)).toEqual([901]);
  });

  it('backs off exponentially up to the cap and resets after ready', () => {
    const t = setup();
    t.sock.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.all.length;
      FakeSocket.last.drop();
      let waited = 0;
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(250);
        waited += 250;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'ready', last_event_id: 1 });
    expect(t.sock.attempts).toBe(0);
    FakeSocket.last.drop();
    vi.advanceTimersByTime(1000);
    expect(t.sock.state).toBe('connecting');
  });

  it('pings, and reconnects after 45 s without any frame (half-open connection)', () => {
    const t = setup();
    t.sock.start();
    const ws = FakeSocket.last;
    ws.open();
    ws.frame({ type: 'ready', last_event_id: 3 });
    vi.advanceTimersByTime(20000);
    expect(ws.sent).toContainEqual({ type: 'ping' });
    ws.frame({ type: 'heartbeat' }); // keeps it alive
    vi.advanceTimersByTime(44000);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1000); // 45 s of silence
    expect(ws.closed).toBe(true);
    expect(t.sock.state).toBe('waiting');
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toEqual({ type: 'hello', last_event_id: 3, token: 't1' });
  });

  it('stops on a bad token (close 4401) and does not retry by itself', () => {
    const t = setup();
    t.sock.start();
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'error', code: 'unauthorized', message: 'bad token' });
    FakeSocket.last.drop(4401);
    expect(t.unauthorized).toBe(1);
    expect(t.sock.state).toBe('stopped');
    vi.advanceTimersByTime(120000);
    expect(FakeSocket.all).toHaveLength(1);
    // the app makes a new session and starts again from scratch
    t.setToken('t2');
    t.sock.reset();
    t.sock.start();
    FakeSocket.last.open();
    expect(FakeSocket.last.url).not.toContain('token');
    expect(FakeSocket.last.sent[0]).toEqual({ type: 'hello', last_event_id: null, token: 't2' });
  });

  it('close code 4401 without an error frame also counts as unauthorized', () => {
    const t = setup();
    t.sock.start();
    FakeSocket.last.drop(4401);
    expect(t.unauthorized).toBe(1);
  });

  it('passes transient frames through, sends only when connected, reconnects at once when online', () => {
    const t = setup();
    expect(t.sock.send({ type: 'typing', typing: true })).toBe(false);
    t.sock.start();
    FakeSocket.last.open();
    FakeSocket.last.frame({ type: 'ready', last_event_id: null });
    FakeSocket.last.frame({ type: 'typing', author_type: 'agent', name: 'Anna', typing: true });
    FakeSocket.last.frame({ type: 'pong' });
    expect(t.transient).toEqual([{ type: 'typing', author_type: 'agent', name: 'Anna', typing: true }]);
    expect(t.sock.send({ type: 'typing', typing: true })).toBe(true);
    FakeSocket.last.drop();
    expect(t.sock.send({ type: 'typing', typing: false })).toBe(false);
    t.sock.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last.frame({ type: 'garbage' });
    FakeSocket.last.onmessage?.({ data: 'not json' } as MessageEvent);
  });

  it('ignores frames from a socket it already replaced', () => {
    const t = setup();
    t.sock.start();
    const old = FakeSocket.last;
    old.open();
    old.drop();
    vi.advanceTimersByTime(1000);
    old.frame({ id: 99, type: 'message.created', data: {} });
    expect(t.events).toEqual([]);
  });

  it('stop() closes and stays down', () => {
    const t = setup();
    t.sock.start();
    FakeSocket.last.open();
    t.sock.stop();
    expect(FakeSocket.last.closed).toBe(true);
    vi.advanceTimersByTime(60000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(t.states.at(-1)).toBe('stopped');
  });
});

describe('defaults', () => {
  it('uses the global WebSocket when none (or undefined) is passed', () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    try {
      const sock = new ResumableSocket({ onEvent: () => undefined }, { url: () => 'ws://x/', WebSocketImpl: undefined });
      sock.start();
      expect(FakeSocket.all).toHaveLength(1);
      expect(sock.state).toBe('connecting');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('backoffDelay', () => {
  it('adds 50–100 % jitter below the cap', () => {
    expect(backoffDelay(0, 1000, 30000, () => 0)).toBe(500);
    expect(backoffDelay(3, 1000, 30000, () => 1)).toBe(8000);
    expect(backoffDelay(50, 1000, 30000, () => 0.5)).toBe(22500);
  });
});
