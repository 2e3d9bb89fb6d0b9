import { describe, expect, it } from 'vitest';
import { countUnread, MessageStore } from '../src/frame/messages';
import { msg } from './fakes';

describe('MessageStore dedupe', () => {
  it('keeps one copy per message id', () => {
    const s = new MessageStore();
    expect(s.upsert(msg(1)).isNew).toBe(true);
    expect(s.upsert(msg(1)).isNew).toBe(false);
    expect(s.list()).toHaveLength(1);
  });

  it('turns a pending own message into the confirmed one, whichever copy comes first', () => {
    const s = new MessageStore();
    s.addPending('c1', 'hi', '2026-11-24T07:00:00Z', 'sending');
    const own = msg(5, { author_type: 'contact', client_msg_id: 'c1', text: 'hi' });
    const first = s.upsert(own); // POST answer
    expect(first.isNew).toBe(false); // not "new": it was on screen already
    expect(first.item.key).toBe('c:c1');
    expect(first.item.state).toBe('sent');
    expect(s.upsert(own).isNew).toBe(false); // socket echo
    s.replaceServer([own]); // history fetch
    expect(s.list()).toHaveLength(1);
    expect(s.isConfirmed('c1')).toBe(true);
  });

  it('orders confirmed messages by id and pending ones after them', () => {
    const s = new MessageStore();
    s.addPending('late', 'queued', '2026-11-24T07:05:00Z', 'queued');
    s.addPending('early', 'queued', '2026-11-24T07:01:00Z', 'queued');
    s.upsert(msg(9));
    s.upsert(msg(3));
    expect(s.list().map((i) => i.key)).toEqual(['m:3', 'm:9', 'c:early', 'c:late']);
    expect(s.maxId()).toBe(9);
  });

  it('resync replaces server messages but keeps unconfirmed own ones', () => {
    const s = new MessageStore();
    s.upsert(msg(1));
    s.upsert(msg(2));
    s.addPending('p', 'still offline', '2026-11-24T07:00:00Z', 'queued');
    s.replaceServer([msg(2), msg(3)]);
    expect(s.list().map((i) => i.key)).toEqual(['m:2', 'm:3', 'c:p']);
  });

  it('a fetch keeps what the server confirmed after it started, not what it no longer has', () => {
    const s = new MessageStore();
    s.upsert(msg(1));
    s.upsert(msg(2)); // gone from the server by the time of the fetch
    const since = s.mark();
    s.addPending('c', 'mine', '2026-11-24T07:00:00Z', 'sending');
    s.upsert(msg(3, { author_type: 'contact', client_msg_id: 'c', text: 'mine' })); // POST answer
    s.replaceServer([msg(1)], since); // read before 3 was written
    expect(s.list().map((i) => [i.key, i.state])).toEqual([
      ['m:1', 'sent'],
      ['c:c', 'sent'],
    ]);
    expect(s.isConfirmed('c')).toBe(true);
    expect(s.maxId()).toBe(3);
    s.replaceServer([msg(1)], s.mark()); // a later fetch without 3: it is gone
    expect(s.list().map((i) => i.key)).toEqual(['m:1']);
  });

  it('only changes the state of unconfirmed messages', () => {
    const s = new MessageStore();
    s.addPending('c', 'x', '', 'sending');
    s.setState('c', 'failed');
    expect(s.list()[0].state).toBe('failed');
    s.upsert(msg(4, { author_type: 'contact', client_msg_id: 'c' }));
    s.setState('c', 'failed');
    expect(s.list()[0].state).toBe('sent');
  });
});

describe('countUnread', () => {
  it('counts replies newer than the last seen id, not own or system messages', () => {
    const s = new MessageStore();
    s.upsert(msg(1));
    s.upsert(msg(2, { author_type: 'contact', client_msg_id: 'a' }));
    s.upsert(msg(3));
    s.upsert(msg(4, { author_type: 'bot' }));
    s.upsert(msg(5, { author_type: 'system' }));
    expect(countUnread(s.list(), 0)).toBe(3);
    expect(countUnread(s.list(), 2)).toBe(2);
    expect(countUnread(s.list(), 5)).toBe(0);
  });
});
