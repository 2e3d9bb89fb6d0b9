/**
 * The visitor's place in the team queue (`GET /widget/queue`, 1 = next).
 *
 * While the visitor waits for the first operator reply the app keeps a watcher running:
 * it asks at once, then every 15 s, and again whenever the socket says the conversation
 * changed (`poke`). One request at a time; a poke during a request asks once more after
 * it. A failed request keeps the last known position. Answers that arrive after `stop()`
 * are dropped, and stopping hides the position.
 */
export class QueueWatcher {
  position: number | null = null;
  private running = false;
  private busy = false;
  private again = false;
  private gen = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ask: () => Promise<number | null>,
    private readonly onChange: (position: number | null) => void,
    private readonly intervalMs = 15000,
  ) {}

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.check();
  }

  stop(): void {
    this.running = false;
    this.gen++; // whatever is in flight now belongs to the past
    this.busy = this.again = false;
    this.clearTimer();
    this.set(null);
  }

  /** Something changed (socket event): ask now instead of at the next tick. */
  poke(): void {
    if (this.running) void this.check();
  }

  private async check(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.busy = true;
    const gen = this.gen;
    let next: number | null | undefined;
    try {
      const p = await this.ask();
      next = typeof p === 'number' && p >= 1 ? Math.floor(p) : null;
    } catch {
      next = undefined; // keep what we showed; try again at the next tick
    }
    if (gen !== this.gen) return;
    this.busy = false;
    if (next !== undefined) this.set(next);
    if (!this.running) return;
    if (this.again) {
      this.again = false;
      void this.check();
    } else {
      this.timer = setTimeout(() => void this.check(), this.intervalMs);
    }
  }

  private set(position: number | null): void {
    if (position === this.position) return;
    this.position = position;
    this.onChange(position);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
