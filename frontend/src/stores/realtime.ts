import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import type { ClientFrame, EventFrame, TransientFrame } from '@/api/types'
import { applyEvent } from '@/realtime/apply'
import { reportActivity, type ActivityReporter } from '@/realtime/activity'
import { ResumableSocket, type ConnectionState, type SocketLike } from '@/realtime/socket'
import { useAgentsStore } from './agents'
import { useChannelHealthStore } from './channelHealth'
import { useConversationsStore } from './conversations'
import { useEscalationsStore } from './escalations'
import { useMentionsStore } from './mentions'
import { useMessagesStore } from './messages'
import { useOutboxStore } from './outbox'
import { useSessionStore } from './session'
import { useSurveysStore } from './surveys'
import { useTypingStore } from './typing'

/** If the socket is not ready by then, show the list over HTTP anyway. */
const HTTP_FALLBACK_MS = 2000

export function socketUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}/api/v1/ws`
}

/**
 * Owns the resumable socket and turns its callbacks into store updates:
 * fresh start or `resync` → refetch over HTTP (events arriving meanwhile are buffered and
 * applied after, in order), replay → events applied as they come, `ready` → queued
 * messages are sent.
 */
export const useRealtimeStore = defineStore('realtime', () => {
  const state = ref<ConnectionState>('idle')
  const everLive = ref(false)
  const syncing = ref(false)
  let socket: ResumableSocket | null = null
  let buffer: EventFrame[] = []
  let fallbackTimer: ReturnType<typeof setTimeout> | null = null
  let createSocket: ((url: string) => SocketLike) | undefined
  let activity: ActivityReporter | null = null

  /** The banner: we had a connection (or tried) and it is not live now. */
  const disconnected = computed(
    () => state.value === 'reconnecting' || (everLive.value && state.value === 'connecting'),
  )

  /** How many live events this tab has heard (views that show a summary refetch on it). */
  const heard = ref(0)

  function dispatch(frame: EventFrame): void {
    heard.value++
    if (syncing.value) buffer.push(frame)
    else applyEvent(frame)
  }

  function onTransient(frame: TransientFrame): void {
    if (frame.type === 'typing') useTypingStore().receive(frame, useSessionStore().myId)
    else if (frame.type === 'presence') useAgentsStore().setPresence(frame.agent_id, frame.status)
  }

  /** Drop what may be behind and fetch it again; nothing that happens meanwhile is lost. */
  async function resync(): Promise<void> {
    if (syncing.value) return
    syncing.value = true
    buffer = []
    const conversations = useConversationsStore()
    const messages = useMessagesStore()
    try {
      messages.markAllStale(null)
      const active = conversations.activeId
      await Promise.all([
        conversations.fetchList(true).catch(() => undefined),
        active === null ? Promise.resolve() : messages.refetch(active),
        active === null ? Promise.resolve() : conversations.ensure(active).catch(() => undefined),
        useChannelHealthStore().load().catch(() => undefined),
        useMentionsStore().load(),
        // Lists that follow frames, loaded when a conversation opened: a frame committed
        // before this socket was live reaches them only this way (CI missed a survey so).
        useSurveysStore().refresh(active).catch(() => undefined),
        useEscalationsStore().refresh(active),
      ])
    } finally {
      syncing.value = false
      const pending = buffer
      buffer = []
      for (const frame of pending) applyEvent(frame)
    }
  }

  function setState(s: ConnectionState): void {
    state.value = s
    if (s !== 'live') useOutboxStore().setOnline(false)
  }

  async function afterReady(fresh: boolean): Promise<void> {
    everLive.value = true
    if (fallbackTimer) clearTimeout(fallbackTimer)
    fallbackTimer = null
    if (fresh) await resync()
    useOutboxStore().setOnline(state.value === 'live')
  }

  function start(): void {
    if (socket) return
    socket = new ResumableSocket(
      {
        onEvent: dispatch,
        onTransient,
        onState: setState,
        onReady: (info) => void afterReady(info.fresh),
        onResync: () => {
          everLive.value = true
          void resync().then(() => useOutboxStore().setOnline(state.value === 'live'))
        },
        onAuthFailed: () => {
          useSessionStore().clear()
        },
      },
      { url: socketUrl, createSocket },
    )
    socket.start(null)
    fallbackTimer = setTimeout(() => {
      fallbackTimer = null
      if (!everLive.value) void resync()
    }, HTTP_FALLBACK_MS)
    window.addEventListener('online', onBrowserOnline)
    activity = reportActivity(() => send({ type: 'activity' }))
  }

  function onBrowserOnline(): void {
    socket?.reconnectNow()
  }

  function stop(): void {
    window.removeEventListener('online', onBrowserOnline)
    activity?.stop()
    activity = null
    if (fallbackTimer) clearTimeout(fallbackTimer)
    fallbackTimer = null
    socket?.stop()
    socket = null
    everLive.value = false
    buffer = []
    state.value = 'idle'
  }

  function send(frame: ClientFrame): boolean {
    return socket?.send(frame) ?? false
  }

  function reconnectNow(): void {
    socket?.reconnectNow()
  }

  /** Tests pass a fake WebSocket factory. */
  function useSocketFactory(factory: ((url: string) => SocketLike) | undefined): void {
    createSocket = factory
  }

  return { state, everLive, heard, syncing, disconnected, start, stop, send, reconnectNow, resync, useSocketFactory }
})
