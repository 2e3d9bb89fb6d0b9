// Shapes used by the settings pages of issue 5: routing fields of agents, teams and inboxes,
// auto-replies, canned answers, macros, automation rules and custom attribute definitions
// (docs/api.md, src/otklik/{accounts,channels,scripts,attributes}/schemas.py).
//
// Canned answers, macros and attribute definitions are the workspace's own types (scripts.ts,
// attributes.ts), re-exported here so the settings pages import from one place.
import type { AttributeEntity, AttributeType, AttributeValue } from './attributes'
import type { Action, ScriptScope } from './scripts'
import type { Agent, ConversationStatus, Inbox, InboxSettings, Priority, Team } from './types'

export type { AttributeDefinition, AttributeEntity, AttributeType, AttributeValue } from './attributes'
export type { Action, ActionType, CannedAnswer, CannedQuery, Macro, MacroRunResult } from './scripts'
export type Scope = ScriptScope

export interface AgentRouting extends Agent {
  max_concurrent: number
  skills: string[]
}

export interface TeamLine extends Team {
  line: number
  escalates_to_id: number | null
}

export type AssignmentMode = 'manual' | 'round_robin' | 'balanced'
export type OfflineBehavior = 'keep' | 'requeue'
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'
/** ["09:00", "18:00"]; "24:00" is allowed as an end. */
export type TimeRange = [string, string]

export interface WorkingHours {
  enabled: boolean
  timezone: string
  /** A day not listed (or listed with no ranges) is closed. */
  days: Partial<Record<Weekday, TimeRange[]>>
}

/** How a widget inbox treats the site's signed user identity (docs/channels.md). */
export type IdentityMode = 'off' | 'optional' | 'required'

export interface InboxSettingsFull extends InboxSettings {
  /** The help center's logo, an https address ('' or absent: none). */
  logo_url?: string
  assignment: AssignmentMode
  offline_behavior: OfflineBehavior
  skill_fallback_minutes: number
  working_hours: WorkingHours | null
  greeting_message: string
  away_message: string
  /** Sites that may show the widget (CSP frame-ancestors); empty: any site. */
  frame_origins: string[]
  /** Widget identity verification ('off' when an older server leaves it out). */
  identity_verification?: IdentityMode
}

export interface InboxFull extends Omit<Inbox, 'settings'> {
  settings: InboxSettingsFull
}

// ---- canned answers -----------------------------------------------------------------

export interface CannedAnswerInput {
  shortcut: string
  title: string
  text: string
  category: string | null
  scope: Scope
  team_id: number | null
}

export type OnConflict = 'skip' | 'update' | 'fail'

export interface ImportResult {
  created: number
  updated: number
  skipped: number
}

// ---- actions (macros and rules) -----------------------------------------------------

export interface MacroInput {
  name: string
  scope: Scope
  team_id: number | null
  actions: Action[]
}

// ---- automation rules ---------------------------------------------------------------

export type TriggerType =
  | 'conversation_created'
  | 'message_created'
  | 'status_changed'
  | 'assigned'
  | 'no_operator_reply'
  | 'no_customer_reply'
  | 'sla_warning'
  | 'sla_breached'
  | 'survey_answered'

export interface Trigger {
  type: TriggerType
  /** Only (and always) for the time triggers. */
  minutes: number | null
}

export type Condition =
  | { field: 'inbox'; op: 'in' | 'not_in'; value: number[] }
  | { field: 'channel'; op: 'in' | 'not_in'; value: string[] }
  | { field: 'text'; op: 'contains' | 'not_contains' | 'matches'; value: string }
  | { field: 'language'; op: 'in' | 'not_in'; value: string[] }
  | { field: 'tag'; op: 'has' | 'has_not'; value: string }
  | { field: 'priority'; op: 'in' | 'not_in'; value: Priority[] }
  | { field: 'status'; op: 'in' | 'not_in'; value: ConversationStatus[] }
  | {
      field: 'contact_attribute'
      key: string
      op: 'equals' | 'not_equals' | 'contains' | 'is_set' | 'is_not_set'
      value: AttributeValue
    }
  | { field: 'business_hours'; op: 'inside' | 'outside' }
  | { field: 'survey_score'; op: 'lte' | 'gte' | 'eq'; value: number }
  | { field: 'survey_kind'; op: 'in' | 'not_in'; value: ('csat' | 'nps' | 'ces')[] }

export type ConditionField = Condition['field']
export type Match = 'all' | 'any'

export interface Rule {
  id: number
  name: string
  enabled: boolean
  trigger: Trigger
  match: Match
  conditions: Condition[]
  actions: Action[]
  position: number
  created_at: string
  updated_at: string
}

export interface RuleInput {
  name: string
  enabled: boolean
  trigger: Trigger
  match: Match
  conditions: Condition[]
  actions: Action[]
  position?: number
}

export interface RuleTestResult {
  matches: boolean
  conditions: boolean[]
}

// ---- custom attributes --------------------------------------------------------------

export interface AttributeDefinitionInput {
  entity: AttributeEntity
  key: string
  label: string
  type: AttributeType
  options: string[]
}
