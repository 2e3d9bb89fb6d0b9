// Mentions of the signed-in operator in private notes (docs/api.md, "Mentions").
import type { MentionOut } from '@/generated/events'
import { request } from './http'

export type Mention = MentionOut

export interface MentionPage {
  items: Mention[]
  next_before: number | null
  unread: number
}

export const mentions = {
  list: (params: { unread?: boolean; before?: number; limit?: number } = {}) =>
    request<MentionPage>('GET', '/mentions', {
      query: { unread: params.unread ? 'true' : undefined, before: params.before, limit: params.limit },
    }),
  read: (id: number) => request<{ unread: number }>('POST', `/mentions/${id}/read`),
  readAll: () => request<{ unread: number }>('POST', '/mentions/read', { body: {} }),
}
