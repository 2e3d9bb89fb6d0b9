import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NetworkError } from '../src/frame/api';
import { QUEUE_POLL_MS } from '../src/frame/app';
import { QueueWatcher } from '../src/frame/queue';
import { memoryKV } from '../src/frame/storage';
import { frameTranslator } from '../src/shared/i18n';
import { FakeBackend, FakeSocket, msg } from './fakes';
import { connect, openChat, settle, setup, type, type Setup } from './harness';

/** A queue endpoint the test answers by hand. */
function endpoint() {
  const calls: { resolve: (p: number | null) => void; reject: (e: unknown) => void }[] = [];
  const shown: (number | null)[] = [];
  const watcher = new QueueWatcher(
    () => new Promise<number | null>((resolve, reject) => calls.push({ resolve, reject })),
    (p) => shown.push(p),
    15000,
  );
  return { calls, shown, watcher };
}

async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.useRealTimers();
});

describe('QueueWatcher', () => {
  it('asks at once, then every 15 s, and reports only changes', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.start();
    watcher.start(); // idempotent
    expect(calls).toHaveLength(1);
    calls[0].resolve(3);
    await flush();
    expect(shown).toEqual([3]);
    await vi.advanceTimersByTimeAsync(14999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    calls[1].resolve(3);
    await flush();
    expect(shown).toEqual([3]); // unchanged: no update
    await vi.advanceTimersByTimeAsync(15000);
    calls[2].resolve(1);
    await flush();
    expect(shown).toEqual([3, 1]);
    expect(watcher.position).toBe(1);
  });

  it('hides on null and on stop, and asks nothing after stop', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.start();
    calls[0].resolve(2);
    await flush();
    await vi.advanceTimersByTimeAsync(15000);
    calls[1].resolve(null);
    await flush();
    expect(shown).toEqual([2, null]);
    await vi.advanceTimersByTimeAsync(15000);
    calls[2].resolve(1);
    await flush();
    watcher.stop();
    expect(shown).toEqual([2, null, 1, null]);
    expect(watcher.active).toBe(false);
    await vi.advanceTimersByTimeAsync(60000);
    expect(calls).toHaveLength(3);
  });

  it('drops an answer that arrives after stop', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.start();
    watcher.stop();
    calls[0].resolve(4);
    await flush();
    expect(shown).toEqual([]);
    expect(watcher.position).toBeNull();
    // started again: a fresh request, the stale one stays ignored
    watcher.start();
    expect(calls).toHaveLength(2);
    calls[1].resolve(2);
    await flush();
    expect(shown).toEqual([2]);
  });

  it('a poke asks now; during a request it asks once more right after', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.poke(); // not started: nothing
    expect(calls).toHaveLength(0);
    watcher.start();
    watcher.poke();
    watcher.poke();
    expect(calls).toHaveLength(1); // one at a time
    calls[0].resolve(5);
    await flush();
    expect(calls).toHaveLength(2); // the pokes, coalesced
    calls[1].resolve(4);
    await flush();
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(5000);
    watcher.poke(); // between ticks: now, and the 15 s restart from here
    expect(calls).toHaveLength(3);
    calls[2].resolve(3);
    await flush();
    await vi.advanceTimersByTimeAsync(14999);
    expect(calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(4);
    expect(shown).toEqual([5, 4, 3]);
  });

  it('keeps the last position when a request fails and tries again at the next tick', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.start();
    calls[0].resolve(2);
    await flush();
    await vi.advanceTimersByTimeAsync(15000);
    calls[1].reject(new NetworkError());
    await flush();
    expect(watcher.position).toBe(2);
    await vi.advanceTimersByTimeAsync(15000);
    calls[2].resolve(1);
    await flush();
    expect(shown).toEqual([2, 1]);
  });

  it('ignores nonsense positions', async () => {
    const { calls, shown, watcher } = endpoint();
    watcher.start();
    calls[0].resolve(0);
    await flush();
    expect(shown).toEqual([]);
    expect(watcher.position).toBeNull();
  });
});

describe('queue text', () => {
  it('says the place in both languages, with the Russian ordinal ending', () => {
    const en = frameTranslator('en');
    const ru = frameTranslator('ru');
    expect(en('queue', { n: 1 })).toBe('You are number 1 in the queue');
    for (const n of [1, 2, 3, 4, 11, 21, 42, 100]) expect(ru('queue', { n })).toBe(`Вы ${n}-й в очереди`);
  });
});

function notice(t: Setup): string | null {
  const el = t.q('queue-position');
  return el && !el.hidden ? el.textContent : null;
}

