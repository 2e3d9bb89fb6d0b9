import { onMounted, ref } from 'vue'
import { canned as cannedApi, macros as macrosApi } from '@/api/settings-scripts'
import type { CannedAnswer, Macro } from '@/api/settings-types'
import type { ActionKind } from './actions'

/** What actions can point at besides agents and teams: canned answers and (rules) global macros. */
export function useActionOptions(kind: ActionKind) {
  const canned = ref<CannedAnswer[]>([])
  const macros = ref<Macro[]>([])

  onMounted(async () => {
    try {
      canned.value = (await cannedApi.list(kind === 'rule' ? { scope: 'global' } : {})).items
      if (kind === 'rule') macros.value = (await macrosApi.list()).items.filter((m) => m.scope === 'global')
    } catch {
      // the pickers stay empty; saving still reports what is wrong
    }
  })

  return { canned, macros }
}
