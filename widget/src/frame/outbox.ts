/**
 * Offline queue of the visitor's messages, persisted in localStorage so a message
 * written on a dead network survives a reload. Each item keeps its client_msg_id for
 * life: however often it is retried, the server stores it once.
 *
 * Sending is strictly in order: a retryable failure (network, 5xx, 429) stops the
 * flush and keeps the rest queued; a permanent failure (4xx) marks that item failed —
 * the visitor may retry it by hand — and the flush goes on.
 */
import type { KV } from './storage';
import type { Attachment } from './types';
import { newClientMsgId } from './ids';

export interface OutboxItem {
  clientMsgId: string;
  text: string;
  createdAt: string;
  failed?: boolean;
  /** Uploaded files sent with the message (their ids go as `attachment_ids`). */
  files?: Attachment[];
}

export type SendResult = 'sent' | 'retry' | 'failed';

export class Outbox {
  private queue: OutboxItem[];
  private flushing: Promise<boolean> | null = null;
  private again = false;

  constructor(
    private readonly kv: KV,
    private readonly key = 'outbox',
    private readonly now: () => Date = () => new Date(),
    private readonly makeId: () => string = newClientMsgId,
  ) {
    const saved = kv.get<OutboxItem[]>(key);
    this.queue = Array.isArray(saved) ? saved.filter((i) => i && typeof i.clientMsgId === 'string' && typeof i.text === 'string') : [];
  }

  private save(): void {
    if (this.queue.length) this.kv.set(this.key, this.queue);
    else this.kv.remove(this.key);
  }

  items(): readonly OutboxItem[] {
    return this.queue;
  }

  /** Items that a flush will try to send (not the ones marked failed). */
  pending(): OutboxItem[] {
    return this.queue.filter((i) => !i.failed);
  }

  add(text: string, files?: Attachment[]): OutboxItem {
    const item: OutboxItem = { clientMsgId: this.makeId(), text, createdAt: this.now().toISOString() };
    if (files?.length) item.files = files;
    this.queue.push(item);
    this.save();
    return item;
  }

  /** The server has it (POST answer, socket event or history): forget it. */
  remove(clientMsgId: string): boolean {
    const before = this.queue.length;
    this.queue = this.queue.filter((i) => i.clientMsgId !== clientMsgId);
    if (this.queue.length !== before) this.save();
    return this.queue.length !== before;
  }

  markFailed(clientMsgId: string): void {
    const item = this.queue.find((i) => i.clientMsgId === clientMsgId);
    if (item) {
      item.failed = true;
      this.save();
    }
  }

  /** The visitor pressed "retry": queue it again (same client_msg_id). */
  retry(clientMsgId: string): boolean {
    const item = this.queue.find((i) => i.clientMsgId === clientMsgId);
    if (!item) return false;
    delete item.failed;
    this.save();
    return true;
  }

  /**
   * Send pending items one by one, in order. Only one flush runs at a time; a flush
   * asked for while one runs makes it go round once more. Resolves true when nothing
   * retryable is left, false when it stopped on a retryable failure.
   */
  flush(send: (item: OutboxItem) => Promise<SendResult>): Promise<boolean> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    const run = async (): Promise<boolean> => {
      for (;;) {
        this.again = false;
        let stopped = false;
        for (const item of this.pending()) {
          if (!this.queue.includes(item)) continue; // confirmed meanwhile (socket)
          let result: SendResult;
          try {
            result = await send(item);
          } catch {
            result = 'retry';
          }
          if (result === 'sent') this.remove(item.clientMsgId);
          else if (result === 'failed') this.markFailed(item.clientMsgId);
          else {
            stopped = true;
            break;
          }
        }
        if (stopped) return false;
        if (!this.again) return true;
      }
    };
    this.flushing = run().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  get busy(): boolean {
    return this.flushing !== null;
  }
}
