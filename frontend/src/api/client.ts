// One function per endpoint of docs/api.md.
import { request } from './http'
import type {
  Agent,
  Contact,
  Conversation,
  ConversationPage,
  ConversationStatus,
  ConversationSort,
  SlaFilter,
  ConversationView,
  Inbox,
  InboxSettings,
  Items,
  LoginResult,
  Message,
  MessagePage,
  BreakReason,
  Presence,
  Role,
  Team,
} from './types'

export const auth = {
  login: (email: string, password: string) =>
    request<LoginResult>('POST', '/auth/login', { body: { email, password }, quiet401: true }),
  logout: () => request<void>('POST', '/auth/logout', { quiet401: true }),
  me: () => request<Agent>('GET', '/auth/me', { quiet401: true }),
}

export interface NewAgent {
  email: string
  name: string
  password: string
  role: Role
  languages: string[]
}

export type AgentPatch = Partial<{
  name: string
  role: Role
  languages: string[]
  active: boolean
  password: string
}>

export const agents = {
  list: () => request<Items<Agent>>('GET', '/agents'),
  create: (body: NewAgent) => request<Agent>('POST', '/agents', { body }),
  update: (id: number, body: AgentPatch) => request<Agent>('PATCH', `/agents/${id}`, { body }),
  setMyStatus: (status: Presence, reason: BreakReason | null = null) =>
    request<Agent>('PUT', '/agents/me/status', { body: reason ? { status, reason } : { status } }),
}

export const teams = {
  list: () => request<Items<Team>>('GET', '/teams'),
  create: (body: { name: string; agent_ids?: number[] }) => request<Team>('POST', '/teams', { body }),
  update: (id: number, body: { name?: string; agent_ids?: number[] }) =>
    request<Team>('PATCH', `/teams/${id}`, { body }),
}

export type InboxSettingsPatch = Partial<Omit<InboxSettings, 'prechat'>> & {
  prechat?: Partial<InboxSettings['prechat']>
}

export const inboxes = {
  list: () => request<Items<Inbox>>('GET', '/inboxes'),
  create: (body: { name: string; channel: 'widget'; team_id?: number | null; settings?: InboxSettingsPatch }) =>
    request<Inbox>('POST', '/inboxes', { body }),
  update: (id: number, body: { name?: string; team_id?: number | null; settings?: InboxSettingsPatch }) =>
    request<Inbox>('PATCH', `/inboxes/${id}`, { body }),
}

export interface ListQuery {
  view: ConversationView
  status: ConversationStatus
  sort?: ConversationSort
  sla?: SlaFilter | null
  team_id?: number | null
  cursor?: string | null
  limit?: number
}

export type AssignBody = { agent_id?: number | null; team_id?: number | null }

export const conversations = {
  list: (q: ListQuery) => request<ConversationPage>('GET', '/conversations', { query: { ...q } }),
  get: (id: number) => request<Conversation>('GET', `/conversations/${id}`),
  messages: (id: number, before?: number | null, limit = 50) =>
    request<MessagePage>('GET', `/conversations/${id}/messages`, { query: { before, limit } }),
  send: (
    id: number,
    body: { client_msg_id: string; text: string; private: boolean; attachment_ids: number[]; subject?: string },
  ) =>
    request<Message>('POST', `/conversations/${id}/messages`, { body }),
  assign: (id: number, body: AssignBody) => request<Conversation>('POST', `/conversations/${id}/assign`, { body }),
  setStatus: (id: number, status: ConversationStatus, snoozeUntil?: string) =>
    request<Conversation>('POST', `/conversations/${id}/status`, {
      body: snoozeUntil ? { status, snooze_until: snoozeUntil } : { status },
    }),
  markRead: (id: number) => request<Conversation>('POST', `/conversations/${id}/read`, { body: {} }),
}

export const contacts = {
  get: (id: number) => request<Contact>('GET', `/contacts/${id}`),
  conversations: (id: number) => request<Items<Conversation>>('GET', `/contacts/${id}/conversations`),
}
