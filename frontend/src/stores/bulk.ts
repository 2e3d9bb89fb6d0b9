import { computed, ref, watch } from 'vue'
import { defineStore } from 'pinia'
import { conversationTools as api, type BulkBody } from '@/api/conversation-tools'
import { useConversationsStore } from './conversations'
import { usePrefsStore } from './prefs'

/**
 * Conversations ticked in the list and the bulk actions on them. Only what the list shows
 * counts as selected: a conversation that leaves the list (resolved elsewhere, say) drops out.
 */
export const useBulkStore = defineStore('bulk', () => {
  const conversations = useConversationsStore()
  const prefs = usePrefsStore()
  const ids = ref<number[]>([])
  const busy = ref(false)

  const shown = computed(() => new Set(conversations.list.map((c) => c.id)))
  const selected = computed(() => ids.value.filter((id) => shown.value.has(id)))
  const count = computed(() => selected.value.length)
  const allSelected = computed(() => shown.value.size > 0 && count.value === shown.value.size)

  function isSelected(id: number): boolean {
    return ids.value.includes(id) && shown.value.has(id)
  }

  function set(id: number, on: boolean): void {
    const has = ids.value.includes(id)
    if (on && !has) ids.value.push(id)
    else if (!on && has) ids.value = ids.value.filter((x) => x !== id)
  }

  function toggle(id: number): void {
    set(id, !isSelected(id))
  }

  function selectAll(): void {
    ids.value = conversations.list.map((c) => c.id)
  }

  function clear(): void {
    ids.value = []
  }

  /** One action on every selected conversation, all or nothing (the server's transaction). */
  async function apply(body: BulkBody): Promise<void> {
    const target = selected.value
    if (!target.length || busy.value) return
    busy.value = true
    try {
      const page = await api.bulk(target, body)
      for (const c of page.items) conversations.upsert(c)
      conversations.scheduleCounts()
      clear()
    } finally {
      busy.value = false
    }
  }

  // another list, another selection
  watch(() => [prefs.view, prefs.status], clear)

  return { ids, busy, selected, count, allSelected, isSelected, set, toggle, selectAll, clear, apply }
})
