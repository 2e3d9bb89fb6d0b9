import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError } from '../src/frame/api';
import { cleanCode, proofErrorKey } from '../src/frame/identity';
import { FakeSocket } from './fakes';
import { connect, settle, setup, type, type Setup } from './harness';

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.useRealTimers();
});

function submit(t: Setup, testid: string, value: string): void {
  const input = t.q(testid) as HTMLInputElement;
  input.value = value;
  input.form!.requestSubmit();
}

describe('proofErrorKey', () => {
  it('maps the server refusals to visitor texts', () => {
    expect(proofErrorKey(new ApiError(422, 'invalid_code', 'x'))).toBe('historyWrongCode');
    expect(proofErrorKey(new ApiError(410, 'proof_expired', 'x'))).toBe('historyExpired');
    expect(proofErrorKey(new ApiError(410, 'proof_used', 'x'))).toBe('historyExpired');
    expect(proofErrorKey(new ApiError(410, 'proof_spent', 'x'))).toBe('historySpent');
    expect(proofErrorKey(new ApiError(409, 'email_unavailable', 'x'))).toBe('historyNoMail');
    expect(proofErrorKey(new ApiError(429, 'rate_limited', 'x'))).toBe('historyTooMany');
    expect(proofErrorKey(new ApiError(422, 'validation_error', 'x'))).toBe('badEmail');
    expect(proofErrorKey(new NetworkError())).toBe('historyFailed');
  });
  it('drops spaces and dashes from a pasted code', () => {
    expect(cleanCode(' 123-456 ')).toBe('123456');
  });
});

describe('Written to us before?', () => {
  it('mails a code, refuses a wrong one, and shows the joined history with the right one', async () => {
    const t = setup({ languages: ['ru-RU'] });
    t.backend.language = 'auto';
    await t.app.start();
    type(t, 'Hello from my phone');
    await settle();
    await connect(t);
    expect(t.q('history-open')?.textContent).toBe('Уже писали нам? Показать прежнюю переписку');
    t.q('history-open')!.click();
    submit(t, 'history-email', 'anna@example.com');
    await settle();
    expect(t.backend.askCalls).toEqual([{ email: 'anna@example.com', language: 'ru' }]);
    expect(t.q('history-code-form')?.textContent).toContain('anna@example.com');

    submit(t, 'history-code', '000000');
    await settle();
    expect(t.q('history-error')?.textContent).toBe('Код неверный. Проверьте последнее письмо от нас.');
    expect(t.items().map((e) => e.textContent)).not.toContain('My earlier question');

    submit(t, 'history-code', '123 456');
    await settle();
    expect(t.q('history-done')).not.toBeNull();
    expect(t.kv.get('token')).toBe('tok2');
    const texts = t.items().map((e) => e.querySelector('.bub')?.textContent);
    expect(texts).toEqual(['My earlier question', 'Hello from my phone']);
    // The socket says hello again, as the joined contact.
    FakeSocket.last.open();
    expect(FakeSocket.last.sent[0]).toMatchObject({ type: 'hello', token: 'tok2' });
  });

  it('asks for the address again when it is empty, without a request', async () => {
    const t = setup();
    await t.app.start();
    t.q('history-open')!.click();
    submit(t, 'history-email', '  ');
    await settle();
    expect(t.q('history-error')?.textContent).toBe('Please fill in this field.');
    expect(t.backend.askCalls).toEqual([]);
    t.q('history-cancel')!.click();
    expect(t.q('history-email-form')).toBeNull();
    expect(t.q('history-open')).not.toBeNull();
  });

  it('a visitor joined by the mailed link in another browser keeps chatting as the joined contact', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'Hello from my phone');
    await settle();
    const first = await connect(t);
    const phoneToken = t.kv.get<string>('token')!;
    t.backend.joinByLink(phoneToken, 7);
    type(t, 'Did you find it?');
    await settle();
    // The send was refused (the phone's contact is gone); the resume found the joined one.
    expect(t.backend.sessions.at(-1)).toMatchObject({ visitor_token: phoneToken });
    expect(t.backend.sendCalls.map((c) => c.text)).toEqual(['Hello from my phone', 'Did you find it?']);
    expect(t.kv.get('token')).not.toBe(phoneToken);
    expect(t.items().map((e) => e.dataset.state)).toContain('sent');
    // Its socket starts again as the joined contact, and the history is fetched anew.
    expect(FakeSocket.last).not.toBe(first);
    await connect(t);
    expect(FakeSocket.last.sent[0]).toMatchObject({ type: 'hello', token: t.kv.get('token') });
    expect(t.items().map((e) => e.querySelector('.bub')?.textContent)).toEqual(['My earlier question', 'Hello from my phone', 'Did you find it?']);
  });
});
