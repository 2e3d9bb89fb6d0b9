/**
 * The visitor's resumable WebSocket (docs/api.md, "WebSocket protocol").
 *
 *   idle ─start→ connecting ─open→ syncing (hello sent, replay arriving)
 *   syncing ─ready→ live          syncing|live ─resync→ live (+ refetch over HTTP)
 *   any ─close / 45 s of silence→ waiting ─backoff→ connecting
 *   any ─close 4401 (bad token)→ stopped (the app makes a new session and starts again)
 *
 * It remembers the id of the last event it applied and sends it in `hello`, so the
 * server replays exactly what was missed. Events at or below that id are dropped.
 * The visitor token goes in `hello` too, never in the address (addresses land in logs).
 */
import type { VisitorEventFrame, VisitorFrame, VisitorTransientFrame } from '../generated/events';

export type SocketState = 'idle' | 'connecting' | 'syncing' | 'live' | 'waiting' | 'stopped';

/** An event of the log (generated from the server's models: src/otklik/frames.py). */
export type EventFrame = VisitorEventFrame;

export interface SocketHandlers {
  /** An event (has an id), each delivered at most once. */
  onEvent(frame: EventFrame): void;
  /** A transient frame (typing, presence). */
  onTransient?(frame: VisitorTransientFrame): void;
  /** Replay finished. `fresh`: we said hello with null, so the app must fetch state now. */
  onReady?(info: { fresh: boolean }): void;
  /** Too far behind: drop local state and refetch over HTTP. */
  onResync?(): void;
  onState?(state: SocketState): void;
  /** The server refused the token (close code 4401 or an `unauthorized` error frame). */
  onUnauthorized?(): void;
}

export interface SocketOptions {
  url: () => string;
  /** The credential sent in `hello` (read at each connect: it may have been rotated). */
  token?: () => string | null;
  WebSocketImpl?: { new (url: string): WebSocket };
  /** Reconnect when nothing (not even a heartbeat) arrived for this long. */
  silenceMs?: number;
  /** Send `ping` this often while connected. */
  pingMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

/** Exponential backoff with jitter: base·2^attempt capped at max, then 50–100 % of it. */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export class ResumableSocket {
  state: SocketState = 'idle';
  lastEventId: number | null = null;
  attempts = 0;
  private ws: WebSocket | null = null;
  private helloWasNull = true;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly o: Required<SocketOptions>;

  constructor(
    private readonly h: SocketHandlers,
    opts: SocketOptions,
  ) {
    this.o = {
      url: opts.url,
      token: opts.token ?? (() => null),
      // `?? default` rather than spreading opts: an explicit undefined must not win.
      WebSocketImpl: opts.WebSocketImpl ?? globalThis.WebSocket,
      silenceMs: opts.silenceMs ?? 45000,
      pingMs: opts.pingMs ?? 20000,
      backoffBaseMs: opts.backoffBaseMs ?? 1000,
      backoffMaxMs: opts.backoffMaxMs ?? 30000,
      random: opts.random ?? Math.random,
    };
  }

  private set(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    this.h.onState?.(state);
  }

  start(): void {
    if (this.state !== 'idle' && this.state !== 'stopped' && this.state !== 'waiting') return;
    this.clearRetry();
    this.connect();
  }

  /** Skip the backoff wait (the browser says the network is back). */
  reconnectNow(): void {
    if (this.state === 'waiting') {
      this.attempts = 0;
      this.clearRetry();
      this.connect();
    }
  }

  stop(): void {
    this.teardown();
    this.clearRetry();
    this.set('stopped');
  }

  /** Forget the stream position (new visitor token): next hello says null. */
  reset(): void {
    this.lastEventId = null;
  }

  /** Send a client frame; dropped unless connected (typing frames are not worth queueing). */
  send(frame: Record<string, unknown>): boolean {
    if (!this.ws || this.ws.readyState !== 1 || (this.state !== 'live' && this.state !== 'syncing')) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  private connect(): void {
    this.teardown();
    this.set('connecting');
    let ws: WebSocket;
    try {
      ws = new this.o.WebSocketImpl(this.o.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.helloWasNull = this.lastEventId === null;
      const token = this.o.token();
      ws.send(JSON.stringify(token ? { type: 'hello', last_event_id: this.lastEventId, token } : { type: 'hello', last_event_id: this.lastEventId }));
      this.set('syncing');
      this.armSilence();
      this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.o.pingMs);
    };
    ws.onmessage = (e: MessageEvent) => {
      if (this.ws !== ws) return;
      this.armSilence();
      let frame: VisitorFrame;
      try {
        frame = JSON.parse(String(e.data)) as VisitorFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object') this.handle(frame);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearConnTimers();
      if (e.code === 4401 || e.code === 4403) {
        this.set('stopped');
        this.h.onUnauthorized?.();
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => {
      /* a close event follows */
    };
  }

  private handle(frame: VisitorFrame): void {
    if ('id' in frame) {
      if (typeof frame.id !== 'number') return;
      if (this.lastEventId !== null && frame.id <= this.lastEventId) return; // already applied
      this.lastEventId = frame.id;
      this.h.onEvent(frame);
      return;
    }
    switch (frame.type) {
      case 'ready': {
        const m = frame.last_event_id;
        if (typeof m === 'number' && (this.lastEventId === null || m > this.lastEventId)) this.lastEventId = m;
        this.attempts = 0;
        const fresh = this.helloWasNull;
        this.helloWasNull = false;
        this.set('live');
        this.h.onReady?.({ fresh });
        break;
      }
      case 'resync': {
        const m = frame.last_event_id;
        this.lastEventId = typeof m === 'number' ? m : null;
        this.attempts = 0;
        this.helloWasNull = false;
        this.set('live');
        this.h.onResync?.();
        break;
      }
      case 'error':
        if (frame.code === 'unauthorized') {
          const ws = this.ws;
          this.teardown();
          if (ws) {
            this.set('stopped');
            this.h.onUnauthorized?.();
          }
        }
        break;
      case 'heartbeat':
      case 'pong':
        break;
      default:
        this.h.onTransient?.(frame);
    }
  }

  private armSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      // Half-open connection: the close event may take minutes, so don't wait for it.
      this.teardown();
      this.scheduleRetry();
    }, this.o.silenceMs);
  }

  private scheduleRetry(): void {
    this.clearRetry();
    this.set('waiting');
    const delay = backoffDelay(this.attempts++, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private clearConnTimers(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.silenceTimer = null;
    this.pingTimer = null;
  }

  private teardown(): void {
    this.clearConnTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        /* ignore */
      }
    }
  }
}
