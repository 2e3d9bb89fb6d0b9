import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { siteIdentity } from '../src/shared/bridge';
import { ApiError } from '../src/frame/api';
import { IDENTITY_WAIT_MS, isIdentityRefusal } from '../src/frame/site-user';
import { FakeSocket } from './fakes';
import { settle, setup, type } from './harness';

const HOST = 'https://chat.example.com';
const SIGNED = { user_id: '42', email: 'anna@example.com', name: 'Anna', timestamp: 1_700_000_000, hmac: 'ab'.repeat(32) };

describe('siteIdentity', () => {
  it('keeps what the server takes, as text, and needs a user id', () => {
    expect(siteIdentity({ user_id: 42, email: 'anna@example.com', name: '', timestamp: '1700000000', hmac: 'ab'.repeat(32), role: 'admin' })).toEqual({
      user_id: '42',
      email: 'anna@example.com',
      timestamp: 1_700_000_000,
      hmac: 'ab'.repeat(32),
    });
    expect(siteIdentity({ user_id: 'u-1' })).toEqual({ user_id: 'u-1' }); // unsigned: a hint
    expect(siteIdentity({ email: 'anna@example.com' })).toBeNull();
    expect(siteIdentity(null)).toBeNull();
  });

  it('tells a refused identity from other errors', () => {
    expect(isIdentityRefusal(new ApiError(403, 'identity_expired', 'old'))).toBe(true);
    expect(isIdentityRefusal(new ApiError(422, 'validation_error', 'identity: hmac and timestamp go together'))).toBe(true);
    expect(isIdentityRefusal(new ApiError(403, 'inbox_off', 'off'))).toBe(false);
    expect(isIdentityRefusal(new ApiError(422, 'validation_error', 'email: not valid'))).toBe(false);
  });
});

describe('loader: the site user', () => {
  beforeEach(() => {
    localStorage.clear();
    sessionStorage.clear();
    vi.stubGlobal('fetch', vi.fn(async () => ({ ok: false, status: 500, json: async () => ({}) })));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('takes data-user-* from its script tag and hands them to the frame over postMessage only', async () => {
    document.body.innerHTML = '';
    delete window.OtklikWidget;
    const s = document.createElement('script');
    s.src = `${HOST}/widget.js`;
    s.setAttribute('data-inbox', 'PUB_KEY');
    s.setAttribute('data-user-id', '42');
    s.setAttribute('data-user-email', 'anna@example.com');
    s.setAttribute('data-user-name', 'Anna');
    s.setAttribute('data-user-timestamp', '1700000000');
    s.setAttribute('data-user-hmac', 'ab'.repeat(32));
    document.head.append(s);
    vi.resetModules();
    await import('../src/loader/main');
    const shadow = document.querySelector<HTMLElement>('[data-otklik="PUB_KEY"]')!.shadowRoot!;
    (shadow.querySelector('[data-testid="otklik-launcher"]') as HTMLElement).click();
    const frame = shadow.querySelector<HTMLIFrameElement>('[data-testid="otklik-frame"]')!;
    const url = new URL(frame.src);
    expect(url.searchParams.get('identity')).toBe('1');
    expect(frame.src).not.toContain('ab'.repeat(32)); // the signature never goes in an address

    const posted: unknown[] = [];
    const child = { postMessage: (m: unknown, origin: string) => void posted.push(origin === HOST && m) };
    Object.defineProperty(frame, 'contentWindow', { value: child });
    window.dispatchEvent(new MessageEvent('message', { data: { otklik: 1, type: 'ready' }, origin: HOST, source: child as unknown as Window }));
    expect(posted).toContainEqual({ otklik: 1, type: 'identity', identity: SIGNED });

    // The user signs out in a single-page app: the frame hears it.
    window.OtklikWidget!.PUB_KEY.identify(null);
    expect(posted.at(-1)).toEqual({ otklik: 1, type: 'identity', identity: null });
  });
});

describe('frame: sessions of the site user', () => {
  beforeEach(() => {
    FakeSocket.reset();
    vi.useFakeTimers();
    document.body.innerHTML = '';
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('waits for the identity, then starts the signed session at once (the signature is fresh)', async () => {
    const t = setup({ expectIdentity: true });
    const started = t.app.start();
    await settle();
    expect(t.backend.sessions).toEqual([]); // waiting for the loader's word
    t.bridge.send({ otklik: 1, type: 'identity', identity: SIGNED });
    await started;
    await settle();
    expect(t.backend.sessions).toHaveLength(1);
    expect(t.backend.sessions[0]).toMatchObject({ inbox_key: 'K', identity: SIGNED });
    expect(t.app.token).toBeTruthy();
  });

  it('goes on without an identity the loader never sends', async () => {
    const t = setup({ expectIdentity: true });
    const started = t.app.start();
    await vi.advanceTimersByTimeAsync(IDENTITY_WAIT_MS);
    await started;
    type(t, 'Hello');
    await settle();
    expect(t.backend.sessions).toHaveLength(1);
    expect(t.backend.sessions[0].identity).toBeUndefined();
  });

  it('chats anonymously when the server refuses the identity, and tells the developer', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const t = setup({ expectIdentity: true });
    t.backend.refuseIdentity = new ApiError(403, 'identity_expired', 'The identity signature is 900 s old');
    const started = t.app.start();
    t.bridge.send({ otklik: 1, type: 'identity', identity: SIGNED });
    await started;
    await settle();
    expect(t.backend.sessions.map((b) => !!b.identity)).toEqual([true, false]);
    expect(t.app.token).toBeTruthy();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('refused'), 'The identity signature is 900 s old');
    type(t, 'Hello anyway');
    await settle();
    expect(t.backend.sendCalls.map((c) => c.text)).toEqual(['Hello anyway']);
    expect(t.backend.sessions).toHaveLength(2); // no further signed attempts with the refused one
  });

  it('asks again when the site user signs in or out without a page load', async () => {
    const t = setup();
    await t.app.start();
    type(t, 'Hello');
    await settle();
    const anonymous = t.app.token!;
    t.bridge.send({ otklik: 1, type: 'identity', identity: SIGNED });
    await settle();
    expect(t.backend.sessions.at(-1)).toMatchObject({ visitor_token: anonymous, identity: SIGNED });
    t.bridge.send({ otklik: 1, type: 'identity', identity: SIGNED }); // the same: nothing to ask
    await settle();
    const asked = t.backend.sessions.length;
    t.bridge.send({ otklik: 1, type: 'identity', identity: null });
    await settle();
    expect(t.backend.sessions).toHaveLength(asked + 1);
    expect(t.backend.sessions.at(-1)?.identity).toBeUndefined();
  });
});
