// Canned answers and macros (docs/api.md, "Scripts"). The workspace uses them; the settings
// pages manage them.
import { request } from './http'
import type { Conversation, Items } from './types'

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

export interface CannedUse {
  /** the text with variables filled from the conversation and the operator */
  text: string
  canned_answer: CannedAnswer
}

/** One step of a macro or rule; the workspace only shows and runs macros. */
export type ScriptAction = { type: string } & Record<string, unknown>

export interface Macro {
  id: number
  name: string
  scope: ScriptScope
  team_id: number | null
  owner_id: number | null
  actions: ScriptAction[]
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
  scope?: ScriptScope
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
