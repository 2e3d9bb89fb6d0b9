import { onMounted, ref, type Ref } from 'vue'
import { useSubmit } from '@/composables/useSubmit'
import { useAgentsStore } from '@/stores/agents'

/**
 * The state of a settings page listing scripts (macros, rules): the items, the one being
 * edited ('new' for a new one), loading them on mount (with the colleagues and teams the
 * scope chips name), and forgetting the editor of an item that was deleted.
 */
export function useScriptList<T extends { id: number }>(list: () => Promise<{ items: T[] }>) {
  const agents = useAgentsStore()
  const loading = useSubmit()
  const items = ref([]) as Ref<T[]>
  const editing = ref(null) as Ref<T | 'new' | null>

  async function load(): Promise<void> {
    await loading.run(async () => {
      items.value = (await list()).items
    })
  }

  function forget(id: number): void {
    if (editing.value !== 'new' && editing.value?.id === id) editing.value = null
  }

  onMounted(() => {
    void load()
    if (!agents.loaded) void agents.load().catch(() => undefined)
  })

  return { items, editing, loading, load, forget }
}
