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

/** Minutes from local midnight: [start, end]. */
export type Span = [number, number]

export interface Calendar {
  id: number
  name: string
  timezone: string
  weekly: Record<string, Span[]>
  country: string | null
  custom_dates: { date: string; kind: 'closed' | 'working'; name?: string }[]
  inbox_ids: number[]
  team_ids: number[]
  /** `hours`: `weekly` gives the working hours; `shifts`: the staffed hours of `team_id`'s shifts. */
  source: CalendarSource
  team_id: number | null
}

export type CalendarSource = 'hours' | 'shifts'

export interface CalendarBody {
  name: string
  timezone: string
  weekly: Record<string, Span[]>
  country: string | null
  source?: CalendarSource
  team_id?: number | null
}

export interface CalendarDay {
  date: string
  kind: 'closed' | 'working' | 'shortened'
  name: string
  hours: Span[]
}

export interface CalendarYear {
  year: number
  days: CalendarDay[]
  working_days: number
  working_minutes: number
}

export type Priority = 'low' | 'normal' | 'high' | 'urgent'
export type PolicyKind = 'sla' | 'ola'
/** Business minutes per target; SLA: first_response, next_response, resolution; OLA: response, resolution. */
export type PolicyTargets = Partial<Record<'first_response' | 'next_response' | 'resolution' | 'response', number>>

export interface AttributeCondition {
  key: string
  value: unknown
}

export interface PolicyConditions {
  inbox_ids?: number[]
  team_ids?: number[]
  tags?: string[]
  attribute?: AttributeCondition
  contact_attribute?: AttributeCondition
}

export interface PolicyBody {
  name: string
  kind: PolicyKind
  position: number
  active: boolean
  calendar_id: number | null
  conditions: PolicyConditions
  targets: Partial<Record<Priority, PolicyTargets>>
  pause_on: ('pending' | 'snoozed')[]
}

export interface Policy extends PolicyBody {
  id: number
}

export type Grouping = 'policy' | 'team' | 'assignee' | 'priority' | 'target'

export interface ComplianceRow {
  key: string | null
  targets: number
  met: number
  breached: number
  compliance: number | null
}

/** A missed target as it stood when missed. */
export interface Breach {
  id: number
  conversation_id: number
  target: DueItem['target']
  policy_id: number | null
  policy_name: string | null
  target_minutes: number
  due_at: string
  breached_at: string
  inbox_id: number
  team_id: number | null
  assignee_id: number | null
  priority: Priority
  reason: string
  met_at: string | null
}

export const slaReports = {
  compliance: (by: Grouping) => request<Items<ComplianceRow>>('GET', '/sla/compliance', { query: { by } }),
  breaches: (limit = 100) => request<Items<Breach>>('GET', '/sla/breaches', { query: { limit } }),
}

export const slaSettings = {
  policies: () => request<Items<Policy>>('GET', '/sla/policies'),
  createPolicy: (body: PolicyBody) => request<Policy>('POST', '/sla/policies', { body }),
  updatePolicy: (id: number, body: PolicyBody) => request<Policy>('PUT', `/sla/policies/${id}`, { body }),
  deletePolicy: (id: number) => request<void>('DELETE', `/sla/policies/${id}`),
  calendars: () => request<Items<Calendar>>('GET', '/sla/calendars'),
  createCalendar: (body: CalendarBody) => request<Calendar>('POST', '/sla/calendars', { body }),
  year: (id: number, year: number) => request<CalendarYear>('GET', `/sla/calendars/${id}/years/${year}`),
}

/** One target of a conversation and where it stands. */
export interface Clock {
  target: DueItem['target']
  policy_id: number | null
  policy_name: string | null
  state: 'running' | 'paused' | 'breached' | 'met' | 'stopped'
  started_at: string
  due_at: string | null
  remaining_s: number | null
  met_at: string | null
  breached_at: string | null
}

export const slaClocks = {
  of: (conversationId: number) => request<Items<Clock>>('GET', `/conversations/${conversationId}/sla`),
}
