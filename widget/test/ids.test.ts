import { describe, expect, it } from 'vitest';
import { newClientMsgId } from '../src/frame/ids';

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newClientMsgId', () => {
  it('uses crypto.randomUUID when there is one', () => {
    expect(newClientMsgId({ randomUUID: () => '11111111-1111-4111-8111-111111111111' } as Partial<Crypto>)).toBe(
      '11111111-1111-4111-8111-111111111111',
    );
  });
  it('falls back to getRandomValues (insecure context) and to Math.random', () => {
    const viaRandomValues = newClientMsgId({
      randomUUID: () => {
        throw new Error('insecure');
      },
      getRandomValues: <T extends ArrayBufferView | null>(a: T) => {
        const u = a as unknown as Uint8Array;
        for (let i = 0; i < u.length; i++) u[i] = (i * 37) & 255;
        return a;
      },
    } as Partial<Crypto>);
    expect(viaRandomValues).toMatch(UUID4);
    const ids = new Set(Array.from({ length: 200 }, () => newClientMsgId(undefined)));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(UUID4);
    expect(newClientMsgId().length).toBeLessThanOrEqual(64);
  });
});