describe('WidgetApp queue position', () => {
  it('is polled from the first message until an operator replies', async () => {
    const backend = new FakeBackend();
    backend.queuePosition = 2;
    const t = setup({ backend });
    await t.app.start();
    openChat(t);
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS * 2);
    expect(backend.queueCalls).toBe(0); // nothing written yet: nothing to ask
    type(t, 'hello');
    await settle();
    expect(backend.queueCalls).toBe(1);
    expect(notice(t)).toBe('You are number 2 in the queue');
    // the notice sits above the send box
    expect(t.q('queue-position')?.nextElementSibling?.nextElementSibling).toBe(t.q('composer'));

    backend.queuePosition = 1;
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS);
    expect(backend.queueCalls).toBe(2);
    expect(notice(t)).toBe('You are number 1 in the queue');

    // a conversation.updated event asks at once
    const ws = await connect(t);
    const calls = backend.queueCalls;
    ws.frame({ id: 2, type: 'conversation.updated', data: { conversation: { id: 1, status: 'open' } } });
    await settle();
    expect(backend.queueCalls).toBe(calls + 1);

    // the operator answers: the notice goes and polling stops
    const reply = backend.agentReply('Hi, I am here');
    ws.frame({ id: 3, type: 'message.created', data: { message: reply } });
    await settle();
    expect(notice(t)).toBeNull();
    const after = backend.queueCalls;
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS * 4);
    ws.frame({ id: 4, type: 'conversation.updated', data: { conversation: { id: 1, status: 'open' } } });
    await settle();
    expect(backend.queueCalls).toBe(after);
  });

  it('hides the notice when the position becomes null (assigned) and keeps asking', async () => {
    const backend = new FakeBackend();
    backend.queuePosition = 1;
    const t = setup({ backend });
    await t.app.start();
    openChat(t);
    type(t, 'hello');
    await settle();
    expect(notice(t)).toBe('You are number 1 in the queue');
    backend.queuePosition = null;
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS);
    expect(notice(t)).toBeNull();
    backend.queuePosition = 3; // back in a queue (e.g. the operator went offline)
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS);
    expect(notice(t)).toBe('You are number 3 in the queue');
  });

  it('speaks Russian', async () => {
    const backend = new FakeBackend();
    backend.language = 'ru';
    backend.queuePosition = 3;
    const t = setup({ backend });
    await t.app.start();
    openChat(t);
    type(t, 'привет');
    await settle();
    expect(notice(t)).toBe('Вы 3-й в очереди');
  });

  it('a returning visitor still waiting sees it at once; one already answered does not poll', async () => {
    const backend = new FakeBackend();
    backend.tokens.add('tok1');
    backend.queuePosition = 4;
    const kv = memoryKV();
    kv.set('token', 'tok1');
    kv.set('history', [msg(5, { author_type: 'contact', client_msg_id: 'c1' })]);
    const t = setup({ backend, kv });
    await t.app.start();
    openChat(t);
    await settle();
    expect(notice(t)).toBe('You are number 4 in the queue');

    t.app.queue.stop();

    const other = new FakeBackend();
    other.tokens.add('tok1');
    other.queuePosition = 4;
    const kv2 = memoryKV();
    kv2.set('token', 'tok1');
    kv2.set('history', [msg(5, { author_type: 'contact', client_msg_id: 'c1' }), msg(6)]);
    const answered = setup({ backend: other, kv: kv2 });
    await answered.app.start();
    openChat(answered);
    await settle();
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS * 2);
    expect(other.queueCalls).toBe(0);
    expect(notice(answered)).toBeNull();
  });

  it('is not polled while the chat is closed, and asked at once when it opens', async () => {
    const backend = new FakeBackend();
    backend.tokens.add('tok1');
    backend.queuePosition = 2;
    const kv = memoryKV();
    kv.set('token', 'tok1');
    kv.set('history', [msg(5, { author_type: 'contact', client_msg_id: 'c1' })]);
    const t = setup({ backend, kv }); // preloaded hidden by the loader
    await t.app.start();
    await settle();
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS * 3);
    expect(backend.queueCalls).toBe(0);
    openChat(t);
    await settle();
    expect(backend.queueCalls).toBe(1);
    expect(notice(t)).toBe('You are number 2 in the queue');
    openChat(t, false);
    await vi.advanceTimersByTimeAsync(QUEUE_POLL_MS * 3);
    expect(backend.queueCalls).toBe(1);
  });

  it('stops when the visitor is forgotten (token refused)', async () => {
    const backend = new FakeBackend();
    backend.queuePosition = 1;
    const t = setup({ backend });
    await t.app.start();
    openChat(t);
    type(t, 'hi');
    await settle();
    expect(t.app.queue.active).toBe(true);
    FakeSocket.last.drop(4401);
    await settle();
    expect(t.app.queue.active).toBe(false);
    expect(notice(t)).toBeNull();
  });
});
