import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { SurveyOut } from '@/generated/events'
import { applyEvent } from '@/realtime/apply'
import { useSurveysStore } from '@/stores/surveys'
import { flush, mockFetch } from './helpers'

function survey(over: Partial<SurveyOut> = {}): SurveyOut {
  return { id: 5, kind: 'csat', origin: 'resolved', conversation_id: 3, contact_id: 8, inbox_id: 1, operator_id: 1, team_id: null, channel: 'widget', language: 'ru', created_at: '2026-12-04T10:00:00Z', expires_at: '2026-12-11T10:00:00Z', score: null, comment: null, responded_at: null, ...over }
}

describe('live surveys of an open conversation', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('keeps a survey sent while the conversation’s surveys were loading', async () => {
    let answer: (() => void) | undefined
    mockFetch({
      // The load was answered before the survey was sent: its list is empty.
      'GET /conversations/3/surveys': () => new Promise((resolve) => (answer = () => resolve({ items: [] }))),
    })
    const store = useSurveysStore()
    const loading = store.load(3)
    await flush()
    applyEvent({ id: 70, type: 'survey.sent', data: { survey: survey() } })
    answer!()
    await loading
    expect(store.byConversation[3]).toEqual([survey()])
  })

  it('an answered survey is not undone by its older "sent" frame', async () => {
    const answered = survey({ score: 4, responded_at: '2026-12-04T10:05:00Z' })
    let answer: (() => void) | undefined
    mockFetch({ 'GET /conversations/3/surveys': () => new Promise((resolve) => (answer = () => resolve({ items: [answered] }))) })
    const store = useSurveysStore()
    const loading = store.load(3)
    await flush()
    applyEvent({ id: 71, type: 'survey.sent', data: { survey: survey() } })
    answer!()
    await loading
    expect(store.byConversation[3]).toEqual([answered])
    // Frames for conversations not on screen are not kept.
    applyEvent({ id: 72, type: 'survey.sent', data: { survey: survey({ id: 6, conversation_id: 99 }) } })
    expect(store.byConversation[99]).toBeUndefined()
  })
})
