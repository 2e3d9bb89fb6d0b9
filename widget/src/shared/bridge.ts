/**
 * postMessage protocol between the loader (host page) and the frame (our origin).
 * Every message carries `otklik: 1` so unrelated messages on the page are ignored;
 * both sides also check the sender's origin and window.
 */

export const MARK = 'otklik';

export interface ConfigSummary {
  color: string;
  position: 'right' | 'left';
  language: 'ru' | 'en';
}

/** Frame → loader. */
export type FrameToLoader =
  | { otklik: 1; type: 'ready' }
  | { otklik: 1; type: 'config'; config: ConfigSummary }
  | { otklik: 1; type: 'unread'; count: number }
  | { otklik: 1; type: 'session'; active: boolean }
  | { otklik: 1; type: 'close' }
  | { otklik: 1; type: 'resize'; height: number };

/** A page of the host site the visitor saw (the customer card shows them). */
export interface PageVisit {
  url: string;
  title: string;
  /** `Date.now()` when the loader saw it. */
  at: number;
}

/**
 * The customer site's signed-in user, as its server signed them (docs/channels.md):
 * `hmac` = hex HMAC-SHA256(identity secret, user_id + timestamp), `timestamp` in Unix
 * seconds. Without `hmac` and `timestamp` it is only a hint (never a way into a contact).
 */
export interface SiteIdentity {
  user_id: string;
  email?: string;
  name?: string;
  timestamp?: number;
  hmac?: string;
}

/** Loader → frame. */
export type LoaderToFrame =
  | { otklik: 1; type: 'open'; mobile: boolean }
  | { otklik: 1; type: 'identity'; identity: SiteIdentity | null }
  | { otklik: 1; type: 'pages'; pages: PageVisit[]; phone?: string }
  | { otklik: 1; type: 'close' }
  | { otklik: 1; type: 'viewport'; mobile: boolean };

export function isBridgeMessage(data: unknown): data is { otklik: 1; type: string } {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as { otklik?: unknown }).otklik === 1 &&
    typeof (data as { type?: unknown }).type === 'string'
  );
}

/** Accept only `#rgb` / `#rrggbb` colours from config (they go into CSS). */
export function safeColor(value: unknown, fallback = '#1f6feb'): string {
  return typeof value === 'string' && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : fallback;
}

/** Screens this narrow get a full-screen chat. Shared by loader CSS and frame logic. */
export const MOBILE_MAX_WIDTH = 480;

/** What the host page gave as its user (script `data-user-*` attributes or `identify()`),
 * kept to the fields the server takes; `null` without a user id. */
export function siteIdentity(raw: Record<string, unknown> | null | undefined): SiteIdentity | null {
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
  const userId = text(raw?.user_id);
  if (!raw || !userId) return null;
  const out: SiteIdentity = { user_id: userId };
  const email = text(raw.email);
  const name = text(raw.name);
  const timestamp = Number(text(raw.timestamp));
  const hmac = text(raw.hmac);
  if (email) out.email = email;
  if (name) out.name = name;
  // Passed on as given (one without the other is the server's 422 to tell the site).
  if (Number.isFinite(timestamp)) out.timestamp = Math.floor(timestamp);
  if (hmac) out.hmac = hmac;
  return out;
}
