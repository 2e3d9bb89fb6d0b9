// Surveys (src/otklik/surveys/api.py): an inbox's settings and a conversation's surveys.
import { request } from './http'
import type { Items } from './types'

export type SurveyKind = 'csat' | 'nps' | 'ces'
export type SurveyLanguage = 'ru' | 'en'
export type QuestionTexts = Record<SurveyKind, string>

export interface SurveySettings {
  inbox_id: number
  csat_enabled: boolean
  nps_enabled: boolean
  nps_interval_days: number
  ces_enabled: boolean
  expires_hours: number
  texts: Record<SurveyLanguage, QuestionTexts>
}

export type SurveySettingsBody = Omit<SurveySettings, 'inbox_id'>

export interface Survey {
  id: number
  kind: SurveyKind
  origin: 'resolved' | 'agent' | 'automation'
  conversation_id: number
  operator_id: number | null
  team_id: number | null
  channel: string
  language: string
  created_at: string
  expires_at: string
  score: number | null
  comment: string | null
  responded_at: string | null
}

/** The top of each survey's scale. */
export const SCALE_TOP: Record<SurveyKind, number> = { csat: 5, nps: 10, ces: 7 }

export const surveys = {
  settings: (inboxId: number) => request<SurveySettings>('GET', `/inboxes/${inboxId}/surveys`),
  save: (inboxId: number, body: SurveySettingsBody) =>
    request<SurveySettings>('PUT', `/inboxes/${inboxId}/surveys`, { body }),
  ofConversation: (conversationId: number) =>
    request<Items<Survey>>('GET', `/conversations/${conversationId}/surveys`),
  send: (conversationId: number, kind: SurveyKind) =>
    request<Survey>('POST', `/conversations/${conversationId}/surveys`, { body: { kind } }),
}
