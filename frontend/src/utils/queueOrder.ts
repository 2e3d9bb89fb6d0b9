// The order of a conversation list, the same as the server's (conversations/queues.py), so a
// list kept live from socket events stays in the order the server pages it in.
import type { Conversation, ConversationSort, ConversationView } from '@/api/types'

export const PRIORITY_RANK: Record<string, number> = { urgent: 3, high: 2, normal: 1, low: 0 }

function activity(c: Conversation): number {
  return Date.parse(c.last_activity_at)
}

/** Waiting customers first, longest wait first; those nobody is waiting on last, by id. */
function byWaiting(a: Conversation, b: Conversation): number {
  const wa = a.waiting_since ? Date.parse(a.waiting_since) : null
  const wb = b.waiting_since ? Date.parse(b.waiting_since) : null
  if (wa !== null && wb !== null && wa !== wb) return wa - wb
  if (wa === null && wb !== null) return 1
  if (wa !== null && wb === null) return -1
  return a.id - b.id
}

/** Soonest deadline first; those without one last; then by id (as `sort=due` pages). */
function byDue(dueOf: (id: number) => number | null): (a: Conversation, b: Conversation) => number {
  return (a, b) => {
    const da = dueOf(a.id)
    const db = dueOf(b.id)
    if (da !== null && db !== null && da !== db) return da - db
    if (da === null && db !== null) return 1
    if (da !== null && db === null) return -1
    return a.id - b.id
  }
}

export function compareFor(
  sort: ConversationSort,
  dueOf: (id: number) => number | null = () => null,
): (a: Conversation, b: Conversation) => number {
  if (sort === 'due') return byDue(dueOf)
  if (sort === 'newest') return (a, b) => activity(b) - activity(a) || b.id - a.id
  if (sort === 'waiting') return byWaiting
  return (a, b) => (PRIORITY_RANK[b.priority] ?? 1) - (PRIORITY_RANK[a.priority] ?? 1) || byWaiting(a, b)
}

export interface ViewKey {
  view: ConversationView
  teamId: number | null
}

export function matchesView(c: Conversation, key: ViewKey, myId: number | null): boolean {
  if (key.view === 'mine') return myId !== null && c.assignee_id === myId
  if (key.view === 'unassigned') return c.assignee_id === null
  if (key.view === 'team') return key.teamId !== null && c.team_id === key.teamId
  return true
}
