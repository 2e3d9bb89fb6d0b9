import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryKV } from '../src/frame/storage';
import { FakeBackend, FakeSocket } from './fakes';
import { connect, settle, setup, type } from './harness';

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WidgetApp', () => {
  it('shows the greeting, sends on Enter and confirms the message in place', async () => {
    const t = setup();
    await t.app.start();
    expect(t.q('greeting')?.textContent).toBe('Hi! Ask us anything.');
    expect(t.q('widget-title')?.textContent).toBe('Help');
    expect(t.bridge.last('config')).toMatchObject({ config: { color: '#1f6feb', position: 'right', language: 'en' } });
    type(t, 'Hello there');
    expect((t.q('message-input') as HTMLTextAreaElement).value).toBe('');
    await settle();
    expect(t.backend.sessions).toEqual([{ inbox_key: 'K', language: 'en' }]); // routing matches operators by language
    expect(t.backend.sendCalls).toHaveLength(1);
    const [el] = t.items();
    expect(el.dataset.state).toBe('sent');
    expect(el.dataset.msgId).toBe('100');
    expect(el.dataset.clientMsgId).toBe(t.backend.sendCalls[0].client_msg_id);
    expect(t.kv.get('token')).toBe('tok1');
    expect(FakeSocket.last.url).toBe('ws://test/api/v1/widget/ws');
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toEqual({ type: 'hello', last_event_id: null, token: 'tok1' });
  });

  it('queues messages written offline and sends each exactly once when back online', async () => {
    const t = setup();
    await t.app.start();
    t.setOnline(false);
    type(t, 'one');
    type(t, 'two');
    await settle();
    expect(t.items().map((e) => e.dataset.state)).toEqual(['queued', 'queued']);
    expect(t.q('connection-state')?.dataset.state).toBe('offline');
    expect((t.kv.get('outbox') as unknown[]).length).toBe(2);
    t.setOnline(true);
    await settle();
    expect(t.backend.sendCalls.map((c) => c.text)).toEqual(['one', 'two']);
    expect(t.items().map((e) => e.dataset.state)).toEqual(['sent', 'sent']);
    expect(t.kv.get('outbox')).toBeNull();
    // the socket echo of the same messages changes nothing
    const ws = await connect(t);
    for (const m of t.backend.messagesByConv) ws.frame({ id: 50 + m.id, type: 'message.created', data: { message: m } });
    await settle();
    expect(t.items()).toHaveLength(2);
  });

  it('a lost POST answer is retried with the same client_msg_id and stored once', async () => {
    const t = setup();
    await t.app.start();
    t.backend.loseAnswers = 1;
    type(t, 'important');
    await settle();
    expect(t.items()[0].dataset.state).toBe('queued');
    await vi.advanceTimersByTimeAsync(1100); // backoff retry
    await settle();
    const ids = t.backend.sendCalls.map((c) => c.client_msg_id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(t.backend.messagesByConv).toHaveLength(1);
    expect(t.items()).toHaveLength(1);
    expect(t.items()[0].dataset.state).toBe('sent');
  });

  it('keeps the queue across a reload and resumes the same visitor with history', async () => {
    const kv = memoryKV();
    const backend = new FakeBackend();
    const first = setup({ kv, backend });
    await first.app.start();
    type(first, 'before reload');
    await settle();
    backend.agentReply('answer');
    first.setOnline(false);
    type(first, 'written offline');
    await settle();

    document.body.innerHTML = '';
    FakeSocket.reset();
    const second = setup({ kv, backend });
    second.setOnline(true);
    await second.app.start();
    await settle();
    expect(backend.sessions.at(-1)).toEqual({ inbox_key: 'K', visitor_token: 'tok1', language: 'en' }); // resume
    await connect(second);
    await settle();
    expect(second.items().map((e) => e.querySelector('.bub')?.textContent)).toEqual(['before reload', 'answer', 'written offline']);
    // The first page is still alive here (like a second tab) and flushes too when the
    // network returns: the shared client_msg_id makes the server store it once.
    expect(backend.messagesByConv.map((m) => m.text)).toEqual(['before reload', 'answer', 'written offline']);
    expect(new Set(backend.sendCalls.filter((c) => c.text === 'written offline').map((c) => c.client_msg_id)).size).toBe(1);
    expect(second.items().every((e) => e.dataset.state === 'sent')).toBe(true);
  });

  it('socket replies raise the unread badge while closed, beep, and clear when opened', async () => {
    const t = setup();
    await t.app.start();
    t.bridge.send({ otklik: 1, type: 'open', mobile: false });
    type(t, 'hi');
    await settle();
    const ws = await connect(t);
    t.bridge.send({ otklik: 1, type: 'close' });
    ws.frame({ type: 'typing', author_type: 'agent', name: 'Anna', typing: true });
    expect(t.q('typing-indicator')?.hidden).toBe(false);
    expect(t.q('typing-indicator')?.textContent).toBe('Anna is typing…');
    const reply = t.backend.agentReply('Hello, how can I help?');
    ws.frame({ id: 2, type: 'message.created', data: { message: reply } });
    await settle();
    expect(t.q('typing-indicator')?.hidden).toBe(true);
    expect(t.bridge.last('unread')).toEqual({ type: 'unread', count: 1 });
    expect(t.beeps).toHaveLength(1);
    ws.frame({ id: 2, type: 'message.created', data: { message: reply } }); // replayed twice
    await settle();
    expect(t.beeps).toHaveLength(1);
    t.bridge.send({ otklik: 1, type: 'open', mobile: true });
    expect(t.bridge.last('unread')).toEqual({ type: 'unread', count: 0 });
    expect(t.q('widget-app')?.classList.contains('mobile')).toBe(true);
  });

  it('renders hostile text literally', async () => {
    const t = setup();
    await t.app.start();
    type(t, '<img src=x onerror=alert(1)>');
    await settle();
    const ws = await connect(t);
    const evil = t.backend.agentReply('<script>window.__pwned = 1</script><b>bold</b>');
    evil.author_name = '<img src=y onerror=alert(2)>';
    ws.frame({ id: 2, type: 'message.created', data: { message: evil } });
    await settle();
    expect(t.mount.querySelector('img, script, b')).toBeNull();
    const texts = t.items().map((e) => e.querySelector('.bub')?.textContent);
    expect(texts).toEqual(['<img src=x onerror=alert(1)>', '<script>window.__pwned = 1</script><b>bold</b>']);
    expect(t.items()[1].querySelector('.who')?.textContent).toBe('<img src=y onerror=alert(2)>');
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it('resync drops server state and refetches', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'hi');
    await settle();
    const ws = await connect(t);
    t.backend.agentReply('missed while away');
    ws.frame({ type: 'resync', last_event_id: 500 });
    await settle();
    expect(t.items().map((e) => e.querySelector('.bub')?.textContent)).toEqual(['hi', 'missed while away']);
    expect(t.app.socket?.lastEventId).toBe(500);
  });

  it('keeps a message the server confirmed while a history fetch was under way', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'first');
    await settle();
    // The socket's first "ready" refetches the history: that fetch reads the messages now,
    // before the next one is written, and its answer comes only after the next one's.
    let answer = (): void => undefined;
    const read = t.backend.messages.bind(t.backend);
    t.backend.messages = (token, after) => {
      const snapshot = read(token, after);
      return new Promise((resolve) => {
        answer = () => resolve(snapshot);
      });
    };
    await connect(t);
    type(t, 'second');
    await settle();
    const shown = () => t.items().map((e) => [e.querySelector('.bub')?.textContent, e.dataset.state]);
    expect(shown()).toEqual([
      ['first', 'sent'],
      ['second', 'sent'],
    ]);
    answer();
    await settle();
    expect(shown()).toEqual([
      ['first', 'sent'],
      ['second', 'sent'],
    ]);
  });

  it('a rejected message is marked failed and can be retried', async () => {
    const t = setup();
    await t.app.start();
    t.app.send('x'.repeat(10001)); // server answers 413
    await settle();
    const el = t.items()[0];
    expect(el.dataset.state).toBe('failed');
    const retry = el.querySelector<HTMLButtonElement>('[data-testid="retry-button"]')!;
    expect(retry.hidden).toBe(false);
    expect(retry.textContent).toBe('Retry');
    t.backend.send = async (token, body) => {
      t.backend.sendCalls.push(body);
      return { ...(await FakeBackend.prototype.send.call(t.backend, token, { ...body, text: 'short' })) };
    };
    retry.click();
    await settle();
    expect(t.items()[0].dataset.state).toBe('sent');
  });

  it('sends throttled typing frames over the socket', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'first');
    await settle();
    const ws = await connect(t);
    const input = t.q('message-input') as HTMLTextAreaElement;
    for (const v of ['a', 'ab', 'abc']) {
      input.value = v;
      input.dispatchEvent(new Event('input'));
    }
    await vi.advanceTimersByTimeAsync(5000);
    expect(ws.sent.filter((f) => f.type === 'typing')).toEqual([
      { type: 'typing', typing: true },
      { type: 'typing', typing: false },
    ]);
  });

  it('shows the pre-chat form with required fields and passes the values to the session', async () => {
    const backend = new FakeBackend();
    backend.prechat = { name: 'required', email: 'optional' };
    backend.language = 'ru';
    const t = setup({ backend });
    await t.app.start();
    expect(t.q('composer')?.hidden).toBe(true);
    expect(t.mount.querySelector('label[for="otklik-pre-name"]')?.textContent).toBe('Имя');
    expect(t.mount.querySelector('label[for="otklik-pre-email"]')?.textContent).toBe('Эл. почта (необязательно)');
    (t.q('prechat-email') as HTMLInputElement).value = 'not-an-email';
    t.q('prechat-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(t.q('prechat-name-error')?.textContent).toBe('Заполните это поле.');
    expect(t.q('prechat-email-error')?.textContent).toBe('Введите корректный адрес почты.');
    (t.q('prechat-name') as HTMLInputElement).value = 'Иван';
    (t.q('prechat-email') as HTMLInputElement).value = 'ivan@example.com';
    t.q('prechat-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect(t.q('prechat-form')).toBeNull();
    expect(t.q('composer')?.hidden).toBe(false);
    expect(backend.sessions).toEqual([{ inbox_key: 'K', name: 'Иван', email: 'ivan@example.com', language: 'ru' }]);
    expect(t.q('send-button')?.getAttribute('aria-label')).toBe('Отправить');
  });

  it('starts over as a new visitor when the socket rejects the token', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'hi');
    await settle();
    expect(t.items()).toHaveLength(1);
    FakeSocket.last.drop(4401);
    await settle();
    expect(t.app.token).toBeNull();
    expect(t.items()).toHaveLength(0);
    expect(t.kv.get('token')).toBeNull();
  });

  it('keeps the visitor and history when the server rotates the token on resume', async () => {
    const kv = memoryKV();
    const backend = new FakeBackend();
    backend.rotate = true;
    const first = setup({ kv, backend });
    await first.app.start();
    type(first, 'before reload');
    await settle();
    backend.agentReply('answer');
    first.app.socket?.stop();

    document.body.innerHTML = '';
    FakeSocket.reset();
    const second = setup({ kv, backend });
    await second.app.start();
    await settle();
    expect(backend.sessions.at(-1)).toMatchObject({ visitor_token: 'tok1' });
    expect(kv.get('token')).toBe('tok2'); // the fresh token replaces the old one
    const ws = await connect(second);
    expect(ws.sent[0]).toMatchObject({ type: 'hello', token: 'tok2' });
    await settle();
    expect(second.items().map((e) => e.querySelector('.bub')?.textContent)).toEqual(['before reload', 'answer']);
  });

  it('trades a token halfway through its life for a fresh one before sending', async () => {
    const backend = new FakeBackend();
    backend.rotate = true;
    backend.tokenMs = 10 * 60_000;
    const t = setup({ backend });
    await t.app.start();
    type(t, 'first');
    await settle();
    await connect(t);
    expect(t.backend.sessions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    type(t, 'second');
    await settle();
    expect(t.backend.sessions).toHaveLength(1); // not due yet
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    type(t, 'third');
    await settle();
    expect(t.backend.sessions.at(-1)).toMatchObject({ visitor_token: 'tok1' });
    expect(t.app.token).toBe('tok2');
    expect(t.items().map((e) => e.querySelector('.bub')?.textContent)).toEqual(['first', 'second', 'third']);
    expect(t.items().every((e) => e.dataset.state === 'sent')).toBe(true);
  });

  it('starts a new visitor when the server no longer accepts the stored token', async () => {
    const kv = memoryKV();
    kv.set('token', 'expired');
    kv.set('history', []);
    const backend = new FakeBackend();
    const t = setup({ kv, backend });
    await t.app.start();
    await settle();
    expect(backend.sessions.at(-1)).toMatchObject({ visitor_token: 'expired' });
    expect(kv.get('token')).toBe('tok1');
    type(t, 'hello again');
    await settle();
    expect(backend.sendCalls.map((c) => c.text)).toEqual(['hello again']);
  });
});
