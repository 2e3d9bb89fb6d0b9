import { ref } from 'vue'
import { defineStore } from 'pinia'
import { sla as api, type DueItem } from '@/api/sla'

/** The nearest SLA deadline of each conversation on screen (the list's countdown chips). */
export const useSlaStore = defineStore('sla', () => {
  const due = ref<Record<number, DueItem>>({})

  async function refresh(conversationIds: number[]): Promise<void> {
    if (!conversationIds.length) return
    try {
      const page = await api.due(conversationIds.slice(0, 200))
      const next: Record<number, DueItem> = {}
      for (const item of page.items) next[item.conversation_id] = item
      due.value = next
    } catch {
      // chips stay as they were; the next refresh tries again
    }
  }

  return { due, refresh }
})
