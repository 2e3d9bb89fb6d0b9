// Reports for supervisors and admins (src/otklik/reports/api.py, docs/api.md "Reports").
import { API_PREFIX, request } from './http'
import type { Items } from './types'

export interface Stat {
  count: number
  mean: number | null
  median: number | null
  p90: number | null
}

export interface Duration {
  calendar: Stat
  business: Stat
}

export interface Rate {
  numerator: number
  denominator: number
  percent: number | null
}

/** One kind of survey: the response rate and its score (CSAT %, NPS points, CES mean). */
export interface SurveyFigures {
  sent: number
  answered: number
  response_rate: number | null
  score: number | null
}

export interface Figures {
  created: number
  resolved: number
  reopened: number
  escalated: number
  first_response: Duration
  response: Duration
  resolution_first: Duration
  resolution_full: Duration
  handle: Duration
  handle_per_dialog: Duration
  fcr: Rate
  reopen_rate: Rate
  escalation_rate: Rate
  csat: SurveyFigures
  nps: SurveyFigures
  ces: SurveyFigures
}

export interface Overview {
  since: string
  until: string
  current: Figures
  previous: Figures
}

export interface VolumeRow {
  key: string | null
  created: number
  resolved: number
  reopened: number
}

export interface BacklogPoint {
  at: string
  open: number
}

export interface HeatCell {
  weekday: number
  hour: number
  n: number
}

export interface TableRow {
  key: number | null
  resolved: number
  responses: number
  first_response_median: number | null
  response_median: number | null
  handle_total: number
  handle_mean: number | null
}

export interface DrillItem {
  conversation_id: number
  at: string
  agent_id: number | null
  seconds: number | null
}

export type DurationMetric =
  | 'first_response'
  | 'response'
  | 'resolution_first'
  | 'resolution_full'
  | 'handle'
  | 'handle_per_dialog'
export type DrillMetric = 'created' | 'resolved' | 'reopened' | 'escalated' | 'first_response' | 'response' | 'handle'

/** The filters every report takes; empty values are left out. */
export interface ReportFilters {
  since: string
  until: string
  inbox_id?: number | null
  team_id?: number | null
  agent_id?: number | null
  channel?: string | null
  tag?: string | null
}

type Query = Record<string, string | number | null | undefined>

function query(filters: ReportFilters, extra: Query = {}): Query {
  return { ...filters, ...extra }
}

export const reports = {
  overview: (f: ReportFilters) => request<Overview>('GET', '/reports/overview', { query: query(f) }),
  volume: (f: ReportFilters, by: 'channel' | 'inbox' | 'team' | 'agent' | 'tag') =>
    request<Items<VolumeRow>>('GET', '/reports/volume', { query: query(f, { by }) }),
  backlog: (f: ReportFilters, step: 'hour' | 'day') =>
    request<Items<BacklogPoint>>('GET', '/reports/backlog', { query: query(f, { step }) }),
  heatmap: (f: ReportFilters, timezone: string) =>
    request<Items<HeatCell>>('GET', '/reports/heatmap', { query: query(f, { timezone }) }),
  table: (f: ReportFilters, by: 'agent' | 'team') =>
    request<Items<TableRow>>('GET', '/reports/table', { query: query(f, { by }) }),
  drill: (f: ReportFilters, metric: DrillMetric) =>
    request<Items<DrillItem>>('GET', '/reports/drill', { query: query(f, { metric, limit: 100 }) }),
}

/** Where the browser downloads a report as CSV or XLSX (the session cookie authenticates it). */
export function exportUrl(
  path: 'overview' | 'table' | 'volume',
  f: ReportFilters,
  format: 'csv' | 'xlsx',
  extra: Query = {},
): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query(f, { ...extra, format }))) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value))
  }
  return `${API_PREFIX}/reports/${path}?${params.toString()}`
}

export interface LiveOperator {
  id: number
  name: string
  status: 'online' | 'busy' | 'away' | 'break' | 'offline'
  open: number
  max_concurrent: number
}

export interface NearBreach {
  conversation_id: number
  target: string
  state: 'running' | 'breached'
  due_at: string
}

/** CSAT of the answers given since local midnight (ratings 4–5 ÷ all ratings × 100). */
export interface LiveCsat {
  since: string
  answered: number
  score: number | null
}

export interface LiveBoard {
  at: string
  operators: LiveOperator[]
  queue: number
  waiting_since: string | null
  near_breach: NearBreach[]
  csat_today: LiveCsat
}

/** The live board; "today" is since midnight in `timezone` (the browser's own). */
export const liveBoard = (timezone: string) =>
  request<LiveBoard>('GET', '/reports/live', { query: { timezone } })

/** A scheduled email report (src/otklik/reports/scheduling.py, docs/api.md "Scheduled reports"). */
export interface ScheduleFilters {
  inbox_ids: number[]
  team_ids: number[]
  agent_ids: number[]
  channels: string[]
  tags: string[]
}

export interface ScheduleIn {
  name: string
  frequency: 'daily' | 'weekly'
  weekday: number | null
  time: string
  timezone: string
  filters: ScheduleFilters
  recipient_agent_ids: number[]
  recipient_emails: string[]
  language: 'ru' | 'en'
  format: 'xlsx' | 'csv'
  active: boolean
}

export interface Schedule extends ScheduleIn {
  id: number
  owner_id: number
  next_send_at: string | null
  last_since: string | null
  last_until: string | null
  last_sent_at: string | null
  last_error: string | null
  created_at: string
  updated_at: string
}

export const schedules = {
  list: () => request<Items<Schedule>>('GET', '/reports/schedules'),
  create: (body: ScheduleIn) => request<Schedule>('POST', '/reports/schedules', { body }),
  update: (id: number, body: ScheduleIn) => request<Schedule>('PUT', `/reports/schedules/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/reports/schedules/${id}`),
}
