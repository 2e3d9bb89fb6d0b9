/**
 * The visitor's messages on their way out: a message (and the files uploaded for it) goes
 * into the persistent outbox and shows at once as pending; the outbox is flushed in order,
 * retried with backoff while the network or the server is down, and each answer from the
 * server replaces its pending copy. Split out of the app controller, which owns the session.
 */
import { ApiError, isRetryable, type Api } from './api';
import type { MessageStore } from './messages';
import type { Outbox, OutboxItem, SendResult } from './outbox';
import { backoffDelay } from './socket';
import type { Message } from './types';
import type { Uploads } from './uploads';

export interface SendingHost {
  readonly api: Api;
  readonly outbox: Outbox;
  readonly store: MessageStore;
  readonly files: Uploads;
  online(): boolean;
  render(): void;
  /** "Wait for the files to finish uploading" */
  waitForUploads(): void;
  /** A message is leaving: stop typing and article suggestions. */
  leaving(): void;
  /** The visitor's token (a new session's when there is none). */
  session(): Promise<string>;
  /** The token was refused: trade it for a fresh one before the next try. */
  tokenRefused(): void;
  /** The server stored the message: this is its answer. */
  delivered(message: Message): void;
}

export class Sending {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;

  constructor(private readonly host: SendingHost) {}

  /** Queue a message with the files uploaded for it; false when there is nothing to send or
   * an upload is still running. */
  send(text: string): boolean {
    const { files, outbox, store } = this.host;
    if (files.busy()) {
      this.host.waitForUploads();
      return false;
    }
    const ready = files.ready();
    if (!text.trim() && !ready.length) return false;
    files.dropReady();
    this.host.leaving();
    const item = outbox.add(text, ready);
    store.addPending(item.clientMsgId, text, item.createdAt, this.host.online() ? 'sending' : 'queued', ready);
    this.host.render();
    void this.flush();
    return true;
  }

  /** The visitor asked to try a failed message again. */
  retry(clientMsgId: string): void {
    if (!this.host.outbox.retry(clientMsgId)) return;
    this.host.store.setState(clientMsgId, 'sending');
    this.host.render();
    void this.flush();
  }

  /** Send whatever is queued, in order; on a retryable failure try again later. */
  async flush(): Promise<void> {
    if (!this.host.outbox.pending().length) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const done = await this.host.outbox.flush((item) => this.sendOne(item));
    if (done) {
      this.attempts = 0;
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), backoffDelay(this.attempts++, 1000, 30000));
    }
  }

  private async sendOne(item: OutboxItem): Promise<SendResult> {
    const { store } = this.host;
    const cid = item.clientMsgId;
    if (store.isConfirmed(cid)) return 'sent';
    store.setState(cid, 'sending');
    this.host.render();
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await this.host.session();
        const ids = item.files?.map((f) => f.id);
        const body = ids?.length ? { client_msg_id: cid, text: item.text, attachment_ids: ids } : { client_msg_id: cid, text: item.text };
        this.host.delivered(await this.host.api.send(token, body));
        return 'sent';
      } catch (e) {
        if (e instanceof ApiError && e.status === 401 && attempt === 0) {
          // Trade the token first: the server resumes this visitor if it can (they may have
          // been joined to an earlier contact meanwhile), else answers a new visitor.
          this.host.tokenRefused();
          continue;
        }
        const retry = isRetryable(e);
        store.setState(cid, retry ? 'queued' : 'failed');
        this.host.render();
        return retry ? 'retry' : 'failed';
      }
    }
  }
}
