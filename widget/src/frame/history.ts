/**
 * The visitor's recent messages kept in the frame's storage, so a returning page shows the
 * chat before the network answers; saved at most once per burst of renders.
 */
import type { KV } from './storage';
import type { Message } from './types';

const KEY = 'history';
/** Messages kept. */
export const HISTORY_LIMIT = 50;
const SAVE_DELAY_MS = 300;

export class CachedHistory {
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly kv: KV) {}

  read(): Message[] {
    const cached = this.kv.get<Message[]>(KEY);
    return Array.isArray(cached) ? cached : [];
  }

  /** Save ``take()`` soon, unless a save is already due (it will take the latest). */
  saveSoon(take: () => Message[] | null): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const messages = take();
      if (messages) this.kv.set(KEY, messages);
    }, SAVE_DELAY_MS);
  }

  forget(): void {
    this.kv.remove(KEY);
  }
}
