// GET /api/v1/search (docs/api.md): matches grouped by kind, snippets as escaped HTML.
import { request } from './http'
import type { ConversationStatus } from './types'

export type SearchKind = 'messages' | 'contacts' | 'canned' | (string & {})

export interface SearchHit {
  id: number
  title: string
  /** HTML from the server: the text escaped, matching words in <mark> */
  snippet: string
  created_at: string | null
  conversation_id: number | null
  message_id: number | null
  private: boolean
}

export interface SearchGroup {
  kind: SearchKind
  hits: SearchHit[]
  more: boolean
}

export interface SearchResults {
  q: string
  groups: SearchGroup[]
}

export interface SearchFilters {
  status?: ConversationStatus | ''
  inbox?: number | null
  team?: number | null
  assignee?: number | null
  tag?: string
  channel?: string
  /** yyyy-mm-dd, local days */
  from?: string
  to?: string
}

function dayStart(day: string, plusDays = 0): string | undefined {
  if (!day) return undefined
  const [y, m, d] = day.split('-').map(Number)
  if (!y || !m || !d) return undefined
  return new Date(y, m - 1, d + plusDays).toISOString()
}

export function searchQuery(q: string, f: SearchFilters): Record<string, string> {
  const query: Record<string, string> = { q }
  if (f.status) query.status = f.status
  if (f.inbox) query.inbox = String(f.inbox)
  if (f.team) query.team = String(f.team)
  if (f.assignee) query.assignee = String(f.assignee)
  if (f.tag?.trim()) query.tag = f.tag.trim()
  if (f.channel) query.channel = f.channel
  const from = dayStart(f.from ?? '')
  const to = dayStart(f.to ?? '', 1) // the whole last day
  if (from) query.from = from
  if (to) query.to = to
  return query
}

export function search(q: string, filters: SearchFilters, signal?: AbortSignal): Promise<SearchResults> {
  return request<SearchResults>('GET', '/search', { query: searchQuery(q, filters), signal })
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'" }

function unescape(html: string): string {
  return html.replace(/&(?:amp|lt|gt|quot|#x27);/g, (e) => ENTITIES[e] ?? e)
}

/**
 * A snippet's pieces to render as text (never as HTML): the server escapes the text and marks
 * matches with `<mark>`; this undoes exactly that.
 */
export function snippetParts(snippet: string): { text: string; mark: boolean }[] {
  const parts: { text: string; mark: boolean }[] = []
  let at = 0
  for (const m of snippet.matchAll(/<mark>(.*?)<\/mark>/g)) {
    if (m.index! > at) parts.push({ text: unescape(snippet.slice(at, m.index)), mark: false })
    parts.push({ text: unescape(m[1]!), mark: true })
    at = m.index! + m[0].length
  }
  if (at < snippet.length) parts.push({ text: unescape(snippet.slice(at)), mark: false })
  return parts
}
