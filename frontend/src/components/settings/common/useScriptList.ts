import { onMounted, ref, type Ref } from 'vue'
import { useLoad } from '@/composables/useLoad'
import { useSubmit } from '@/composables/useSubmit'
import { useAgentsStore } from '@/stores/agents'

/**
 * The state of a settings page listing scripts (macros, rules): the items, the one being
 * edited ('new' for a new one), loading them on mount (with the colleagues and teams the
 * scope chips name), and forgetting the editor of an item that was deleted. The list and the
 * "new" button are offered once the first load answered; a reload after a save is not
 * overtaken by an older, slower load, and `noted` keeps a local change through a reload
 * under way (``useLoad``).
 */
export function useScriptList<T extends { id: number }>(list: () => Promise<{ items: T[] }>) {
  const agents = useAgentsStore()
  const loading = useSubmit()
  const items = ref([]) as Ref<T[]>
  const editing = ref(null) as Ref<T | 'new' | null>
  const { loaded, load: latest, noted } = useLoad()

  async function load(): Promise<void> {
    await loading.run(() => latest(list, (page) => (items.value = page.items)))
  }

  function forget(id: number): void {
    if (editing.value !== 'new' && editing.value?.id === id) editing.value = null
  }

  onMounted(() => {
    void load()
    if (!agents.loaded) void agents.load().catch(() => undefined)
  })

  return { items, editing, loading, loaded, load, noted, forget }
}
