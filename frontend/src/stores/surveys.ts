import { ref } from 'vue'
import { defineStore } from 'pinia'
import { surveys as api, type Survey } from '@/api/surveys'

/** A survey's later state wins: answered over waiting (a survey is answered once). */
function newer(a: Survey, b: Survey): Survey {
  return a.responded_at === null && b.responded_at !== null ? b : a.responded_at !== null && b.responded_at === null ? a : b
}

/** The surveys of the conversations on screen, kept live by `survey.sent` / `survey.responded`. */
export const useSurveysStore = defineStore('surveys', () => {
  const byConversation = ref<Record<number, Survey[]>>({})
  /** Frames that came while their conversation's surveys were loading: the answer to the
   * load may predate them, so they are applied on top of it (a survey sent as the
   * conversation opened was lost otherwise; seen on CI). */
  const arrivedWhileLoading = new Map<number, Survey[]>()

  function put(list: Survey[], survey: Survey): void {
    const at = list.findIndex((s) => s.id === survey.id)
    if (at >= 0) list.splice(at, 1, newer(list[at]!, survey))
    else list.push(survey)
  }

  async function load(conversationId: number): Promise<void> {
    const arrived: Survey[] = []
    arrivedWhileLoading.set(conversationId, arrived)
    try {
      const items = (await api.ofConversation(conversationId)).items
      for (const survey of arrived) put(items, survey)
      byConversation.value[conversationId] = items
    } finally {
      if (arrivedWhileLoading.get(conversationId) === arrived) arrivedWhileLoading.delete(conversationId)
    }
  }

  /** From a frame: only conversations loaded or loading are kept (others load when opened). */
  function upsert(survey: Survey): void {
    arrivedWhileLoading.get(survey.conversation_id)?.push(survey)
    const list = byConversation.value[survey.conversation_id]
    if (list) put(list, survey)
  }

  return { byConversation, load, upsert }
})
