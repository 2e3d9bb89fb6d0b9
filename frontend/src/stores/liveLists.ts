import { ref, type Ref } from 'vue'
import { changesDuringLoad } from './duringLoad'

interface OfConversation {
  id: number
  conversation_id: number
}

/**
 * Lists per conversation, loaded when a conversation is opened and kept current by live
 * frames. A frame for a conversation not on screen is dropped (it loads when opened); a frame
 * that arrives while a list is loading is applied again on top of the load's answer, which
 * may predate it (``duringLoad.ts``; CI lost a survey sent as its conversation opened).
 * `put` merges one item into a list (replace by id, or add): replaying it is harmless.
 */
export function liveLists<T extends OfConversation>(put: (list: T[], item: T) => void) {
  const byConversation = ref({}) as Ref<Record<number, T[]>>
  const changes = changesDuringLoad()

  async function load(conversationId: number, fetch: () => Promise<T[]>): Promise<void> {
    await changes.during(async (replay) => {
      byConversation.value[conversationId] = await fetch()
      replay()
    })
  }

  function receive(item: T): void {
    changes.noted(() => {
      const list = byConversation.value[item.conversation_id]
      if (list) put(list, item)
    })
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
