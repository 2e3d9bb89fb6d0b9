import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { TypingFrame } from '@/api/types'

/** A typing frame not refreshed within this time is forgotten (a lost "typing: false"). */
export const TYPING_TTL_MS = 6000

export interface Typist {
  key: string
  name: string | null
  authorType: 'contact' | 'agent'
  until: number
}

/** Who else is typing, per conversation (transient frames, never replayed). */
export const useTypingStore = defineStore('typing', () => {
  const byConversation = ref<Record<number, Typist[]>>({})
  const timers = new Map<string, ReturnType<typeof setTimeout>>()

  function remove(conversationId: number, key: string): void {
    const list = byConversation.value[conversationId]
    if (!list) return
    const next = list.filter((t) => t.key !== key)
    if (next.length) byConversation.value[conversationId] = next
    else delete byConversation.value[conversationId]
  }

  function receive(frame: TypingFrame, myId: number | null): void {
    if (frame.author_type === 'agent' && frame.author_id !== null && frame.author_id === myId) return
    const key = `${frame.author_type}:${frame.author_id ?? '?'}`
    const timerKey = `${frame.conversation_id}/${key}`
    const old = timers.get(timerKey)
    if (old) clearTimeout(old)
    timers.delete(timerKey)
    remove(frame.conversation_id, key)
    if (!frame.typing) return
    const list = byConversation.value[frame.conversation_id] ?? []
    list.push({ key, name: frame.name, authorType: frame.author_type, until: Date.now() + TYPING_TTL_MS })
    byConversation.value[frame.conversation_id] = list
    timers.set(
      timerKey,
      setTimeout(() => {
        timers.delete(timerKey)
        remove(frame.conversation_id, key)
      }, TYPING_TTL_MS),
    )
  }

  function typists(conversationId: number): Typist[] {
    return byConversation.value[conversationId] ?? []
  }

  /** A message from someone means they stopped typing. */
  function clearAuthor(conversationId: number, authorType: string, authorId: number | null): void {
    remove(conversationId, `${authorType}:${authorId ?? '?'}`)
  }

  function reset(): void {
    for (const t of timers.values()) clearTimeout(t)
    timers.clear()
    byConversation.value = {}
  }

  return { byConversation, receive, typists, clearAuthor, reset }
})
