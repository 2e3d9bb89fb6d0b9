// Shapes of the Otklik HTTP API v1 (docs/api.md).
import type {
  ContactOut,
  ConversationOut,
  LastMessage as LastMessageOut,
  MessageOut,
} from '@/generated/events'

export type Role = 'admin' | 'supervisor' | 'agent'
export type Presence = 'online' | 'away' | 'break' | 'offline'
export type BreakReason = 'lunch' | 'training' | 'technical'
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'
/** `team`: one team's queue (with its id). */
export type ConversationView = 'mine' | 'unassigned' | 'team' | 'all'
/** `waiting`: longest-waiting customer first; `newest`: latest activity first; `priority`: urgent first. */
export type ConversationSort = 'waiting' | 'newest' | 'priority' | 'due'
/** Only conversations with a missed SLA target, or one due within ten minutes. */
export type SlaFilter = 'breached' | 'due_soon'
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
  /** Why they are on a break (status `break`). */
  status_reason?: BreakReason | null
  active: boolean
  team_ids: number[]
  two_factor_enabled?: boolean
  /** /auth/me only: the role must use 2FA and it is not on yet. */
  two_factor_setup_required?: boolean
  /** /auth/me only: the workspace's time zone (IANA), which workforce times are shown in. */
  workspace_timezone?: string
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





// What the server sends inside event frames and over HTTP alike: the generated types of its
// models (ConversationOut, MessageOut… in src/otklik/*/schemas.py).
export type Contact = ContactOut
export type Message = MessageOut
export type LastMessage = LastMessageOut
export type Conversation = ConversationOut

export interface Counts {
  mine: number
  unassigned: number
  all: number
  /** The operator's teams' queues (and the team asked for). */
  teams: { team_id: number; n: number }[]
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

/** What the client sends (the server reads these by hand in realtime/api.py). */
export type ClientFrame =
  | { type: 'hello'; last_event_id: number | null }
  | { type: 'ping' }
  | { type: 'typing'; conversation_id: number; typing: boolean }
  | { type: 'presence'; status: Presence }
  | { type: 'activity' }

// Frames the server sends are generated from its models (src/otklik/frames.py → JSON Schema →
// src/generated/events.ts, by `npm run gen:events` before every build, test and typecheck).
export type {
  AgentEventFrame as EventFrame,
  AgentFrame as ServerFrame,
  AgentTransientFrame as TransientFrame,
  AgentTypingFrame as TypingFrame,
  PresenceFrame,
} from '@/generated/events'
