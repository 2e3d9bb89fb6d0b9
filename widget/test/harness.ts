/** A WidgetApp on the test doubles, and helpers to drive it like a visitor would. */
import { vi } from 'vitest';
import { WidgetApp } from '../src/frame/app';
import { memoryKV, type KV } from '../src/frame/storage';
import { FakeBackend, fakeBridge, FakeSocket } from './fakes';

export type Setup = ReturnType<typeof setup>;

export function setup(opts: { kv?: KV; backend?: FakeBackend; embedded?: boolean; languages?: string[]; expectIdentity?: boolean } = {}) {
  const backend = opts.backend ?? new FakeBackend();
  const kv = opts.kv ?? memoryKV();
  const b = fakeBridge(opts.embedded ?? true);
  const mount = document.createElement('div');
  document.body.append(mount);
  let online = true;
  const beeps: number[] = [];
  const app = new WidgetApp({
    inboxKey: 'K',
    api: backend,
    kv,
    bridge: b.bridge,
    mount,
    wsUrl: () => 'ws://test/api/v1/widget/ws',
    WebSocketImpl: FakeSocket as unknown as { new (url: string): WebSocket },
    isOnline: () => online,
    languages: opts.languages ?? ['en-US'],
    beep: () => beeps.push(Date.now()),
    expectIdentity: opts.expectIdentity,
  });
  return {
    app,
    backend,
    kv,
    mount,
    bridge: b,
    beeps,
    setOnline(v: boolean) {
      online = v;
      backend.online = v;
      dispatchEvent(new Event(v ? 'online' : 'offline'));
    },
    q: (id: string) => mount.querySelector<HTMLElement>(`[data-testid="${id}"]`),
    items: () => Array.from(mount.querySelectorAll<HTMLElement>('[data-testid="message"]')),
  };
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

/** Connect the latest fake socket and finish the handshake like the server would. */
export async function connect(_t: Setup, lastEventId = 1): Promise<FakeSocket> {
  const ws = FakeSocket.last;
  ws.open();
  ws.frame({ type: 'ready', last_event_id: lastEventId });
  await settle();
  return ws;
}

export function type(t: Setup, text: string): void {
  const input = t.q('message-input') as HTMLTextAreaElement;
  input.value = text;
  input.dispatchEvent(new Event('input'));
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
}

/** The loader opens (or closes) the chat, as after a click on the launcher. */
export function openChat(t: Setup, open = true): void {
  t.bridge.send(open ? { otklik: 1, type: 'open', mobile: false } : { otklik: 1, type: 'close' });
}
