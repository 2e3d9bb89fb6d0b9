import { defineStore } from 'pinia'
import { routing as api, type EscalateBody, type Escalation, type TransferBody } from '@/api/routing'
import { useConversationsStore } from './conversations'
import { liveLists } from './liveLists'

/** The escalation waiting to be handed back (the newest one that asked for it), if any. */
export function pendingHandBack(items: Escalation[] | undefined): Escalation | null {
  if (!items) return null
  for (let i = items.length - 1; i >= 0; i--) {
    const e = items[i]!
    if (e.hand_back && e.handed_back_at === null) return e
  }
  return null
}

/**
 * Escalation history per conversation (loaded when a conversation is opened, kept current by
 * `conversation.escalated` / `conversation.handed_back`), and the routing actions.
 */
export const useEscalationsStore = defineStore('escalations', () => {
  const lists = liveLists<Escalation>((list, escalation) => {
    const idx = list.findIndex((e) => e.id === escalation.id)
    if (idx >= 0) list.splice(idx, 1, escalation)
    else {
      list.push(escalation)
      list.sort((a, b) => a.id - b.id)
    }
  })
  const byConversation = lists.byConversation

  async function load(conversationId: number): Promise<void> {
    try {
      await lists.load(conversationId, async () => (await api.escalations(conversationId)).items)
    } catch {
      // the header simply offers no hand-back; the next event or open tries again
    }
  }

  /** From an event: replace by id, keep the order by id (see ``liveLists``). */
  const receive = lists.receive

  /** Load the open conversation's history again, forget the others' (a socket resync). */
  async function refresh(active: number | null): Promise<void> {
    lists.forgetAllBut(active)
    if (active !== null) await load(active)
  }

  function pending(conversationId: number): Escalation | null {
    return pendingHandBack(byConversation.value[conversationId])
  }

  async function escalate(conversationId: number, body: EscalateBody): Promise<void> {
    await useConversationsStore().putAnswer(conversationId, () => api.escalate(conversationId, body))
    useConversationsStore().scheduleCounts()
    await load(conversationId)
  }

  async function handBack(conversationId: number, note: string): Promise<void> {
    await useConversationsStore().putAnswer(conversationId, () => api.handBack(conversationId, note))
    useConversationsStore().scheduleCounts()
    await load(conversationId)
  }

  async function transfer(conversationId: number, body: TransferBody): Promise<void> {
    await useConversationsStore().putAnswer(conversationId, () => api.transfer(conversationId, body))
    useConversationsStore().scheduleCounts()
  }

  function reset(): void {
    byConversation.value = {}
  }

  return { byConversation, load, receive, pending, escalate, handBack, transfer, reset, refresh }
})
