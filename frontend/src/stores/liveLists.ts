import { ref, type Ref } from 'vue'

interface OfConversation {
  id: number
  conversation_id: number
}

/**
 * Lists per conversation, loaded when a conversation is opened and kept current by live
 * frames. A frame for a conversation not on screen is dropped (it loads when opened); a frame
 * that arrives while its conversation's list is loading is applied on top of the load's
 * answer, which may predate it (CI lost a survey sent as its conversation opened that way).
 * `put` merges one item into a list (replace by id, or add).
 */
export function liveLists<T extends OfConversation>(put: (list: T[], item: T) => void) {
  const byConversation = ref({}) as Ref<Record<number, T[]>>
  const arrivedWhileLoading = new Map<number, T[]>()

  async function load(conversationId: number, fetch: () => Promise<T[]>): Promise<void> {
    const arrived: T[] = []
    arrivedWhileLoading.set(conversationId, arrived)
    try {
      const items = await fetch()
      for (const item of arrived) put(items, item)
      byConversation.value[conversationId] = items
    } finally {
      if (arrivedWhileLoading.get(conversationId) === arrived) arrivedWhileLoading.delete(conversationId)
    }
  }

  function receive(item: T): void {
    arrivedWhileLoading.get(item.conversation_id)?.push(item)
    const list = byConversation.value[item.conversation_id]
    if (list) put(list, item)
  }

  /** After the socket may have missed frames: forget every list but `keep`'s (the others
   * load again when their conversation is opened). */
  function forgetAllBut(keep: number | null): void {
    for (const id of Object.keys(byConversation.value).map(Number)) {
      if (id !== keep) delete byConversation.value[id]
    }
  }

  return { byConversation, load, receive, forgetAllBut }
}
