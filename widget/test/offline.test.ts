import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_RECHECK_MS } from '../src/frame/app';
import { memoryKV } from '../src/frame/storage';
import { MAX_TEXT, serverFieldErrors, validateOffline } from '../src/frame/view';
import { FakeBackend, FakeSocket, msg } from './fakes';
import { connect, openChat, settle, setup, type Setup } from './harness';

function nobodyOnline(): FakeBackend {
  const backend = new FakeBackend();
  backend.agentsOnline = false;
  return backend;
}

function input(t: Setup, id: string): HTMLInputElement {
  return t.q(id) as HTMLInputElement;
}

function fill(t: Setup, values: { name?: string; email?: string; text?: string }): void {
  if (values.name !== undefined) input(t, 'offline-name').value = values.name;
  if (values.email !== undefined) input(t, 'offline-email').value = values.email;
  if (values.text !== undefined) input(t, 'offline-message').value = values.text;
}

function submit(t: Setup): void {
  t.q('offline-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
}

function errorText(t: Setup, id: string): string | null {
  const el = t.q(id);
  return el && !el.hidden ? el.textContent : null;
}

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.useRealTimers();
});

describe('validateOffline', () => {
  const ok = { name: '', email: 'a@example.com', text: 'hello' };
  it('needs an email and a message; the name only when pre-chat requires it', () => {
    expect(validateOffline('optional', ok)).toEqual({});
    expect(validateOffline('off', ok)).toEqual({});
    expect(validateOffline('required', ok)).toEqual({ name: 'required' });
    expect(validateOffline('optional', { name: '', email: '', text: '  ' })).toEqual({ email: 'required', text: 'required' });
    expect(validateOffline('optional', { ...ok, email: 'nope' })).toEqual({ email: 'badEmail' });
    expect(validateOffline('optional', { ...ok, text: 'x'.repeat(MAX_TEXT + 1) })).toEqual({ text: 'tooLong' });
  });
});

describe('serverFieldErrors', () => {
  const values = { name: 'Ann', email: 'ann@example.invalid', text: 'hi' };
  it('finds the field a 422 is about', () => {
    expect(serverFieldErrors('email: value is not a valid email address: reserved', values)).toEqual({ email: 'badEmail' });
    expect(serverFieldErrors('Please give your name.', { ...values, name: '' })).toEqual({ name: 'required' });
    expect(serverFieldErrors('text: String should have at least 1 character', { ...values, text: '' })).toEqual({ text: 'required' });
    expect(serverFieldErrors('name: String should have at most 200 characters', values)).toEqual({ name: 'invalid' });
    expect(serverFieldErrors('inbox_key: too long', values)).toEqual({});
  });
});

