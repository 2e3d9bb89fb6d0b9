import { ref } from 'vue'
import { defineStore } from 'pinia'
import { macros as api, type Macro, type MacroRunResult } from '@/api/scripts'
import { useConversationsStore } from './conversations'

/** The macros this operator may run, loaded when first needed, refetched on `macro.changed`. */
export const useMacrosStore = defineStore('macros', () => {
  const items = ref<Macro[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let request = 0

  async function load(): Promise<void> {
    const req = ++request
    loading.value = true
    error.value = null
    try {
      const page = await api.list()
      if (req !== request) return
      items.value = page.items
      loaded.value = true
    } catch (err) {
      if (req === request) error.value = err instanceof Error ? err.message : String(err)
    } finally {
      if (req === request) loading.value = false
    }
  }

  function ensure(): Promise<void> {
    return loaded.value || loading.value ? Promise.resolve() : load()
  }

  /** A change was announced: refetch if we ever showed the list. */
  function invalidate(): void {
    if (loaded.value) void load()
  }

  /** Run as me; conversations that succeeded are updated at once, failures are returned. */
  async function run(macroId: number, conversationIds: number[]): Promise<MacroRunResult[]> {
    const { results } = await api.run(macroId, conversationIds)
    const conversations = useConversationsStore()
    for (const r of results) if (r.conversation) conversations.upsert(r.conversation)
    conversations.scheduleCounts()
    return results
  }

  function reset(): void {
    request++
    items.value = []
    loaded.value = false
    loading.value = false
    error.value = null
  }

  return { items, loaded, loading, error, load, ensure, invalidate, run, reset }
})
