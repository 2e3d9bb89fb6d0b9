import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const HOST = 'https://chat.example.com';

async function load(attrs: Record<string, string> = {}) {
  document.body.innerHTML = '';
  delete window.OtklikWidget;
  const s = document.createElement('script');
  s.src = `${HOST}/widget.js`;
  s.setAttribute('data-inbox', 'PUB_KEY');
  for (const [k, v] of Object.entries(attrs)) s.setAttribute(k, v);
  document.head.append(s);
  vi.resetModules();
  await import('../src/loader/main');
  await new Promise((r) => setTimeout(r, 0));
  const root = document.querySelector<HTMLElement>('[data-otklik="PUB_KEY"]')!;
  const shadow = root.shadowRoot!;
  const $ = <T extends Element = HTMLElement>(id: string) => shadow.querySelector<T>(`[data-testid="${id}"]`);
  return { root, shadow, $ };
}

function fromFrame(frame: HTMLIFrameElement, data: unknown, origin = HOST) {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source: frame.contentWindow as Window }));
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => ({
      ok: true,
      json: async () => ({ inbox: { settings: { color: '#aa0000', position: 'left', language: 'ru' } }, agents_online: true }),
    })),
  );
});
afterEach(() => vi.unstubAllGlobals());

describe('loader (widget.js)', () => {
  it('finds its script, fetches config from HOST and draws an isolated launcher', async () => {
    const { $, shadow, root } = await load();
    expect(fetch).toHaveBeenCalledWith(`${HOST}/api/v1/widget/config?inbox_key=PUB_KEY`, { credentials: 'omit' });
    const launcher = $('otklik-launcher')!;
    expect(launcher.tagName).toBe('BUTTON');
    expect(launcher.getAttribute('aria-label')).toBe('Открыть чат');
    expect(launcher.getAttribute('aria-expanded')).toBe('false');
    expect(shadow.querySelector('.w')!.classList.contains('left')).toBe(true);
    expect((shadow.querySelector('.w') as HTMLElement).style.getPropertyValue('--c')).toBe('#aa0000');
    expect($('otklik-badge')!.hidden).toBe(true);
    expect(root.parentElement).toBe(document.body);
  });

  it('prepares the chat frame, hidden, once the page is idle, so a click only shows it', async () => {
    const idle: (() => void)[] = [];
    vi.stubGlobal('requestIdleCallback', (cb: () => void) => idle.push(cb));
    const { $ } = await load();
    expect($('otklik-frame')).toBeNull(); // nothing while the page is busy
    idle.forEach((cb) => cb());
    const frame = $<HTMLIFrameElement>('otklik-frame')!;
    expect(frame).not.toBeNull();
    expect($('otklik-launcher')!.getAttribute('aria-expanded')).toBe('false');
    $('otklik-launcher')!.click();
    expect($('otklik-frame')).toBe(frame); // the same frame, not a new load
  });

  it('prepares nothing for a visitor who asks to save data', async () => {
    vi.stubGlobal('navigator', { ...navigator, connection: { saveData: true } });
    const { $ } = await load();
    await new Promise((r) => setTimeout(r, 5));
    expect($('otklik-frame')).toBeNull(); // only on demand
  });

  it('opens the iframe on click with the inbox key and the page origin', async () => {
    const { $ } = await load();
    $('otklik-launcher')!.click();
    const frame = $<HTMLIFrameElement>('otklik-frame')!;
    const url = new URL(frame.src);
    expect(url.origin + url.pathname).toBe(`${HOST}/widget/frame`);
    expect(url.searchParams.get('inbox')).toBe('PUB_KEY');
    expect(url.searchParams.get('parent')).toBe('https://shop.example.org');
    expect($('otklik-launcher')!.getAttribute('aria-expanded')).toBe('true');
    expect(sessionStorage.getItem('otklik:open:PUB_KEY')).toBe('1');
    $('otklik-launcher')!.click();
    expect($('otklik-launcher')!.getAttribute('aria-expanded')).toBe('false');
    expect(sessionStorage.getItem('otklik:open:PUB_KEY')).toBeNull();
  });

  it('shows the unread badge only for messages from its own frame and origin', async () => {
    const { $ } = await load();
    $('otklik-launcher')!.click();
    $('otklik-launcher')!.click(); // closed again, frame stays loaded
    const frame = $<HTMLIFrameElement>('otklik-frame')!;
    fromFrame(frame, { otklik: 1, type: 'unread', count: 3 }, 'https://evil.example');
    expect($('otklik-badge')!.hidden).toBe(true);
    window.dispatchEvent(new MessageEvent('message', { data: { otklik: 1, type: 'unread', count: 3 }, origin: HOST, source: window }));
    expect($('otklik-badge')!.hidden).toBe(true);
    fromFrame(frame, { otklik: 1, type: 'unread', count: 3 });
    expect($('otklik-badge')!.hidden).toBe(false);
    expect($('otklik-badge')!.textContent).toBe('3');
    expect($('otklik-launcher')!.getAttribute('aria-label')).toBe('Открыть чат. Непрочитанных сообщений: 3');
    fromFrame(frame, { otklik: 1, type: 'unread', count: 250 });
    expect($('otklik-badge')!.textContent).toBe('99+');
    fromFrame(frame, { otklik: 1, type: 'close' });
    fromFrame(frame, { type: 'unread', count: 0 }); // not ours: no marker
    expect($('otklik-badge')!.textContent).toBe('99+');
  });

  it('applies config, session and close messages from the frame', async () => {
    const { $, shadow } = await load();
    $('otklik-launcher')!.click();
    const frame = $<HTMLIFrameElement>('otklik-frame')!;
    fromFrame(frame, { otklik: 1, type: 'config', config: { color: 'red;background:url(x)', position: 'right', language: 'en' } });
    expect((shadow.querySelector('.w') as HTMLElement).style.getPropertyValue('--c')).toBe('#1f6feb'); // unsafe colour refused
    expect(shadow.querySelector('.w')!.classList.contains('left')).toBe(false);
    expect($('otklik-launcher')!.getAttribute('aria-label')).toBe('Close chat');
    fromFrame(frame, { otklik: 1, type: 'session', active: true });
    expect(localStorage.getItem('otklik:active:PUB_KEY')).toBe('1');
    fromFrame(frame, { otklik: 1, type: 'close' });
    expect($('otklik-launcher')!.getAttribute('aria-expanded')).toBe('false');
    expect(JSON.parse(localStorage.getItem('otklik:cfg:PUB_KEY')!)).toMatchObject({ position: 'right' });
  });

  it('is harmless when included twice and exposes open/close', async () => {
    await load();
    const again = document.createElement('script');
    again.src = `${HOST}/widget.js`;
    again.setAttribute('data-inbox', 'PUB_KEY');
    document.head.append(again);
    vi.resetModules();
    await import('../src/loader/main');
    expect(document.querySelectorAll('[data-otklik="PUB_KEY"]')).toHaveLength(1);
    window.OtklikWidget!.PUB_KEY.open();
    expect(document.querySelector('[data-otklik]')!.shadowRoot!.querySelector('[data-testid="otklik-frame"]')).not.toBeNull();
  });

  it('draws nothing for an inbox that is turned off', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => ({ ok: false, status: 403, json: async () => ({}) })));
    await load().catch(() => undefined); // the launcher may be gone before load() looks at it
    await new Promise((r) => setTimeout(r, 0));
    expect(document.querySelector('[data-otklik="PUB_KEY"]')).toBeNull();
  });

  it('keeps working when the config request fails (no CORS)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const { $ } = await load();
    expect($('otklik-launcher')!.getAttribute('aria-label')).toBe('Open chat');
  });
});
