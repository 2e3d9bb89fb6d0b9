import { describe, expect, it } from 'vitest';
import { createFrameBridge } from '../src/frame/bridge';
import { isBridgeMessage, safeColor } from '../src/shared/bridge';

function fakeWindow() {
  const posted: [unknown, string][] = [];
  const parent = { postMessage: (m: unknown, o: string) => posted.push([m, o]) };
  let listener: ((e: MessageEvent) => void) | null = null;
  const win = {
    parent,
    addEventListener: (_: string, l: (e: MessageEvent) => void) => (listener = l),
  } as unknown as Window;
  return { win, parent, posted, fire: (e: Partial<MessageEvent>) => listener?.(e as MessageEvent) };
}

describe('frame bridge', () => {
  it('posts only to the parent origin from the URL', () => {
    const f = fakeWindow();
    const bridge = createFrameBridge('https://shop.example.org', f.win);
    expect(bridge.embedded).toBe(true);
    bridge.post({ type: 'unread', count: 2 });
    expect(f.posted).toEqual([[{ otklik: 1, type: 'unread', count: 2 }, 'https://shop.example.org']]);
  });

  it('falls back to * for a missing or malformed parent origin', () => {
    for (const origin of [null, 'null', 'javascript:alert(1)', 'https://a.example/path']) {
      const f = fakeWindow();
      createFrameBridge(origin, f.win).post({ type: 'ready' });
      expect(f.posted[0][1]).toBe('*');
    }
  });

  it('accepts messages only from the parent window at the parent origin', () => {
    const f = fakeWindow();
    const got: unknown[] = [];
    createFrameBridge('https://shop.example.org', f.win).listen((m) => got.push(m));
    const open = { otklik: 1, type: 'open', mobile: false };
    f.fire({ data: open, origin: 'https://evil.example', source: f.parent as unknown as Window });
    f.fire({ data: open, origin: 'https://shop.example.org', source: {} as Window });
    f.fire({ data: { type: 'open' }, origin: 'https://shop.example.org', source: f.parent as unknown as Window });
    f.fire({ data: open, origin: 'https://shop.example.org', source: f.parent as unknown as Window });
    expect(got).toEqual([open]);
  });

  it('is a no-op when the frame is opened on its own (not embedded)', () => {
    const posted: unknown[] = [];
    const win = { addEventListener: () => undefined, postMessage: (m: unknown) => posted.push(m) } as unknown as Window & {
      parent: Window;
    };
    (win as { parent: Window }).parent = win;
    const bridge = createFrameBridge('https://shop.example.org', win);
    expect(bridge.embedded).toBe(false);
    bridge.post({ type: 'ready' });
    expect(posted).toEqual([]);
  });
});

describe('shared helpers', () => {
  it('recognises bridge messages and refuses unsafe colours', () => {
    expect(isBridgeMessage({ otklik: 1, type: 'x' })).toBe(true);
    expect(isBridgeMessage({ type: 'x' })).toBe(false);
    expect(isBridgeMessage('otklik')).toBe(false);
    expect(safeColor('#0F7B6C')).toBe('#0F7B6C');
    expect(safeColor('#abc')).toBe('#abc');
    expect(safeColor('red;background:url(x)')).toBe('#1f6feb');
    expect(safeColor(undefined, '#000')).toBe('#000');
  });
});
