/**
 * widget.js — the loader embedded on customers' sites:
 *   <script src="https://HOST/widget.js" data-inbox="PUBLIC_KEY" async></script>
 *
 * It draws only the launcher button (inside a shadow root, so the host page's CSS
 * can't touch it) and opens the chat iframe HOST/widget/frame?inbox=KEY. Everything
 * else happens inside the iframe, on our origin. Kept tiny: budget 5 KB gzip.
 */
import { isBridgeMessage, MOBILE_MAX_WIDTH, safeColor, siteIdentity, type ConfigSummary, type LoaderToFrame, type PageVisit } from '../shared/bridge';
import { browserLanguages, loaderText, pickLanguage, type Lang } from '../shared/i18n';
import { CHAT_ICON, CLOSE_ICON, loaderCss } from './style';

declare global {
  interface Window {
    OtklikWidget?: Record<string, { open(): void; close(): void; toggle(): void; identify(user: Record<string, unknown> | null): void }>;
  }
}

function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.inbox) return current;
  const all = Array.from(document.querySelectorAll<HTMLScriptElement>('script[data-inbox]'));
  return all.find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) ?? all[0] ?? null;
}

function store(kind: 'local' | 'session'): Storage | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    return null; // storage blocked (privacy mode, sandbox)
  }
}

