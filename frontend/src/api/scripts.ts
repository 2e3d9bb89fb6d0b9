// Canned answers and macros (docs/api.md, "Scripts"). The workspace uses them; the settings
// pages manage them.
import { request } from './http'
import type { Conversation, ConversationStatus, Items, Priority } from './types'

export type ScriptScope = 'personal' | 'team' | 'global'

export interface CannedAnswer {
  id: number
  shortcut: string
  title: string
  text: string
  category: string | null
  scope: ScriptScope
  team_id: number | null
  owner_id: number | null
  usage_count: number
  last_used_at: string | null
  created_at: string
  updated_at: string
}

export interface CannedGap {
  /** the variable that was empty and had no fallback */
  variable: string
  /** where it left nothing in `text` (UTF-16 offset) */
  at: number
}

export interface CannedUse {
  /** the text with variables filled from the conversation and the operator */
  text: string
  canned_answer: CannedAnswer
  gaps: CannedGap[]
}

/** One step of a macro or an automation rule (src/otklik/scripts/actions.py). */
export type Action =
  | { type: 'add_tags'; tags: string[] }
  | { type: 'remove_tags'; tags: string[] }
  | { type: 'set_priority'; priority: Priority }
  | { type: 'assign_agent'; agent_id: number | null }
  | { type: 'assign_team'; team_id: number | null }
  | { type: 'set_status'; status: ConversationStatus; snooze_minutes?: number | null }
  | { type: 'send_message'; text: string }
  | { type: 'send_canned'; canned_answer_id: number }
  | { type: 'add_note'; text: string }
  | { type: 'escalate'; to_team_id: number | null; reason: string; hand_back: boolean }
  | { type: 'send_survey'; kind: 'csat' | 'nps' | 'ces' }
  | { type: 'run_macro'; macro_id: number }

export type ActionType = Action['type']

export interface Macro {
  id: number
  name: string
  scope: ScriptScope
  team_id: number | null
  owner_id: number | null
  actions: Action[]
  created_at: string
  updated_at: string
}

export interface MacroRunResult {
  conversation_id: number
  ok: boolean
  error: { code: string; message: string } | null
  conversation: Conversation | null
}

export interface CannedQuery {
  q?: string
  category?: string
  /** '' (a "scope: any" choice in a form) is the same as leaving it out */
  scope?: ScriptScope | ''
  limit?: number
}

export const cannedAnswers = {
  list: (query: CannedQuery = {}) => request<Items<CannedAnswer>>('GET', '/canned-answers', { query: { ...query } }),
  use: (id: number, conversationId: number | null) =>
    request<CannedUse>('POST', `/canned-answers/${id}/use`, { body: { conversation_id: conversationId } }),
}

export const macros = {
  list: () => request<Items<Macro>>('GET', '/macros'),
  run: (id: number, conversationIds: number[]) =>
    request<{ results: MacroRunResult[] }>('POST', `/macros/${id}/run`, { body: { conversation_ids: conversationIds } }),
}
