import { defineStore } from 'pinia'
import { surveys as api, type Survey } from '@/api/surveys'
import { liveLists } from './liveLists'

/** A survey's later state wins: answered over waiting (a survey is answered once). */
function newer(a: Survey, b: Survey): Survey {
  if (a.responded_at !== null && b.responded_at === null) return a
  return b
}

/** The surveys of the conversations on screen, kept live by `survey.sent` / `survey.responded`. */
export const useSurveysStore = defineStore('surveys', () => {
  const lists = liveLists<Survey>((list, survey) => {
    const at = list.findIndex((s) => s.id === survey.id)
    if (at >= 0) list.splice(at, 1, newer(list[at]!, survey))
    else list.push(survey)
  })

  async function load(conversationId: number): Promise<void> {
    await lists.load(conversationId, async () => (await api.ofConversation(conversationId)).items)
  }

  /** Load the open conversation's surveys again, forget the others' (a socket resync). */
  async function refresh(active: number | null): Promise<void> {
    lists.forgetAllBut(active)
    if (active !== null) await load(active)
  }

  return { byConversation: lists.byConversation, load, refresh, upsert: lists.receive }
})
