/**
 * What the visitor has seen: the newest message id they saw (kept across page loads), and the
 * unread count last told to the host page (told again only when it changes).
 */
import type { KV } from './storage';
import { countUnread, type ChatItem } from './messages';

export class UnreadTracker {
  private lastSeenId: number | null;
  private posted = -1;

  constructor(
    private readonly kv: KV,
    private readonly post: (count: number) => void,
  ) {
    this.lastSeenId = kv.get<number>('seen');
  }

  /** Nothing seen yet (a new visitor, or the history was just loaded for the first time). */
  get none(): boolean {
    return this.lastSeenId === null;
  }

  seeUpTo(id: number): void {
    if (this.lastSeenId === null || id > this.lastSeenId) {
      this.lastSeenId = id;
      this.kv.set('seen', id);
    }
  }

  forget(): void {
    this.lastSeenId = null;
    this.kv.remove('seen');
  }

  /** Count again, as of ``items``; the host page hears a changed count. */
  update(items: readonly ChatItem[]): void {
    const count = this.lastSeenId === null ? 0 : countUnread(items, this.lastSeenId);
    if (count !== this.posted) {
      this.posted = count;
      this.post(count);
    }
  }
}
