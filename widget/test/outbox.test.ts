import { describe, expect, it } from 'vitest';
import { Outbox, type OutboxItem, type SendResult } from '../src/frame/outbox';
import { createKV, memoryKV } from '../src/frame/storage';

let n = 0;
const ids = () => `cid-${++n}`;
const clock = () => new Date('2026-11-24T07:00:00Z');

describe('Outbox', () => {
  it('persists items with their client_msg_id across reloads', () => {
    const kv = memoryKV();
    const a = new Outbox(kv, 'outbox', clock, ids);
    const item = a.add('hello');
    const b = new Outbox(kv, 'outbox', clock, ids);
    expect(b.items()).toEqual([item]);
    b.remove(item.clientMsgId);
    expect(new Outbox(kv, 'outbox', clock, ids).items()).toEqual([]);
    expect(kv.dump()).toEqual({}); // empty queue leaves no key behind
  });

  it('survives broken storage contents', () => {
    const kv = memoryKV();
    kv.set('outbox', [{ nope: 1 }, null, { clientMsgId: 'x', text: 'ok', createdAt: '' }]);
    expect(new Outbox(kv).items().map((i) => i.clientMsgId)).toEqual(['x']);
    kv.set('outbox', 'garbage');
    expect(new Outbox(kv).items()).toEqual([]);
  });

  it('sends in order and stops at the first retryable failure', async () => {
    const box = new Outbox(memoryKV(), 'outbox', clock, ids);
    const [a, b, c] = [box.add('a'), box.add('b'), box.add('c')];
    const calls: string[] = [];
    const results: Record<string, SendResult> = { [a.clientMsgId]: 'sent', [b.clientMsgId]: 'retry', [c.clientMsgId]: 'sent' };
    const done = await box.flush(async (i) => {
      calls.push(i.text);
      return results[i.clientMsgId];
    });
    expect(done).toBe(false);
    expect(calls).toEqual(['a', 'b']);
    expect(box.items().map((i) => i.text)).toEqual(['b', 'c']);
    // network back: the same ids go out again
    const again: OutboxItem[] = [];
    expect(await box.flush(async (i) => (again.push(i), 'sent'))).toBe(true);
    expect(again.map((i) => i.clientMsgId)).toEqual([b.clientMsgId, c.clientMsgId]);
    expect(box.items()).toEqual([]);
  });

  it('treats a throwing sender as retryable', async () => {
    const box = new Outbox(memoryKV(), 'outbox', clock, ids);
    box.add('x');
    expect(await box.flush(async () => Promise.reject(new Error('boom')))).toBe(false);
    expect(box.items()).toHaveLength(1);
  });

  it('marks permanent failures, skips them, and retries them on request', async () => {
    const kv = memoryKV();
    const box = new Outbox(kv, 'outbox', clock, ids);
    const bad = box.add('too long');
    box.add('fine');
    const sent: string[] = [];
    await box.flush(async (i) => (i.clientMsgId === bad.clientMsgId ? 'failed' : (sent.push(i.text), 'sent')));
    expect(sent).toEqual(['fine']);
    expect(box.items()).toEqual([{ ...bad, failed: true }]);
    expect(new Outbox(kv).items()[0].failed).toBe(true); // persisted
    expect(box.pending()).toEqual([]);
    expect(box.retry(bad.clientMsgId)).toBe(true);
    expect(box.pending().map((i) => i.clientMsgId)).toEqual([bad.clientMsgId]);
    expect(box.retry('unknown')).toBe(false);
  });

  it('runs one flush at a time; a flush asked meanwhile goes round again', async () => {
    const box = new Outbox(memoryKV(), 'outbox', clock, ids);
    box.add('first');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    const send = async (i: OutboxItem): Promise<SendResult> => {
      seen.push(i.text);
      if (i.text === 'first') await gate;
      return 'sent';
    };
    const p1 = box.flush(send);
    box.add('second');
    const p2 = box.flush(send);
    expect(box.busy).toBe(true);
    release();
    expect(await p1).toBe(true);
    expect(await p2).toBe(true);
    expect(seen).toEqual(['first', 'second']); // each sent exactly once
    expect(box.busy).toBe(false);
  });

  it('skips an item confirmed (removed) while the flush was running', async () => {
    const box = new Outbox(memoryKV(), 'outbox', clock, ids);
    const a = box.add('a');
    const b = box.add('b');
    const seen: string[] = [];
    await box.flush(async (i) => {
      seen.push(i.text);
      if (i === a) box.remove(b.clientMsgId); // the socket delivered b meanwhile
      return 'sent';
    });
    expect(seen).toEqual(['a']);
  });
});

describe('createKV', () => {
  it('namespaces keys and falls back to memory when storage throws', () => {
    const backing = new Map<string, string>();
    const storage = {
      getItem: (k: string) => backing.get(k) ?? null,
      setItem: (k: string, v: string) => void backing.set(k, v),
      removeItem: (k: string) => void backing.delete(k),
    } as Storage;
    const kv = createKV('otklik:v1:K', storage);
    kv.set('token', 'abc');
    expect(backing.get('otklik:v1:K:token')).toBe('"abc"');
    expect(kv.get('token')).toBe('abc');
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => undefined,
    } as unknown as Storage;
    const mem = createKV('x', broken);
    mem.set('a', 1);
    expect(mem.get('a')).toBe(1);
    expect(createKV('y', null).get('missing')).toBeNull();
  });
});
