// "Last seen" filter choices of the contacts list, as time bounds from now (a saved segment
// keeps the other filters; these are relative, so they are chosen each time).
import type { ContactFilters } from '@/api/crm'

export type SeenChoice = '' | 'week' | 'month' | 'older'

export function seenBounds(choice: SeenChoice, now = Date.now()): Pick<ContactFilters, 'seen_after' | 'seen_before'> {
  const days = (n: number) => new Date(now - n * 86_400_000).toISOString()
  if (choice === 'week') return { seen_after: days(7) }
  if (choice === 'month') return { seen_after: days(30) }
  if (choice === 'older') return { seen_before: days(30) }
  return {}
}