describe('offline form', () => {
  it('replaces the send box when nobody is online and the visitor has no conversation', async () => {
    const kv = memoryKV();
    kv.set('profile', { name: 'Ann', email: 'ann@example.com' });
    const t = setup({ backend: nobodyOnline(), kv });
    await t.app.start();
    expect(t.q('offline-form')).not.toBeNull();
    expect(t.q('composer')?.hidden).toBe(true);
    expect(t.q('prechat-form')).toBeNull();
    expect(t.q('agents-status')?.textContent).toBe('We will reply as soon as we can');
    // prefilled from the pre-chat answers
    expect(input(t, 'offline-name').value).toBe('Ann');
    expect(input(t, 'offline-email').value).toBe('ann@example.com');
    expect(t.mount.querySelector('label[for="otklik-off-name"]')?.textContent).toBe('Name (optional)');
  });

  it('is shown instead of the pre-chat form and requires the name when pre-chat does', async () => {
    const backend = nobodyOnline();
    backend.prechat = { name: 'required', email: 'optional' };
    backend.language = 'ru';
    const t = setup({ backend });
    await t.app.start();
    expect(t.q('prechat-form')).toBeNull();
    expect(t.q('offline-form')?.textContent).toContain('Сейчас никого нет на связи');
    submit(t);
    expect(errorText(t, 'offline-name-error')).toBe('Заполните это поле.');
    expect(errorText(t, 'offline-email-error')).toBe('Заполните это поле.');
    expect(errorText(t, 'offline-message-error')).toBe('Заполните это поле.');
    expect(document.activeElement).toBe(input(t, 'offline-name'));
    fill(t, { name: 'Иван', email: 'не почта', text: 'Привет' });
    submit(t);
    expect(errorText(t, 'offline-name-error')).toBeNull();
    expect(errorText(t, 'offline-email-error')).toBe('Введите корректный адрес почты.');
    expect(backend.offlineCalls).toHaveLength(0);
  });

  it('submits, keeps the visitor like a session and confirms in the chat', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    openChat(t);
    fill(t, { name: ' Ann ', email: 'ann@example.com', text: 'Where is my order?' });
    submit(t);
    await settle();
    const [call] = t.backend.offlineCalls;
    expect(call).toEqual({
      inbox_key: 'K',
      name: 'Ann',
      email: 'ann@example.com',
      text: 'Where is my order?',
      client_msg_id: expect.any(String),
      language: 'en',
    });
    expect(t.q('offline-form')).toBeNull();
    expect(t.q('composer')?.hidden).toBe(false);
    expect(t.q('offline-confirmation')?.hidden).toBe(false);
    expect(t.q('offline-confirmation')?.textContent).toBe('Thank you! We will answer by email at ann@example.com.');
    const [item] = t.items();
    expect(item.querySelector('.bub')?.textContent).toBe('Where is my order?');
    expect(item.dataset.state).toBe('sent');
    expect(item.dataset.clientMsgId).toBe(call.client_msg_id);
    expect(t.kv.get('token')).toBe('tok1');
    expect(t.kv.get('profile')).toEqual({ name: 'Ann', email: 'ann@example.com' });
    expect(t.bridge.last('session')).toEqual({ type: 'session', active: true });
    // the socket opens with the new token; its fetch confirms the same bubble in place
    expect(FakeSocket.last.url).not.toContain('token');
    await connect(t);
    expect(t.items()).toHaveLength(1);
    expect(t.items()[0].dataset.msgId).toBe('100');
    // no queue notice next to "we'll answer by email"
    expect(t.backend.queueCalls).toBe(0);
    expect(t.q('queue-position')?.hidden).toBe(true);
    // the next message goes through the normal chat
    const box = t.q('message-input') as HTMLTextAreaElement;
    box.value = 'One more thing';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
    expect(t.backend.sendCalls.at(-1)?.text).toBe('One more thing');
    expect(t.backend.sessions).toHaveLength(0); // the offline answer was the session
    // an operator answers in the chat after all: the email note goes
    const reply = t.backend.agentReply('Hello Ann!');
    FakeSocket.last.frame({ id: 2, type: 'message.created', data: { message: reply } });
    await settle();
    expect(t.q('offline-confirmation')?.hidden).toBe(true);
  });

  it('shows a 422 on its field, keeps what was typed, and a retry goes through', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    fill(t, { email: 'ann@example.invalid', text: 'Please call me back' });
    submit(t);
    await settle();
    expect(errorText(t, 'offline-email-error')).toBe('Please enter a valid email address.');
    expect(input(t, 'offline-email').getAttribute('aria-invalid')).toBe('true');
    expect(input(t, 'offline-message').value).toBe('Please call me back');
    expect(input(t, 'offline-email').value).toBe('ann@example.invalid');
    expect((t.q('offline-submit') as HTMLButtonElement).disabled).toBe(false);
    expect(t.kv.get('token')).toBeNull();
    fill(t, { email: 'ann@example.com' });
    submit(t);
    await settle();
    expect(t.q('offline-form')).toBeNull();
    expect(t.backend.offlineCalls).toHaveLength(2);
    expect(t.backend.messagesByConv.map((m) => m.text)).toEqual(['Please call me back']);
  });

  it('a network failure says so and the retry reuses the client_msg_id', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    fill(t, { email: 'ann@example.com', text: 'hello' });
    t.backend.online = false;
    submit(t);
    await settle();
    expect(errorText(t, 'offline-error')).toBe('Could not send the message. Please try again.');
    expect(input(t, 'offline-message').value).toBe('hello');
    t.backend.online = true;
    submit(t);
    await settle();
    expect(errorText(t, 'offline-error')).toBeNull();
    expect(t.q('offline-form')).toBeNull();
    const ids = t.backend.offlineCalls.map((c) => c.client_msg_id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
  });

  it('ignores a second submit while the first is on its way', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    fill(t, { email: 'ann@example.com', text: 'hello' });
    submit(t);
    expect((t.q('offline-submit') as HTMLButtonElement).disabled).toBe(true);
    submit(t);
    await settle();
    expect(t.backend.offlineCalls).toHaveLength(1);
  });

  it('switches to the live chat when an operator comes online, keeping the typed text', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    openChat(t);
    fill(t, { email: 'ann@example.com', text: 'half-written question' });
    const before = t.backend.configCalls;
    await vi.advanceTimersByTimeAsync(CONFIG_RECHECK_MS);
    expect(t.backend.configCalls).toBe(before + 1);
    expect(t.q('offline-form')).not.toBeNull(); // still nobody
    t.backend.agentsOnline = true;
    await vi.advanceTimersByTimeAsync(CONFIG_RECHECK_MS);
    await settle();
    expect(t.q('offline-form')).toBeNull();
    expect(t.q('composer')?.hidden).toBe(false);
    expect((t.q('message-input') as HTMLTextAreaElement).value).toBe('half-written question');
    expect(t.q('agents-status')?.textContent).toBe('We are online');
    // no more rechecks once the form is gone
    const calls = t.backend.configCalls;
    await vi.advanceTimersByTimeAsync(CONFIG_RECHECK_MS * 3);
    expect(t.backend.configCalls).toBe(calls);
  });

  it('hears an operator come online on a socket of the inbox, before any visitor exists', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    openChat(t);
    fill(t, { email: 'ann@example.com', text: 'is anyone there?' });
    await settle(); // the config asked again on opening: still nobody
    const sock = FakeSocket.last;
    expect(sock.url).toMatch(/\/api\/v1\/widget\/ws\?inbox_key=/);
    sock.open();
    expect(sock.sent[0]).toEqual({ type: 'hello', last_event_id: null });
    sock.frame({ type: 'ready', last_event_id: 0 });
    const before = t.backend.configCalls;
    sock.frame({ type: 'agents_online', online: true });
    await settle();
    expect(t.q('offline-form')).toBeNull();
    expect((t.q('message-input') as HTMLTextAreaElement).value).toBe('is anyone there?');
    expect(t.q('agents-status')?.textContent).toBe('We are online');
    expect(t.backend.configCalls).toBe(before); // no poll needed
    // Still listening while the widget is open (nobody may be left later); not once closed.
    expect(sock.closed).toBe(false);
    sock.frame({ type: 'agents_online', online: false });
    await settle();
    expect(t.q('offline-form')).toBeNull(); // what they typed is not taken away
    sock.frame({ type: 'agents_online', online: true });
    (t.q('message-input') as HTMLTextAreaElement).value = '';
    sock.frame({ type: 'agents_online', online: false });
    await settle();
    expect(t.q('offline-form')).not.toBeNull(); // an empty send box gives way
    openChat(t, false);
    expect(sock.closed).toBe(true);
  });

  it('rechecks when the network comes back, and goes through pre-chat with what was typed', async () => {
    const backend = nobodyOnline();
    backend.prechat = { name: 'optional', email: 'required' };
    const t = setup({ backend });
    await t.app.start();
    openChat(t);
    fill(t, { name: 'Ann', email: 'ann@example.com', text: 'question' });
    backend.agentsOnline = true;
    t.setOnline(false);
    t.setOnline(true);
    await settle();
    expect(t.q('prechat-form')).not.toBeNull();
    expect((t.q('prechat-name') as HTMLInputElement).value).toBe('Ann');
    expect((t.q('prechat-email') as HTMLInputElement).value).toBe('ann@example.com');
    t.q('prechat-form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect((t.q('message-input') as HTMLTextAreaElement).value).toBe('question');
    expect(backend.sessions.at(-1)).toEqual({ inbox_key: 'K', name: 'Ann', email: 'ann@example.com', language: 'en' });
  });

  it('a visitor who already has a conversation gets the normal chat', async () => {
    const kv = memoryKV();
    kv.set('token', 'tok1');
    kv.set('history', [msg(5, { author_type: 'contact', client_msg_id: 'c1', text: 'earlier' })]);
    const backend = nobodyOnline();
    backend.tokens.add('tok1');
    const t = setup({ backend, kv });
    await t.app.start();
    expect(t.q('offline-form')).toBeNull();
    expect(t.q('composer')?.hidden).toBe(false);
  });

  it('messages waiting in the offline queue count as a conversation', async () => {
    const kv = memoryKV();
    kv.set('outbox', [{ clientMsgId: 'c1', text: 'typed on the train', createdAt: '2026-11-24T07:00:00Z' }]);
    const t = setup({ backend: nobodyOnline(), kv });
    await t.app.start();
    await settle();
    expect(t.q('offline-form')).toBeNull();
    expect(t.backend.sendCalls.map((c) => c.text)).toEqual(['typed on the train']);
  });

  it('switches to the chat when the resumed session turns out to have a conversation', async () => {
    const kv = memoryKV();
    kv.set('token', 'tok1'); // no cached history (cleared storage, another tab…)
    const backend = nobodyOnline();
    backend.tokens.add('tok1');
    backend.agentReply('an answer from last week');
    const t = setup({ backend, kv });
    await t.app.start();
    await settle();
    expect(t.q('offline-form')).toBeNull();
    expect(t.q('composer')?.hidden).toBe(false);
  });

  it('sends the stored visitor token when the visitor has one but no conversation', async () => {
    const kv = memoryKV();
    kv.set('token', 'tok7');
    const backend = nobodyOnline();
    backend.tokens.add('tok7');
    const t = setup({ backend, kv });
    await t.app.start();
    await settle();
    expect(t.q('offline-form')).not.toBeNull();
    fill(t, { email: 'ann@example.com', text: 'hi' });
    submit(t);
    await settle();
    expect(backend.offlineCalls[0].visitor_token).toBe('tok7');
    expect(t.kv.get('token')).toBe('tok7');
  });

  it('asks again when the chat is opened, not while it is closed', async () => {
    const t = setup({ backend: nobodyOnline() });
    await t.app.start();
    await vi.advanceTimersByTimeAsync(CONFIG_RECHECK_MS * 3);
    expect(t.backend.configCalls).toBe(1);
    t.backend.agentsOnline = true;
    openChat(t);
    await settle();
    expect(t.backend.configCalls).toBe(2);
    expect(t.q('offline-form')).toBeNull();
  });

  it('is not shown while an operator is online', async () => {
    const t = setup();
    await t.app.start();
    openChat(t);
    expect(t.q('offline-form')).toBeNull();
    await vi.advanceTimersByTimeAsync(CONFIG_RECHECK_MS * 2);
    // Asked once more when opened (the live availability starts from there), never polled.
    expect(t.backend.configCalls).toBe(2);
  });
});
