/**
 * Whether someone is online to answer, heard live (issue 12).
 *
 * The server sends `agents_online` on the inbox's stream whenever it changes. A visitor's own
 * socket hears it; a widget with no visitor yet (the offline form, nothing sent) opens this
 * small socket with the inbox's public key instead, and closes it once it is not needed. So
 * the offline form gives way to the chat the moment an operator comes online.
 */
import { ResumableSocket } from './socket';

/** While the offline form is up the config is also asked again this often (a safety net). */
export const CONFIG_RECHECK_MS = 60000;

export class AvailabilitySocket {
  private socket: ResumableSocket | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly url: () => string,
    private readonly onChange: (online: boolean) => void,
    private readonly recheck: () => Promise<void>,
    private readonly WebSocketImpl?: { new (url: string): WebSocket },
  ) {}

  /** `showing`: the offline form is up (the config is re-asked too); `listen`: hear it here
   * (an open widget with no visitor socket). */
  watch(showing: boolean, listen: boolean): void {
    if (listen) this.start();
    else this.stop();
    if (showing && !this.timer) this.timer = setInterval(() => void this.recheck(), CONFIG_RECHECK_MS);
    else if (!showing && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get running(): boolean {
    return this.socket !== null;
  }

  start(): void {
    if (!this.socket) {
      this.socket = new ResumableSocket(
        {
          onEvent: () => undefined,
          onTransient: (f) => {
            if (f.type === 'agents_online') this.onChange(f.online);
          },
        },
        { url: this.url, WebSocketImpl: this.WebSocketImpl },
      );
    }
    this.socket.start();
  }

  stop(): void {
    this.socket?.stop();
    this.socket = null;
  }
}

/** The visitor socket's address with the inbox's public key (not a secret) for the above. */
export function availabilityUrl(wsUrl: string, inboxKey: string): string {
  return `${wsUrl}${wsUrl.includes('?') ? '&' : '?'}inbox_key=${encodeURIComponent(inboxKey)}`;
}
