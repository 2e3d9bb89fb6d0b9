// Escalation between support lines, hand-back and transfer (src/otklik/routing/api.py).
import { request } from './http'
import type { Conversation, Items } from './types'

export interface Escalation {
  id: number
  conversation_id: number
  from_agent_id: number | null
  from_team_id: number | null
  to_team_id: number
  reason: string
  hand_back: boolean
  created_at: string
  handed_back_at: string | null
  handed_back_by_id: number | null
}

export interface EscalateBody {
  /** omitted: the server picks the next line */
  to_team_id?: number
  reason: string
  hand_back: boolean
}

export type TransferBody = { agent_id: number; note?: string } | { team_id: number; note?: string }

export const routing = {
  escalate: (id: number, body: EscalateBody) => request<Conversation>('POST', `/conversations/${id}/escalate`, { body }),
  handBack: (id: number, note: string) =>
    request<Conversation>('POST', `/conversations/${id}/hand-back`, { body: { note } }),
  transfer: (id: number, body: TransferBody) => request<Conversation>('POST', `/conversations/${id}/transfer`, { body }),
  escalations: (id: number) => request<Items<Escalation>>('GET', `/conversations/${id}/escalations`),
}
