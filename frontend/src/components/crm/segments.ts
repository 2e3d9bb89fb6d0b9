// Saved segments of the contacts list: a name and the filters, kept per operator in this
// browser (localStorage), so each operator has their own.
import type { ContactFilters } from '@/api/crm'

export interface Segment {
  name: string
  filters: ContactFilters
}

function key(agentId: number): string {
  return `otklik.crm.segments.${agentId}`
}

export function loadSegments(agentId: number): Segment[] {
  try {
    const raw = localStorage.getItem(key(agentId))
    const parsed: unknown = raw ? JSON.parse(raw) : []
    return Array.isArray(parsed) ? (parsed as Segment[]) : []
  } catch {
    return []
  }
}

export function saveSegments(agentId: number, segments: Segment[]): void {
  localStorage.setItem(key(agentId), JSON.stringify(segments))
}

/** "Last seen" choices as the filter's time bounds (ISO), from now. */
export type SeenChoice = '' | 'week' | 'month' | 'older'

export function seenBounds(choice: SeenChoice, now = Date.now()): Pick<ContactFilters, 'seen_after' | 'seen_before'> {
  const days = (n: number) => new Date(now - n * 86_400_000).toISOString()
  if (choice === 'week') return { seen_after: days(7) }
  if (choice === 'month') return { seen_after: days(30) }
  if (choice === 'older') return { seen_before: days(30) }
  return {}
}
