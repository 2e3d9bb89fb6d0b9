// Shapes of the Otklik HTTP API v1 (docs/api.md).
import type { Attachment } from './attachments'
import type { DeliveryStatus } from './delivery'
import type { ToolEventFrame } from './events'

export type Role = 'admin' | 'supervisor' | 'agent'
export type Presence = 'online' | 'away' | 'offline'
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'
export type ConversationView = 'mine' | 'unassigned' | 'all'
export type Priority = 'low' | 'normal' | 'high' | 'urgent'
export type AuthorType = 'contact' | 'agent' | 'bot' | 'system'
export type Language = 'ru' | 'en'
export type PrechatMode = 'off' | 'optional' | 'required'

export interface Agent {
  id: number
  email: string
  name: string
  role: Role
  languages: string[]
  status: Presence
  active: boolean
  team_ids: number[]
}

export interface Team {
  id: number
  name: string
  agent_ids: number[]
}

export interface InboxSettings {
  color: string
  title: string
  greeting: string
  position: 'right' | 'left'
  language: 'auto' | Language
  prechat: { name: PrechatMode; email: PrechatMode }
}

export interface Inbox {
  id: number
  name: string
  channel: 'widget'
  public_key: string
  team_id: number | null
  settings: InboxSettings
}

export interface Contact {
  id: number
  name: string | null
  email: string | null
  attributes: Record<string, unknown>
  created_at: string
}

export interface Message {
  id: number
  conversation_id: number
  author_type: AuthorType
  author_id: number | null
  author_name: string | null
  private: boolean
  text: string
  client_msg_id: string | null
  created_at: string
  /** public replies in channels other than the widget: what the channel said */
  delivery_status: DeliveryStatus | null
  delivery_error: string | null
  attachments: Attachment[]
}

export interface LastMessage {
  id: number
  text: string
  author_type: AuthorType
  private: boolean
  created_at: string
}

export interface Conversation {
  id: number
  inbox_id: number
  channel: string
  contact: { id: number; name: string | null; email: string | null }
  status: ConversationStatus
  snooze_until: string | null
  assignee_id: number | null
  team_id: number | null
  priority: Priority
  unread_count: number
  waiting_since: string | null
  last_activity_at: string
  created_at: string
  last_message: LastMessage | null
  tags: string[]
  language: string | null
  attributes: Record<string, unknown>
  /** set while the conversation waits in its team's queue */
  queued_at: string | null
}

export interface Counts {
  mine: number
  unassigned: number
  all: number
}

export interface ConversationPage {
  items: Conversation[]
  next_cursor: string | null
  counts: Counts
}

export interface MessagePage {
  items: Message[]
  has_more: boolean
}

export interface LoginResult {
  token: string
  csrf_token: string
  agent: Agent
}

export interface Items<T> {
  items: T[]
}

// ---- WebSocket frames -------------------------------------------------------

export type ClientFrame =
  | { type: 'hello'; last_event_id: number | null }
  | { type: 'ping' }
  | { type: 'typing'; conversation_id: number; typing: boolean }
  | { type: 'presence'; status: Presence }

export type EventFrame =
  | { id: number; type: 'conversation.created'; data: { conversation: Conversation } }
  | { id: number; type: 'conversation.updated'; data: { conversation: Conversation } }
  | { id: number; type: 'message.created'; data: { message: Message; conversation: Conversation } }
  | { id: number; type: 'message.updated'; data: { message: Message } }
  | { id: number; type: 'agent.updated'; data: { agent: Agent } }
  | ToolEventFrame

export interface TypingFrame {
  type: 'typing'
  conversation_id: number
  author_type: 'contact' | 'agent'
  author_id: number | null
  name: string | null
  typing: boolean
}

export interface PresenceFrame {
  type: 'presence'
  agent_id: number
  status: Presence
}

export type TransientFrame = TypingFrame | PresenceFrame
