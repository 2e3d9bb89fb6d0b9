import { computed } from 'vue'
import { defineStore } from 'pinia'
import { conversationTools as api } from '@/api/conversation-tools'
import type { Priority } from '@/api/types'
import { serialQueue } from '@/utils/serial'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useMessagesStore } from './messages'

export const PRIORITIES: Priority[] = ['low', 'normal', 'high', 'urgent']

/** A tag as the server stores it: trimmed, lower case. */
export function normalizeTag(raw: string): string {
  return raw.trim().toLocaleLowerCase()
}

/** Tags, priority and merging of single conversations. */
export const useTriageStore = defineStore('triage', () => {
  const conversations = useConversationsStore()
  /** one write at a time per conversation: answers arrive in the order they were asked */
  const serial = serialQueue<number>()

  /** Every tag on a conversation we have loaded, for autocomplete; most used first. */
  const knownTags = computed<string[]>(() => {
    const counts = new Map<string, number>()
    for (const c of Object.values(conversations.byId)) {
      for (const tag of c.tags ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1)
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([t]) => t)
  })

  async function addTag(id: number, raw: string): Promise<void> {
    const tag = normalizeTag(raw)
    if (!tag) return
    await conversations.putAnswer(id, () => serial(id, () => api.setTags(id, { add: [tag] })))
  }

  async function removeTag(id: number, tag: string): Promise<void> {
    await conversations.putAnswer(id, () => serial(id, () => api.setTags(id, { remove: [tag] })))
  }

  async function setPriority(id: number, priority: Priority): Promise<void> {
    await conversations.putAnswer(id, () => serial(id, () => api.setPriority(id, priority)))
  }

  /** Move `otherId` into `id`; its messages show up in `id`, `otherId` is resolved. */
  async function merge(id: number, otherId: number): Promise<void> {
    conversations.upsert(await api.merge(id, otherId))
    await afterMerge(otherId, id)
  }

  return { knownTags, addTag, removeTag, setPriority, merge }
})

/** After a merge (ours or announced): threads and histories that changed are loaded again. */
export async function afterMerge(fromId: number, intoId: number): Promise<void> {
  const conversations = useConversationsStore()
  const messages = useMessagesStore()
  const contacts = useContactsStore()
  const jobs: Promise<unknown>[] = []
  for (const id of [fromId, intoId]) {
    const thread = messages.threads[id]
    if (!thread) continue
    thread.stale = true
    if (conversations.activeId === id) jobs.push(messages.refetch(id))
  }
  const contactId = conversations.byId[intoId]?.contact.id ?? conversations.byId[fromId]?.contact.id
  if (contactId !== undefined && contacts.history[contactId]) jobs.push(contacts.load(contactId))
  await Promise.all(jobs)
}
