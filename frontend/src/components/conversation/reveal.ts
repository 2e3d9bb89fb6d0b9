import { nextTick, watch, type Ref } from 'vue'
import type { useMessagesStore } from '@/stores/messages'

type Messages = ReturnType<typeof useMessagesStore>

/** Pages of older messages loaded at most to reach a message opened from search. */
const MAX_PAGES = 200
/** How long the found message stays marked. */
const MARK_MS = 4000

function loaded(messages: Messages, conversationId: number): Promise<void> {
  return new Promise((resolve) => {
    let done = false
    let stop: (() => void) | null = null
    stop = watch(
      () => {
        const t = messages.threads[conversationId]
        return Boolean(t && t.loaded && !t.loading)
      },
      (ok) => {
        if (!ok || done) return
        done = true
        stop?.()
        resolve()
      },
      { immediate: true },
    )
    if (done) stop()
  })
}

/**
 * Bring message `messageId` of the conversation into view: wait for the thread, load older
 * pages until it is there, scroll it to the middle and mark it (`data-found`). False when
 * it is not in the conversation (or not visible to us).
 */
export async function revealMessage(
  messages: Messages,
  conversationId: number,
  messageId: number,
  scroller: Ref<HTMLElement | null>,
): Promise<boolean> {
  void messages.open(conversationId)
  await loaded(messages, conversationId)
  const has = (): boolean => messages.threads[conversationId]?.items.some((m) => m.id === messageId) ?? false
  for (let page = 0; page < MAX_PAGES && !has() && messages.threads[conversationId]?.hasMore; page++) {
    await messages.loadOlder(conversationId)
  }
  await nextTick()
  const el = scroller.value?.querySelector<HTMLElement>(`[data-msg-id="${messageId}"]`)
  if (!el) return false
  el.scrollIntoView({ block: 'center' })
  el.setAttribute('data-found', 'true')
  setTimeout(() => el.removeAttribute('data-found'), MARK_MS)
  return true
}
