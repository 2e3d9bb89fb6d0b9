/** Frame side of the postMessage bridge (see shared/bridge.ts). */
import { isBridgeMessage, type FrameToLoader, type LoaderToFrame } from '../shared/bridge';

type Payload<T> = T extends { otklik: 1 } ? Omit<T, 'otklik'> : never;

export interface FrameBridge {
  embedded: boolean;
  post(msg: Payload<FrameToLoader>): void;
  listen(handler: (msg: LoaderToFrame) => void): void;
}

/**
 * `parentOrigin` comes from the iframe URL (the loader puts location.origin there).
 * Messages are posted only to that origin and accepted only from the parent window
 * at that origin. Without it (file:// pages report "null") posts go to '*': they
 * carry no secrets, only unread counts and colours.
 */
export function createFrameBridge(parentOrigin: string | null, win: Window = window): FrameBridge {
  const embedded = win.parent !== win;
  const target = parentOrigin && /^https?:\/\/[^/]+$/.test(parentOrigin) ? parentOrigin : '*';
  return {
    embedded,
    post(msg) {
      if (embedded) win.parent.postMessage({ otklik: 1, ...msg }, target);
    },
    listen(handler) {
      win.addEventListener('message', (e: MessageEvent) => {
        if (!embedded || e.source !== win.parent) return;
        if (target !== '*' && e.origin !== target) return;
        if (isBridgeMessage(e.data)) handler(e.data as LoaderToFrame);
      });
    },
  };
}
