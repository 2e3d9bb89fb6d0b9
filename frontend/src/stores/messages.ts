import { ref } from 'vue'
import { defineStore } from 'pinia'
import { conversations as api } from '@/api/client'
import { retryDelivery as retryDeliveryApi } from '@/api/delivery'
import type { Message } from '@/api/types'

const PAGE = 50

export interface Thread {
  items: Message[]
  hasMore: boolean
  loaded: boolean
  loading: boolean
  /** cached but possibly behind (after a resync): refetched when opened again */
  stale: boolean
  error: string | null
}

/**
 * Insert or replace a message, deduplicated by id and by client_msg_id, kept sorted by id.
 * Returns true when something changed.
 */
export function upsertMessage(items: Message[], msg: Message): boolean {
  const idx = items.findIndex(
    (m) => m.id === msg.id || (msg.client_msg_id !== null && m.client_msg_id === msg.client_msg_id),
  )
  if (idx >= 0) {
    items.splice(idx, 1)
  }
  let at = items.length
  while (at > 0 && items[at - 1]!.id > msg.id) at--
  items.splice(at, 0, msg)
  return idx < 0
}

/** Replace a message that is already here (same id), in place. Returns true when it was here. */
export function replaceMessage(items: Message[], msg: Message): boolean {
  const idx = items.findIndex((m) => m.id === msg.id)
  if (idx < 0) return false
  items.splice(idx, 1, msg)
  return true
}

export function mergeMessages(items: Message[], incoming: Message[]): void {
  for (const m of incoming) upsertMessage(items, m)
}

/** Messages of every conversation opened in this tab: switching back is instant. */
export const useMessagesStore = defineStore('messages', () => {
  const threads = ref<Record<number, Thread>>({})

  function thread(id: number): Thread {
    let t = threads.value[id]
    if (!t) {
      threads.value[id] = { items: [], hasMore: false, loaded: false, loading: false, stale: false, error: null }
      t = threads.value[id]!
    }
    return t
  }

  /** Load the newest page unless cached and current. */
  async function open(id: number): Promise<void> {
    const t = thread(id)
    if ((t.loaded && !t.stale) || t.loading) return
    await refetch(id)
  }

  async function refetch(id: number): Promise<void> {
    const t = thread(id)
    t.loading = true
    t.error = null
    try {
      const page = await api.messages(id, null, PAGE)
      const wasLoaded = t.loaded && !t.stale
      if (!wasLoaded) {
        // keep messages that arrived by event during the fetch
        const newer = t.items.filter((m) => m.id > (page.items[page.items.length - 1]?.id ?? 0))
        t.items = [...page.items]
        mergeMessages(t.items, newer)
        t.hasMore = page.has_more
      } else {
        mergeMessages(t.items, page.items)
      }
      t.loaded = true
      t.stale = false
    } catch (err) {
      t.error = err instanceof Error ? err.message : String(err)
    } finally {
      t.loading = false
    }
  }

  async function loadOlder(id: number): Promise<void> {
    const t = thread(id)
    const first = t.items[0]
    if (!t.hasMore || t.loading || !first) return
    t.loading = true
    try {
      const page = await api.messages(id, first.id, PAGE)
      mergeMessages(t.items, page.items)
      t.hasMore = page.has_more
    } finally {
      t.loading = false
    }
  }

  /** A message from an event or from our own POST; ignored for conversations not cached. */
  function receive(msg: Message): void {
    const t = threads.value[msg.conversation_id]
    if (!t || (!t.loaded && !t.loading)) return
    upsertMessage(t.items, msg)
  }

  /**
   * A message changed (`message.updated`: a channel reported delivery). Only messages already
   * shown are replaced: one not loaded yet (an older page) arrives with its page, up to date.
   */
  function update(msg: Message): void {
    const t = threads.value[msg.conversation_id]
    if (t) replaceMessage(t.items, msg)
  }

  /**
   * Send a failed reply through its channel again. The answer (`pending`) is not applied: the
   * retry's own `message.updated` and the channel's verdict come as events, in order, and a
   * fast verdict may arrive before this answer does; applying the answer then would undo it.
   */
  async function retryDelivery(conversationId: number, messageId: number): Promise<void> {
    await retryDeliveryApi(conversationId, messageId)
  }

  /** After a resync: every cached thread but the open one may have missed messages. */
  function markAllStale(exceptId: number | null): void {
    for (const [key, t] of Object.entries(threads.value)) {
      if (Number(key) !== exceptId) t.stale = true
    }
  }

  function reset(): void {
    threads.value = {}
  }

  return { threads, thread, open, refetch, loadOlder, receive, update, retryDelivery, markAllStale, reset }
})
