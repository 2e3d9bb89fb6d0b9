/**
 * The visitor's message list. Server messages are keyed by id; the visitor's own
 * messages are keyed by client_msg_id from the moment they are typed, so a pending
 * bubble turns into the confirmed one in place and nothing is ever shown twice —
 * whichever arrives first: the POST answer, the socket event, a history fetch.
 */
import type { Attachment, AuthorType, Message } from './types';

export type Delivery = 'sending' | 'queued' | 'failed' | 'sent';

export interface ChatItem {
  key: string;
  id: number | null;
  clientMsgId: string | null;
  authorType: AuthorType;
  authorName: string | null;
  text: string;
  createdAt: string;
  mine: boolean;
  state: Delivery;
  attachments: Attachment[];
}

export class MessageStore {
  private items = new Map<string, ChatItem>();
  private keyById = new Map<number, string>();
  /** How many messages the server has confirmed so far, and at which count each was. */
  private confirmations = 0;
  private confirmedAt = new Map<string, number>();

  /** Where the confirmations stand: pass it to `replaceServer` with the answer of a fetch
   * started now. */
  mark(): number {
    return this.confirmations;
  }

  /** Insert or confirm a server message. `isNew` is false for anything already known. */
  upsert(m: Message): { item: ChatItem; isNew: boolean } {
    const knownKey = this.keyById.get(m.id);
    if (knownKey) return { item: this.items.get(knownKey)!, isNew: false };
    const mine = m.author_type === 'contact';
    const key = mine && m.client_msg_id ? `c:${m.client_msg_id}` : `m:${m.id}`;
    const pending = this.items.get(key);
    const item: ChatItem = {
      key,
      id: m.id,
      clientMsgId: m.client_msg_id,
      authorType: m.author_type,
      authorName: m.author_name,
      text: m.text,
      createdAt: m.created_at,
      mine,
      state: 'sent',
      attachments: m.attachments ?? [],
    };
    this.items.set(key, item);
    this.keyById.set(m.id, key);
    this.confirmedAt.set(key, ++this.confirmations);
    // A pending bubble becoming "sent" is not a new message.
    return { item, isNew: !pending };
  }

  /** Show a message the visitor just wrote (or one restored from the offline queue). */
  addPending(clientMsgId: string, text: string, createdAt: string, state: Delivery, attachments: Attachment[] = []): ChatItem {
    const key = `c:${clientMsgId}`;
    const existing = this.items.get(key);
    if (existing) return existing;
    const item: ChatItem = {
      key,
      id: null,
      clientMsgId,
      authorType: 'contact',
      authorName: null,
      text,
      createdAt,
      mine: true,
      state,
      attachments,
    };
    this.items.set(key, item);
    return item;
  }

  setState(clientMsgId: string, state: Delivery): void {
    const item = this.items.get(`c:${clientMsgId}`);
    if (item && item.id === null) item.state = state;
  }

  /** Is this client_msg_id already confirmed by the server? */
  isConfirmed(clientMsgId: string): boolean {
    return this.items.get(`c:${clientMsgId}`)?.id != null;
  }

  /**
   * Resync: replace all server state with a fresh fetch, keep unconfirmed own messages.
   * `since` (`mark()` when the fetch started) also keeps what the server confirmed while
   * the fetch was under way (a POST answer, a socket event): the fetch may have read the
   * messages before those were written, and the visitor's own message must not vanish.
   */
  replaceServer(messages: Message[], since = Infinity): void {
    for (const [key, item] of this.items) {
      if (item.id === null || (this.confirmedAt.get(key) ?? 0) > since) continue;
      this.items.delete(key);
      this.keyById.delete(item.id);
      this.confirmedAt.delete(key);
    }
    for (const m of messages) this.upsert(m);
  }

  clear(): void {
    this.items.clear();
    this.keyById.clear();
    this.confirmedAt.clear();
  }

  maxId(): number {
    let max = 0;
    for (const id of this.keyById.keys()) if (id > max) max = id;
    return max;
  }

  /** Confirmed messages by id, then unconfirmed ones in the order they were written. */
  list(): ChatItem[] {
    const all = [...this.items.values()];
    const server = all.filter((i) => i.id !== null).sort((a, b) => a.id! - b.id!);
    const local = all.filter((i) => i.id === null).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    return server.concat(local);
  }

  /** Server messages, for the offline history cache. */
  serverMessages(limit: number): Message[] {
    return this.list()
      .filter((i) => i.id !== null)
      .slice(-limit)
      .map((i) => ({
        id: i.id!,
        conversation_id: 0,
        author_type: i.authorType,
        author_id: null,
        author_name: i.authorName,
        private: false,
        text: i.text,
        client_msg_id: i.clientMsgId,
        created_at: i.createdAt,
        attachments: i.attachments,
      }));
  }
}

/** Replies (not the visitor's own messages) newer than what the visitor has seen. */
export function countUnread(items: readonly ChatItem[], lastSeenId: number): number {
  let n = 0;
  for (const i of items) if (!i.mine && i.id !== null && i.id > lastSeenId && i.authorType !== 'system') n++;
  return n;
}
