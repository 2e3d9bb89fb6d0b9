import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { conversations as api } from '@/api/client'
import type { Attachment } from '@/api/attachments'
import { ApiError, isNetworkError } from '@/api/http'
import type { Message } from '@/api/types'
import { loadJson, saveJson } from '@/utils/storage'
import { uuid } from '@/utils/uuid'
import { useMessagesStore } from './messages'
import { useReplySubjectStore } from './replySubject'

export type OutboxState = 'queued' | 'sending' | 'failed'

export interface OutboxItem {
  conversation_id: number
  client_msg_id: string
  text: string
  private: boolean
  /** uploaded already; sent as `attachment_ids` (kept whole to show them while pending) */
  attachments: Attachment[]
  /** an email reply's subject (taken from the subject field when it was sent) */
  subject?: string
  created_at: string
  state: OutboxState
  error: string | null
}

const RETRY_MS = 5000
const keyFor = (agentId: number) => `otklik.outbox.${agentId}`

/**
 * Messages the operator sent that the server has not confirmed yet. Persisted, so a message
 * typed offline survives a reload; sent in order once the socket is live again. Every item
 * keeps its client_msg_id, so a retry of a message that did arrive is answered with the
 * original (the server dedupes) and never makes a duplicate.
 */
export const useOutboxStore = defineStore('outbox', () => {
  const items = ref<OutboxItem[]>([])
  const agentId = ref<number | null>(null)
  /** whether sending is worth trying now (the realtime store sets it) */
  const online = ref(false)
  let running = false
  let current: Promise<void> | null = null
  let again = false
  let retryTimer: ReturnType<typeof setTimeout> | null = null

  function persist(): void {
    if (agentId.value === null) return
    saveJson(keyFor(agentId.value), items.value)
  }

  function load(id: number): void {
    agentId.value = id
    const stored = loadJson<OutboxItem[]>(keyFor(id), [])
    // a send cut short by a reload may or may not have arrived: sending again is safe
    items.value = Array.isArray(stored)
      ? stored.map((i) => ({ ...i, attachments: i.attachments ?? [], state: i.state === 'sending' ? 'queued' : i.state }))
      : []
  }

  function forConversation(id: number): OutboxItem[] {
    return items.value.filter((i) => i.conversation_id === id)
  }

  const pendingCount = computed(() => items.value.filter((i) => i.state !== 'failed').length)

  function enqueue(conversationId: number, text: string, isPrivate: boolean, attachments: Attachment[] = []): OutboxItem {
    const item: OutboxItem = {
      conversation_id: conversationId,
      client_msg_id: uuid(),
      text,
      private: isPrivate,
      attachments,
      subject: isPrivate ? undefined : useReplySubjectStore().take(conversationId),
      created_at: new Date().toISOString(),
      state: 'queued',
      error: null,
    }
    items.value.push(item)
    persist()
    if (online.value) void flush()
    return item
  }

  function find(clientMsgId: string): OutboxItem | undefined {
    return items.value.find((i) => i.client_msg_id === clientMsgId)
  }

  function update(clientMsgId: string, patch: Partial<OutboxItem>): void {
    const idx = items.value.findIndex((i) => i.client_msg_id === clientMsgId)
    if (idx < 0) return
    items.value[idx] = { ...items.value[idx]!, ...patch }
    persist()
  }

  /** The server confirmed a message (our POST answer or its message.created event). */
  function confirm(msg: Message): void {
    if (!msg.client_msg_id || !find(msg.client_msg_id)) return
    items.value = items.value.filter((i) => i.client_msg_id !== msg.client_msg_id)
    persist()
  }

  function retry(clientMsgId: string): void {
    update(clientMsgId, { state: 'queued', error: null })
    if (online.value) void flush()
  }

  function discard(clientMsgId: string): void {
    items.value = items.value.filter((i) => i.client_msg_id !== clientMsgId)
    persist()
  }

  async function sendOne(item: OutboxItem): Promise<'sent' | 'offline' | 'failed'> {
    const messages = useMessagesStore()
    update(item.client_msg_id, { state: 'sending' })
    try {
      const msg = await api.send(item.conversation_id, {
        client_msg_id: item.client_msg_id,
        text: item.text,
        private: item.private,
        attachment_ids: item.attachments.map((a) => a.id),
        ...(item.subject ? { subject: item.subject } : {}),
      })
      messages.receive(msg)
      confirm(msg)
      return 'sent'
    } catch (err) {
      if (isNetworkError(err) || (err instanceof ApiError && (err.status >= 500 || err.status === 429))) {
        update(item.client_msg_id, { state: 'queued' })
        return 'offline'
      }
      const message = err instanceof Error ? err.message : String(err)
      update(item.client_msg_id, { state: 'failed', error: message })
      return 'failed'
    }
  }

  /** One pass over the queue; false when it stopped at a network failure. */
  async function sendQueued(): Promise<boolean> {
    for (;;) {
      const next = items.value.find((i) => i.state === 'queued')
      if (!next || !online.value) return true
      if ((await sendOne(next)) === 'offline') {
        // the socket may still look live (e.g. a 503): try again a little later
        if (online.value)
          retryTimer ??= setTimeout(() => {
            retryTimer = null
            void flush()
          }, RETRY_MS)
        return false
      }
    }
  }

  /** Send every queued item in order; stops at the first network failure (the rest wait). */
  function flush(): Promise<void> {
    if (running && current) {
      again = true
      return current
    }
    running = true
    current = (async () => {
      try {
        let ok = true
        do {
          again = false
          ok = await sendQueued()
        } while (ok && again && online.value)
      } finally {
        running = false
      }
    })()
    return current
  }

  function setOnline(value: boolean): void {
    online.value = value
    if (value) void flush()
  }

  function reset(): void {
    items.value = []
    agentId.value = null
    online.value = false
  }

  return { items, online, pendingCount, load, forConversation, enqueue, confirm, retry, discard, flush, setOnline, reset }
})
