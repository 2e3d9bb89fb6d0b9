// Tags, priority, merge and bulk actions on conversations (src/otklik/conversations/api.py).
import { request } from './http'
import type { Conversation, ConversationStatus, Items, Priority } from './types'

export type BulkBody =
  | { action: 'assign'; agent_id?: number | null; team_id?: number | null }
  | { action: 'tag'; add_tags?: string[]; remove_tags?: string[] }
  | { action: 'status'; status: Exclude<ConversationStatus, 'snoozed'> }
  | { action: 'priority'; priority: Priority }

export const conversationTools = {
  setTags: (id: number, body: { add?: string[]; remove?: string[] }) =>
    request<Conversation>('POST', `/conversations/${id}/tags`, { body }),
  setPriority: (id: number, priority: Priority) =>
    request<Conversation>('POST', `/conversations/${id}/priority`, { body: { priority } }),
  /** move `otherId`'s messages into `id` and close `otherId` */
  merge: (id: number, otherId: number) =>
    request<Conversation>('POST', `/conversations/${id}/merge`, { body: { other_id: otherId } }),
  /** all or nothing: one failing conversation fails the whole request */
  bulk: (ids: number[], body: BulkBody) =>
    request<Items<Conversation>>('POST', '/conversations/bulk', { body: { ids, ...body } }),
}