function boot(script: HTMLScriptElement): void {
  const key = script.dataset.inbox ?? '';
  let host: string;
  try {
    host = new URL(script.src, location.href).origin;
  } catch {
    return;
  }
  const registry = (window.OtklikWidget ??= {});
  if (!key || registry[key]) return; // included twice: keep the first

  const ls = store('local');
  const ss = store('session');
  const cfgKey = `otklik:cfg:${key}`;
  const activeKey = `otklik:active:${key}`;
  const openKey = `otklik:open:${key}`;
  const pagesKey = `otklik:pages:${key}`;

  let cached: Partial<ConfigSummary> = {};
  try {
    cached = JSON.parse(ls?.getItem(cfgKey) ?? '{}') as Partial<ConfigSummary>;
  } catch {
    /* ignore a broken cache */
  }
  let lang: Lang = pickLanguage(cached.language, browserLanguages());
  let unread = 0;
  let isOpen = false;
  let frame: HTMLIFrameElement | null = null;
  let frameReady = false;
  // The site's signed-in user (docs/channels.md): data-user-* on the script tag, or
  // identify() later; the frame sends it with the session (signed: the verified user).
  const ds = script.dataset;
  let identity = siteIdentity({ user_id: ds.userId, email: ds.userEmail, name: ds.userName, timestamp: ds.userTimestamp, hmac: ds.userHmac });
  let identified = identity !== null;

  const rootEl = document.createElement('div');
  rootEl.setAttribute('data-otklik', key);
  rootEl.style.cssText = 'all:initial';
  const shadow = rootEl.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = loaderCss(MOBILE_MAX_WIDTH);
  const wrap = document.createElement('div');
  wrap.className = 'w';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'l';
  button.setAttribute('data-testid', 'otklik-launcher');
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', 'otklik-frame');
  const icon = document.createElement('span');
  icon.className = 'i';
  icon.setAttribute('aria-hidden', 'true');
  const badge = document.createElement('span');
  badge.className = 'b';
  badge.hidden = true;
  badge.setAttribute('aria-hidden', 'true');
  badge.setAttribute('data-testid', 'otklik-badge');
  button.append(icon, badge);
  wrap.append(button);
  shadow.append(style, wrap);

  const mobile = (): boolean => window.innerWidth <= MOBILE_MAX_WIDTH;

  function applyConfig(cfg: Partial<ConfigSummary>): void {
    wrap.style.setProperty('--c', safeColor(cfg.color));
    wrap.classList.toggle('left', cfg.position === 'left');
    lang = pickLanguage(cfg.language, browserLanguages());
    render();
  }

  function render(): void {
    // Static SVG markup only; no user data goes through innerHTML.
    icon.innerHTML = isOpen ? CLOSE_ICON : CHAT_ICON;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    badge.hidden = unread === 0 || isOpen;
    const label = loaderText(lang, isOpen ? 'close' : 'open');
    button.setAttribute(
      'aria-label',
      unread && !isOpen ? `${label}. ${loaderText(lang, 'unread', { n: unread })}` : label,
    );
    button.setAttribute('aria-expanded', String(isOpen));
    wrap.classList.toggle('open', isOpen);
    if (frame) frame.title = loaderText(lang, 'frameTitle');
  }

  function post(msg: LoaderToFrame): void {
    if (frame?.contentWindow && frameReady) frame.contentWindow.postMessage(msg, host);
  }

  function ensureFrame(): HTMLIFrameElement {
    if (frame) return frame;
    const url = new URL('/widget/frame', host);
    url.searchParams.set('inbox', key);
    url.searchParams.set('parent', location.origin);
    // The frame waits for the identity (sent over postMessage, never in the address).
    if (identity) url.searchParams.set('identity', '1');
    frame = document.createElement('iframe');
    frame.id = 'otklik-frame';
    frame.className = 'f';
    frame.src = url.href;
    frame.allow = 'autoplay';
    frame.setAttribute('data-testid', 'otklik-frame');
    wrap.append(frame);
    render();
    return frame;
  }

  function open(): void {
    ensureFrame();
    isOpen = true;
    ss?.setItem(openKey, '1');
    render();
    post({ otklik: 1, type: 'open', mobile: mobile() });
    frame?.focus();
  }

  function close(): void {
    if (!isOpen) return;
    const hadFocus = document.activeElement === rootEl;
    isOpen = false;
    ss?.removeItem(openKey);
    render();
    post({ otklik: 1, type: 'close' });
    if (hadFocus) button.focus();
  }

  // The pages of this browsing session (SPA navigation too: the address is watched), for
  // the customer card; sent to the frame, which reports them once the visitor has a session.
  const pages = (): PageVisit[] => {
    try {
      const list: unknown = JSON.parse(ss?.getItem(pagesKey) ?? '[]');
      return Array.isArray(list) ? (list as PageVisit[]) : [];
    } catch {
      return [];
    }
  };
  const sendPages = (): void => post({ otklik: 1, type: 'pages', pages: pages(), phone: script.dataset.phone });
  let seenHref = '';
  const notePage = (): void => {
    if (location.href === seenHref) return;
    seenHref = location.href;
    const list = pages();
    if (list[list.length - 1]?.url !== seenHref) list.push({ url: seenHref, title: document.title.slice(0, 300), at: Date.now() });
    try {
      ss?.setItem(pagesKey, JSON.stringify(list.slice(-20)));
    } catch {
      /* quota */
    }
    sendPages();
  };
  notePage();
  setInterval(notePage, 1000);

  const toggle = (): void => (isOpen ? close() : open());
  button.addEventListener('click', toggle);
  const sendIdentity = (): void => post({ otklik: 1, type: 'identity', identity });
  /** The site's user signed in (a signed identity) or out (`null`) without a page load. */
  const identify = (user: Record<string, unknown> | null): void => {
    identity = siteIdentity(user);
    identified = true;
    sendIdentity();
  };
  registry[key] = { open, close, toggle, identify };

  window.addEventListener('message', (e: MessageEvent) => {
    if (!frame || e.source !== frame.contentWindow || e.origin !== host) return;
    const d: unknown = e.data;
    if (!isBridgeMessage(d)) return;
    const m = d as import('../shared/bridge').FrameToLoader;
    switch (m.type) {
      case 'ready':
        frameReady = true;
        if (identified) sendIdentity();
        sendPages();
        post(isOpen ? { otklik: 1, type: 'open', mobile: mobile() } : { otklik: 1, type: 'viewport', mobile: mobile() });
        break;
      case 'config':
        try {
          ls?.setItem(cfgKey, JSON.stringify(m.config));
        } catch {
          /* quota */
        }
        applyConfig(m.config);
        break;
      case 'unread':
        unread = Math.max(0, Math.floor(Number(m.count) || 0));
        render();
        break;
      case 'session':
        if (m.active) ls?.setItem(activeKey, '1');
        else ls?.removeItem(activeKey);
        break;
      case 'close':
        close();
        break;
      case 'resize': {
        const h = Number(m.height);
        if (h > 0 && frame) frame.style.height = `min(${Math.round(h)}px, calc(100vh - 108px))`;
        break;
      }
    }
  });

  let lastMobile = mobile();
  window.addEventListener('resize', () => {
    if (mobile() !== lastMobile) {
      lastMobile = mobile();
      post({ otklik: 1, type: 'viewport', mobile: lastMobile });
    }
  });

  applyConfig(cached);
  (document.body ?? document.documentElement).append(rootEl);

  // Colour / position / language straight from the server (a simple CORS GET);
  // the frame sends the same config again once it runs, so a failure here is harmless.
  type Idle = (cb: () => void, opts?: { timeout: number }) => void;
  const preload = (): void => {
    const idle = (window as { requestIdleCallback?: Idle }).requestIdleCallback;
    const later = (): void => void ensureFrame();
    if (idle) idle(later, { timeout: 3000 });
    else setTimeout(later, 1);
  };

  // Prepare the chat once the host page has loaded and is idle, so that a click shows a
  // ready chat at once instead of loading it then (~550 ms). A new visitor's frame only
  // reads the inbox's config: no session is made until they write. Not on a data saver.
  const saveData = (navigator as { connection?: { saveData?: boolean } }).connection?.saveData === true;
  if (!saveData) {
    if (document.readyState === 'complete') preload();
    else window.addEventListener('load', preload, { once: true });
  }

  // If the server allows no cross-origin read of the config and nothing is cached,
  // load the frame hidden instead: it reports the config over postMessage.
  const noConfig = (): void => {
    if (!cached.color) preload();
  };
  fetch(`${host}/api/v1/widget/config?inbox_key=${encodeURIComponent(key)}`, { credentials: 'omit' })
    .then((r) => {
      // 403: an admin turned this inbox off. No launcher, and no chat that cannot be sent.
      if (r.status !== 403) return r.ok ? r.json() : null;
      rootEl.remove();
      return undefined;
    })
    .then((body: { inbox?: { settings?: Partial<ConfigSummary> } } | null | undefined) => {
      if (body === undefined) return;
      const s = body?.inbox?.settings;
      if (s) applyConfig({ color: s.color, position: s.position, language: s.language });
      else noConfig();
    })
    .catch(noConfig);

  if (ss?.getItem(openKey) === '1') {
    open();
  } else if (ls?.getItem(activeKey) === '1') {
    // A returning visitor with a conversation: load the frame hidden so replies
    // raise the unread badge (and the sound) while the chat is closed.
    preload();
  }
}

const self = findScript();
if (self) {
  if (document.body) boot(self);
  else document.addEventListener('DOMContentLoaded', () => boot(self));
}
