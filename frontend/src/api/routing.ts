// Escalation between support lines, hand-back and transfer (src/otklik/routing/api.py).
import { request } from './http'
import type { EscalationOut } from '@/generated/events'
import type { Conversation, Items } from './types'

/** An escalation as the server sends it (generated from routing/schemas.py). */
export type Escalation = EscalationOut

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
