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
  template_id: number
  name: string
  starts_at: string
  ends_at: string
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

export const workforce = {
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
}
