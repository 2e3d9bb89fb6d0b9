// Workforce endpoints (docs/api.md, "Workforce").
import { request } from './http'
import type { Items } from './types'

export interface TimesheetDay {
  agent_id: number
  agent_name: string
  date: string
  logged_in_seconds: number
  status_seconds: Record<string, number>
  handle_seconds: number
  dialog_seconds: number
  concurrency_seconds: Record<'0' | '1' | '2' | '3+', number>
  occupancy: number | null
  utilization: number | null
}

export interface Timesheet {
  timezone: string
  date_from: string
  date_to: string
  items: TimesheetDay[]
}

export interface StaffingQuestion {
  chats_per_hour: number
  concurrency: number
  aht_seconds?: number
  target_level: number
  target_seconds: number
  max_occupancy: number
  shrinkage: number
  /** Mean customer patience (Erlang A); omitted: measured from abandoned chats if any. */
  patience_seconds?: number
  model?: 'auto' | 'erlang_c' | 'erlang_a'
}

export interface StaffingAnswer {
  model: 'erlang_c' | 'erlang_a'
  aht_seconds: number
  aht_source: 'given' | 'measured'
  patience_seconds: number | null
  patience_source: 'given' | 'measured' | null
  abandonment: number
  load_erlangs: number
  slots: number
  operators: number
  scheduled: number
  service_level: number
  occupancy: number
  average_wait_seconds: number
  wait_probability: number
  simulation_id: number
}

export interface Simulation {
  id: number
  state: 'queued' | 'done' | 'failed'
  operators: number | null
  service_level: number | null
  abandoned: number | null
  error: string | null
}

export interface Shift {
  agent_id: number
  date: string
  template_id: number | null
  name: string
  starts_at: string
  ends_at: string
  /** Where it comes from: the pattern, or an edit of the day (a lead's, a swap). */
  source: 'pattern' | 'edit' | 'time_off' | 'swap'
}

/** A day edited on top of the patterns: a shift (`starts_at` set) or a day off. */
export interface Override {
  id: number
  agent_id: number
  date: string
  kind: 'edit' | 'time_off' | 'swap'
  starts_at: string | null
  ends_at: string | null
  template_id: number | null
  request_id: number | null
}

export interface ShiftTemplate {
  id: number
  name: string
  start: string
  length_minutes: number
}

export interface PlaceShift {
  agent_id: number
  starts_at: string
  ends_at: string
  template_id?: number | null
  /** A move: this operator's day becomes a day off in the same change. */
  from_agent_id?: number
  from_date?: string
}

export type RequestState = 'pending' | 'accepted' | 'approved' | 'declined' | 'cancelled'

export interface ScheduleRequest {
  id: number
  kind: 'time_off' | 'swap'
  agent_id: number
  state: RequestState
  date_from: string
  date_to: string
  reason: string
  colleague_id: number | null
  colleague_date: string | null
  decided_by_id: number | null
  created_at: string
  decided_at: string | null
}

export interface StatusInterval {
  agent_id: number
  status: 'online' | 'away' | 'break' | 'offline'
  reason: string | null
  source: 'operator' | 'auto' | 'schedule'
  started_at: string
  ended_at: string | null
}

export interface ForecastPoint {
  start: string
  actual: number | null
  expected: number
}

export interface Forecast {
  interval_minutes: number
  history_from: string
  history: ForecastPoint[]
  forecast: ForecastPoint[]
}

/** Workspace settings of workforce (admins save them; docs/api.md). */
export interface WorkforceSettings {
  /** Shift schedules set statuses: scheduled breaks, away after a shift's end. */
  schedule_status: boolean
  shift_end_grace_minutes: number
  shift_end_limit_minutes: number
}

export const workforce = {
  settings: () => request<WorkforceSettings>('GET', '/workforce/settings'),
  saveSettings: (body: WorkforceSettings) =>
    request<WorkforceSettings>('PUT', '/workforce/settings', { body }),
  forecast: (weeks: number) => request<Forecast>('GET', '/workforce/forecast', { query: { weeks } }),
  intervals: (agentId: number, day: string) =>
    request<Items<StatusInterval>>('GET', `/workforce/agents/${agentId}/intervals`, { query: { day } }),
  timesheet: (dateFrom: string, dateTo: string) =>
    request<Timesheet>('GET', '/workforce/timesheet', { query: { date_from: dateFrom, date_to: dateTo } }),
  csvUrl: (dateFrom: string, dateTo: string) =>
    `/api/v1/workforce/timesheet.csv?date_from=${dateFrom}&date_to=${dateTo}`,
  staffing: (body: StaffingQuestion) => request<StaffingAnswer>('POST', '/workforce/staffing', { body }),
  simulation: (id: number) => request<Simulation>('GET', `/workforce/staffing/simulations/${id}`),
  schedule: (dateFrom: string, dateTo: string) =>
    request<Items<Shift>>('GET', '/workforce/schedule', { query: { date_from: dateFrom, date_to: dateTo } }),
  overrides: (dateFrom: string, dateTo: string) =>
    request<Items<Override>>('GET', '/workforce/overrides', { query: { date_from: dateFrom, date_to: dateTo } }),
  templates: () => request<Items<ShiftTemplate>>('GET', '/workforce/shift-templates'),
  placeShift: (body: PlaceShift) => request<Shift>('POST', '/workforce/shifts', { body }),
  dayOff: (agentId: number, day: string) => request<void>('DELETE', `/workforce/agents/${agentId}/shifts/${day}`),
  resetDay: (agentId: number, day: string) => request<void>('DELETE', `/workforce/agents/${agentId}/overrides/${day}`),
  requests: () => request<Items<ScheduleRequest>>('GET', '/workforce/requests'),
  askTimeOff: (body: { date_from: string; date_to: string; reason: string }) =>
    request<ScheduleRequest>('POST', '/workforce/requests/time-off', { body }),
  askSwap: (body: { colleague_id: number; day: string; colleague_day?: string; reason: string }) =>
    request<ScheduleRequest>('POST', '/workforce/requests/swap', { body }),
  decide: (id: number, action: 'accept' | 'approve' | 'decline' | 'cancel') =>
    request<ScheduleRequest>('POST', `/workforce/requests/${id}/${action}`),
}
