/**
 * Visitor typing frames, throttled: `typing: true` at most once per `throttleMs` while
 * keys are pressed, `typing: false` after `idleMs` without input or when the message
 * is sent.
 */
export class TypingSender {
  private active = false;
  private lastSent = -Infinity;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly throttleMs = 3000,
    private readonly idleMs = 4000,
    private readonly now: () => number = () => Date.now(),
  ) {}

  input(empty = false): void {
    if (empty) {
      this.stop();
      return;
    }
    const t = this.now();
    if (!this.active || t - this.lastSent >= this.throttleMs) {
      this.send(true);
      this.lastSent = t;
      this.active = true;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
  }

  stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.active) {
      this.active = false;
      this.lastSent = -Infinity;
      this.send(false);
    }
  }
}

/**
 * The operator's typing indicator: shown on `typing: true`, hidden on `typing: false`,
 * on their message, or after `timeoutMs` if the `false` frame got lost.
 */
export class TypingIndicator {
  name: string | null = null;
  visible = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly onChange: (visible: boolean, name: string | null) => void,
    private readonly timeoutMs = 8000,
  ) {}

  update(typing: boolean, name: string | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (typing) {
      this.timer = setTimeout(() => this.update(false, null), this.timeoutMs);
    }
    const changed = this.visible !== typing || (typing && this.name !== name);
    this.visible = typing;
    this.name = typing ? name : null;
    if (changed) this.onChange(this.visible, this.name);
  }
}
