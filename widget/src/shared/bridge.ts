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

/** Loader → frame. */
export type LoaderToFrame =
  | { otklik: 1; type: 'open'; mobile: boolean }
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
