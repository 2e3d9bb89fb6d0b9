import { ref } from 'vue'
import { defineStore } from 'pinia'
import { sla as api, type DueItem } from '@/api/sla'
import { changesDuringLoad } from './duringLoad'

/** The nearest SLA deadline of each conversation on screen (the list's countdown chips). */
export const useSlaStore = defineStore('sla', () => {
  const due = ref<Record<number, DueItem>>({})
  /**
   * A page's deadlines learnt (`add`) while a refresh is under way: the refresh's answer was
   * asked for the conversations on screen before that page came, so they are put again on top
   * of it instead of being dropped with the rest of the old set.
   */
  const changes = changesDuringLoad()
  let refreshes = 0

  async function refresh(conversationIds: number[]): Promise<void> {
    if (!conversationIds.length) return
    const mine = ++refreshes
    try {
      await changes.during(async (replay) => {
        const page = await api.due(conversationIds.slice(0, 200))
        if (mine !== refreshes) return // a later refresh asked for a newer set
        const next: Record<number, DueItem> = {}
        for (const item of page.items) next[item.conversation_id] = item
        due.value = next
        replay()
      })
    } catch {
      // chips stay as they were; the next refresh tries again
    }
  }

  /** Learn the deadlines of a page before it is shown (the "due soonest" order needs them). */
  async function add(conversationIds: number[]): Promise<void> {
    if (!conversationIds.length) return
    try {
      const page = await api.due(conversationIds.slice(0, 200))
      changes.noted(() => {
        const next = { ...due.value }
        for (const id of conversationIds) delete next[id]
        for (const item of page.items) next[item.conversation_id] = item
        due.value = next
      })
    } catch {
      // ordered by id until the next refresh
    }
  }

  /** A conversation's nearest deadline in ms, or null (none running or missed). */
  function dueMs(id: number): number | null {
    const item = due.value[id]
    return item ? Date.parse(item.due_at) : null
  }

  return { due, refresh, add, dueMs }
})
