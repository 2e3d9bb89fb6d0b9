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

export const scheduleSuggestion = {
  suggest: (body: SuggestionQuestion) => request<Suggestion>('POST', '/workforce/schedule-suggestion', { body }),
}
