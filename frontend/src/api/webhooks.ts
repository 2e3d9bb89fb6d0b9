// Outgoing webhooks and their delivery log (src/otklik/webhooks/api.py, docs/api.md).
import { request } from './http'
import type { Items } from './types'

export interface WebhookEndpoint {
  id: number
  url: string
  description: string
  events: string[]
  active: boolean
  created_at: string
  /** Only in the answer that created the endpoint (or set a new secret): shown once. */
  secret: string | null
}

export interface WebhookInput {
  url: string
  events: string[]
  description: string
  active: boolean
}

export type DeliveryState = 'pending' | 'success' | 'failed'

export interface WebhookDelivery {
  id: number
  endpoint_id: number
  event: string
  state: DeliveryState | string
  attempts: number
  status_code: number | null
  response_snippet: string | null
  error: string | null
  duration_ms: number | null
  resent_from_id: number | null
  created_at: string
  last_attempt_at: string | null
  payload: Record<string, unknown>
}

export interface DeliveryPage {
  items: WebhookDelivery[]
  /** Pass as `before_id` for the next (older) page; null at the end. */
  next_before_id: number | null
}

export const webhooks = {
  events: () => request<Items<string>>('GET', '/webhooks/events'),
  list: () => request<Items<WebhookEndpoint>>('GET', '/webhooks'),
  create: (body: WebhookInput) => request<WebhookEndpoint>('POST', '/webhooks', { body }),
  update: (id: number, body: Partial<WebhookInput>) =>
    request<WebhookEndpoint>('PATCH', `/webhooks/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/webhooks/${id}`),
  /** A new signing secret made by the server; in this answer only. */
  rotateSecret: (id: number) => request<WebhookEndpoint>('POST', `/webhooks/${id}/secret`),
  deliveries: (id: number, beforeId: number | null = null, limit = 25) =>
    request<DeliveryPage>('GET', `/webhooks/${id}/deliveries`, { query: { before_id: beforeId, limit } }),
  resend: (deliveryId: number) =>
    request<WebhookDelivery>('POST', `/webhooks/deliveries/${deliveryId}/resend`),
}
