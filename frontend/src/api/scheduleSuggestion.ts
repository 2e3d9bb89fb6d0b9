// Schedule suggestion (POST /workforce/schedule-suggestion): shift starts per day and
// template covering a week's half-hourly requirement, solved by OR-Tools on the server.
import { request } from './http'

export interface StaffingTargets {
  aht_seconds: number
  concurrency?: number
  target_level?: number
  target_seconds?: number
  max_occupancy?: number
  shrinkage?: number
  patience_seconds?: number
}

export interface SuggestionQuestion {
  week_start: string
  requirement?: number[]
  staffing?: StaffingTargets
  template_ids?: number[]
  max_per_day?: number
  time_limit_seconds?: number
}

export interface SuggestedStart {
  day: number
  date: string
  template_id: number
  template_name: string
  count: number
}

export interface SuggestedShift {
  date: string
  template_id: number
  starts_at: string
  ends_at: string
  count: number
}

export interface Suggestion {
  week_start: string
  interval_minutes: number
  status: 'optimal' | 'feasible'
  solve_seconds: number
  requirement: number[]
  coverage: number[]
  over_staffing: number
  shortage: number
  people: number
  starts: SuggestedStart[]
  shifts: SuggestedShift[]
}

/** A suggested shift with the operators the server proposes for it (``auto-fill``). */
export interface FilledShift {
  date: string
  template_id: number | null
  starts_at: string
  ends_at: string
  count: number
  agent_ids: number[]
}

export interface AutoFill {
  shifts: FilledShift[]
  /** Everyone the lead may place, by name. */
  operators: { id: number; name: string }[]
}

export interface Placement {
  agent_id: number
  starts_at: string
  ends_at: string
  template_id: number | null
}

export const scheduleSuggestion = {
  suggest: (body: SuggestionQuestion) => request<Suggestion>('POST', '/workforce/schedule-suggestion', { body }),
  /** Operators proposed for the suggested shifts: the lead's, least busy first, nobody twice a day. */
  autoFill: (shifts: SuggestedShift[]) =>
    request<AutoFill>('POST', '/workforce/schedule-suggestion/auto-fill', {
      body: { shifts: shifts.map(({ template_id, starts_at, ends_at, count }) => ({ template_id, starts_at, ends_at, count })) },
    }),
  /** Place the lead's choice in the calendar: all of it, or (on any refusal) nothing. */
  accept: (placements: Placement[]) =>
    request<{ shifts: unknown[] }>('POST', '/workforce/schedule-suggestion/accept', { body: { placements } }),
}
