import { ref } from 'vue'
import { defineStore } from 'pinia'
import { surveys as api, type Survey } from '@/api/surveys'

/** The surveys of the conversations on screen, kept live by `survey.sent` / `survey.responded`. */
export const useSurveysStore = defineStore('surveys', () => {
  const byConversation = ref<Record<number, Survey[]>>({})

  async function load(conversationId: number): Promise<void> {
    byConversation.value[conversationId] = (await api.ofConversation(conversationId)).items
  }

  /** From a frame: only conversations already loaded are kept (others load when opened). */
  function upsert(survey: Survey): void {
    const list = byConversation.value[survey.conversation_id]
    if (!list) return
    const at = list.findIndex((s) => s.id === survey.id)
    if (at >= 0) list.splice(at, 1, survey)
    else list.push(survey)
  }

  return { byConversation, load, upsert }
})
