// SLA deadlines of conversations (src/otklik/sla/api.py).
import { request } from './http'
import type { Items } from './types'

/** A conversation's nearest running or missed target. */
export interface DueItem {
  conversation_id: number
  target: 'first_response' | 'next_response' | 'resolution' | 'ola_response' | 'ola_resolution'
  state: 'running' | 'breached'
  due_at: string
}

export const sla = {
  due: (conversationIds: number[]) =>
    request<Items<DueItem>>('GET', '/sla/due', { query: { conversation_ids: conversationIds.join(',') } }),
}
