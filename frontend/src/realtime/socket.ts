// A resumable WebSocket client for the Otklik event log (docs/api.md, "WebSocket protocol").
//
//  * first frame is `hello {last_event_id}`; the server replays what we missed, then `ready`;
//  * every event frame has an increasing numeric id: a frame whose id we already applied is
//    dropped, so a replay that overlaps what we saw never applies twice;
//  * `resync` means "too far behind": the owner refetches over HTTP and we continue from M;
//  * silence for 45 s (no heartbeat, no pong) counts as a dead connection;
//  * after a drop we reconnect with exponential backoff and jitter, and resume from the last id.
import type { ClientFrame, EventFrame, ServerFrame, TransientFrame } from '@/api/types'

export type ConnectionState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'closed'

/** The subset of the browser WebSocket that we use (lets tests pass a fake). */
export interface SocketLike {
  readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onclose: ((ev: CloseEvent) => unknown) | null
  onerror: ((ev: Event) => unknown) | null
}

export interface ReadyInfo {
  /** true when we started "from now" (hello with null): the owner must fetch state over HTTP */
  fresh: boolean
  lastEventId: number | null
}

export interface SocketHandlers {
  onEvent(frame: EventFrame): void
  onTransient?(frame: TransientFrame): void
  onReady?(info: ReadyInfo): void
  onResync?(lastEventId: number | null): void
  onState?(state: ConnectionState): void
  onAuthFailed?(): void
}

export interface SocketOptions {
  url: () => string
  createSocket?: (url: string) => SocketLike
  baseDelayMs?: number
  maxDelayMs?: number
  silenceTimeoutMs?: number
  pingIntervalMs?: number
  random?: () => number
}

const OPEN = 1
export const AUTH_CLOSE_CODE = 4401

export class ResumableSocket {
  private ws: SocketLike | null = null
  private _state: ConnectionState = 'idle'
  private _lastEventId: number | null = null
  private attempt = 0
  private helloWasFresh = false
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private silenceTimer: ReturnType<typeof setTimeout> | null = null
  private pingTimer: ReturnType<typeof setInterval> | null = null
  private readonly opts: Required<SocketOptions>

  constructor(
    private readonly handlers: SocketHandlers,
    options: SocketOptions,
  ) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      silenceTimeoutMs: 45_000,
      pingIntervalMs: 20_000,
      random: Math.random,
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SocketOptions),
    }
  }

  get state(): ConnectionState {
    return this._state
  }

  get lastEventId(): number | null {
    return this._lastEventId
  }

  /** Number of consecutive failed attempts since the last `ready`. */
  get failedAttempts(): number {
    return this.attempt
  }

  start(lastEventId: number | null = null): void {
    this._lastEventId = lastEventId
    this.attempt = 0
    this.open()
  }

  stop(): void {
    this.clearTimers()
    this.detach(true)
    this.setState('closed')
  }

  /** Skip the backoff wait (e.g. the browser says the network is back). */
  reconnectNow(): void {
    if (this._state !== 'reconnecting') return
    this.attempt = 0
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
    this.open()
  }

  /** Send a frame if the socket is open and past the hello; false when it could not be sent. */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== OPEN || this._state !== 'live') return false
    this.ws.send(JSON.stringify(frame))
    return true
  }

  /** Delay before the next attempt: base·2^n capped, with 50–100 % jitter. */
  nextDelay(): number {
    const raw = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** this.attempt)
    return Math.round(raw * (0.5 + this.opts.random() * 0.5))
  }

  // ---- internals -------------------------------------------------------------------------

  private setState(state: ConnectionState): void {
    if (this._state === state) return
    this._state = state
    this.handlers.onState?.(state)
  }

  private open(): void {
    this.detach(true)
    if (this._state !== 'reconnecting') this.setState('connecting')
    let ws: SocketLike
    try {
      ws = this.opts.createSocket(this.opts.url())
    } catch {
      this.scheduleReconnect()
      return
    }
    this.ws = ws
    ws.onopen = () => {
      this.helloWasFresh = this._lastEventId === null
      ws.send(JSON.stringify({ type: 'hello', last_event_id: this._lastEventId }))
      this.armSilenceTimer()
    }
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return
      this.armSilenceTimer()
      this.handleFrame(String(ev.data))
    }
    ws.onerror = () => {
      // onclose follows; nothing to do here
    }
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.ws = null
      if (ev.code === AUTH_CLOSE_CODE) {
        this.authFailed()
        return
      }
      this.scheduleReconnect()
    }
  }

  private handleFrame(raw: string): void {
    let frame: ServerFrame
    try {
      frame = JSON.parse(raw) as ServerFrame
    } catch {
      return
    }
    if (typeof frame !== 'object' || frame === null) return
    if ('id' in frame) {
      if (typeof frame.id === 'number') this.handleEvent(frame)
      return
    }
    switch (frame.type) {
      case 'ready': {
        const id = typeof frame.last_event_id === 'number' ? frame.last_event_id : null
        if (id !== null && (this._lastEventId === null || id > this._lastEventId)) this._lastEventId = id
        this.attempt = 0
        this.setState('live')
        this.startPing()
        this.handlers.onReady?.({ fresh: this.helloWasFresh, lastEventId: this._lastEventId })
        break
      }
      case 'resync': {
        const id = typeof frame.last_event_id === 'number' ? frame.last_event_id : null
        this._lastEventId = id
        this.attempt = 0
        this.setState('live')
        this.startPing()
        this.handlers.onResync?.(id)
        break
      }
      case 'typing':
      case 'presence':
        this.handlers.onTransient?.(frame satisfies TransientFrame)
        break
      case 'error':
        if (frame.code === 'unauthorized') this.authFailed()
        break
      default:
        // heartbeat, pong and unknown frames only feed the silence timer
        break
    }
  }

  private handleEvent(frame: EventFrame): void {
    if (this._lastEventId !== null && frame.id <= this._lastEventId) return // already applied
    this._lastEventId = frame.id
    try {
      this.handlers.onEvent(frame)
    } catch (err) {
      console.error('otklik: failed to apply event', frame.type, err)
    }
  }

  private authFailed(): void {
    this.clearTimers()
    this.detach(true)
    this.setState('closed')
    this.handlers.onAuthFailed?.()
  }

  private scheduleReconnect(): void {
    this.clearTimers()
    this.detach(false)
    if (this._state === 'closed') return
    this.setState('reconnecting')
    const delay = this.nextDelay()
    this.attempt += 1
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.open()
    }, delay)
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer)
    this.silenceTimer = setTimeout(() => {
      // Half-open connections may never fire onclose: drop it ourselves.
      this.scheduleReconnect()
    }, this.opts.silenceTimeoutMs)
  }

  private startPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.pingTimer = setInterval(() => {
      if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify({ type: 'ping' }))
    }, this.opts.pingIntervalMs)
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    if (this.silenceTimer) clearTimeout(this.silenceTimer)
    if (this.pingTimer) clearInterval(this.pingTimer)
    this.reconnectTimer = this.silenceTimer = this.pingTimer = null
  }

  /** Forget the current socket; `close` it too unless it already closed. */
  private detach(close: boolean): void {
    const ws = this.ws
    this.ws = null
    if (!ws) return
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
    if (close || ws.readyState === OPEN || ws.readyState === 0) {
      try {
        ws.close(1000)
      } catch {
        // ignore
      }
    }
  }
}
