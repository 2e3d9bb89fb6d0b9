import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from './fakes';
import { settle, setup, type } from './harness';

beforeEach(() => {
  FakeSocket.reset();
  vi.useFakeTimers();
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.useRealTimers();
});

const pages = [
  { url: 'https://shop.example/', title: 'Shop', at: 1_700_000_000_000 },
  { url: 'javascript:void(0)', title: 'x', at: 1_700_000_001_000 },
  { url: 'https://shop.example/cart', title: 'Cart', at: 1_700_000_002_000 },
];

describe('visit reports', () => {
  it('sends the host pages once the visitor has a session, and again only when they change', async () => {
    const t = setup();
    await t.app.start();
    t.bridge.send({ otklik: 1, type: 'pages', pages, phone: '+7 912 000-00-00' });
    await settle();
    expect(t.backend.visits).toEqual([]); // no session yet: nothing to report it on
    type(t, 'Hello');
    await settle();
    expect(t.backend.visits).toHaveLength(1);
    const { body } = t.backend.visits[0];
    expect(body.pages.map((p) => p.url)).toEqual(['https://shop.example/', 'https://shop.example/cart']);
    expect(body.phone).toBe('+7 912 000-00-00');
    expect(body.language).toBeTruthy();
    t.bridge.send({ otklik: 1, type: 'pages', pages, phone: '+7 912 000-00-00' });
    await settle();
    expect(t.backend.visits).toHaveLength(1);
    const next = [...pages, { url: 'https://shop.example/pay', title: 'Pay', at: 1_700_000_003_000 }];
    t.bridge.send({ otklik: 1, type: 'pages', pages: next });
    await settle();
    expect(t.backend.visits).toHaveLength(2);
    expect(t.backend.visits[1].body.pages.at(-1)?.url).toBe('https://shop.example/pay');
  });
});
