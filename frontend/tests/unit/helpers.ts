import { vi } from 'vitest'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Agent, Conversation, Message } from '@/api/types'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import type { SocketLike } from '@/realtime/socket'

/** A WebSocket stand-in that tests drive by hand. */
export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: unknown[] = []
  closedWith: number | null = null
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: CloseEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null

  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }

  static latest(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1]
    if (!s) throw new Error('no socket was opened')
    return s
  }

  static reset(): void {
    FakeSocket.all = []
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }

  close(code = 1000): void {
    this.closedWith = code
    this.readyState = 3
  }

  // ---- driven by the test ----
  open(): void {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) } as MessageEvent)
  }

  drop(code = 1006): void {
    this.readyState = 3
    this.onclose?.({ code } as CloseEvent)
  }
}

let nextMsgId = 1000

export function makeConversation(over: Partial<Conversation> = {}): Conversation {
  const id = over.id ?? 1
  return {
    id,
    inbox_id: 1,
    channel: 'widget',
    contact: { id: 100 + id, name: `Customer ${id}`, email: null },
    status: 'open',
    snooze_until: null,
    assignee_id: null,
    team_id: null,
    priority: 'normal',
    unread_count: 0,
    waiting_since: null,
    last_activity_at: '2026-11-24T07:00:00Z',
    created_at: '2026-11-24T06:00:00Z',
    last_message: null,
    tags: [],
    language: null,
    attributes: {},
    queued_at: null,
    merged_into_id: null,
    subject: null,
    ...over,
  }
}

export function makeMessage(over: Partial<Message> = {}): Message {
  return {
    id: over.id ?? nextMsgId++,
    conversation_id: 1,
    author_type: 'contact',
    author_id: null,
    author_name: 'Customer',
    private: false,
    text: 'hello',
    client_msg_id: null,
    created_at: '2026-11-24T07:00:00Z',
    delivery_status: null,
    delivery_error: null,
    attachments: [],
    mail: null,
    ...over,
  }
}

export type Route = (url: URL, init: RequestInit) => unknown | Promise<unknown>

export interface FetchCall {
  method: string
  path: string
  url: URL
  body: unknown
  headers: Record<string, string>
}

/**
 * Replace global fetch: `routes` maps "METHOD /path" to a handler returning a JSON body,
 * a Response, or throwing (a thrown TypeError is what a real network failure looks like).
 */
export function mockFetch(routes: Record<string, Route>) {
  const calls: FetchCall[] = []
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost')
    const method = (init.method ?? 'GET').toUpperCase()
    const path = url.pathname.replace(/^\/api\/v1/, '')
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    calls.push({ method, path, url, body, headers: (init.headers ?? {}) as Record<string, string> })
    const key = `${method} ${path}`
    const route = routes[key] ?? Object.entries(routes).find(([k]) => matches(k, key))?.[1]
    if (!route) return new Response(JSON.stringify({ error: { code: 'not_found', message: key } }), { status: 404 })
    const result = await route(url, init)
    if (result instanceof Response) return result
    return new Response(JSON.stringify(result ?? {}), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fn)
  return { fn, calls }
}

function matches(pattern: string, key: string): boolean {
  if (!pattern.includes('*')) return false
  const re = new RegExp('^' + pattern.split('*').map(escape).join('[^/]+') + '$')
  return re.test(key)
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

export function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

/** Let pending promises (and zero-delay timers) run, with real or fake timers. */
export async function flush(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 10; i++) await Promise.resolve()
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0)
    else await new Promise((r) => setTimeout(r, 0))
  }
}

/** A server answer held back until the test lets it go (a slow request). */
export function heldAnswer() {
  let release: (body: unknown) => void = () => undefined
  const answer = new Promise<unknown>((resolve) => (release = resolve))
  return { route: () => answer, release }
}

export const ADMIN: Agent = { id: 1, email: 'admin@x', name: 'Admin', role: 'admin', languages: [], status: 'online', active: true, team_ids: [] }

/** A fresh store set, signed in as `me`, with English texts: for mounting settings pages. */
export function signedIn(me: Agent = ADMIN): Pinia {
  const pinia = createPinia()
  setActivePinia(pinia)
  useSessionStore().me = { ...me }
  i18n.global.locale.value = 'en'
  return pinia
}
