import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { channelInboxes } from '@/api/channels'
import type { InboxHealth } from '@/generated/events'
import { changesDuringLoad } from './duringLoad'
import { useSessionStore } from './session'

export type { InboxHealth }

/** Admins: whether each inbox's channel works (from the inbox list, then live through
 * `channel.health_changed`). Other operators get no health from the server: it stays empty. */
export const useChannelHealthStore = defineStore('channelHealth', () => {
  const byInbox = ref<Record<number, InboxHealth>>({})
  const names = ref<Record<number, string>>({})

  const failing = computed(() =>
    Object.values(byInbox.value)
      .filter((h) => h.state === 'failing')
      .sort((a, b) => a.inbox_id - b.inbox_id),
  )

  const changes = changesDuringLoad()

  /** A `channel.health_changed` arriving during the load is kept (``duringLoad.ts``): the
   * list's answer may predate it (a channel that just failed showed as working). */
  async function load(): Promise<void> {
    if (!useSessionStore().isAdmin) return
    await changes.during(async (replay) => {
      const { items } = await channelInboxes.list()
      const health: Record<number, InboxHealth> = {}
      const named: Record<number, string> = {}
      for (const inbox of items) {
        named[inbox.id] = inbox.name
        if (inbox.health) health[inbox.id] = inbox.health
      }
      byInbox.value = health
      names.value = named
      replay()
    })
  }

  function receive(health: InboxHealth): void {
    changes.noted(() => {
      byInbox.value = { ...byInbox.value, [health.inbox_id]: health }
    })
    if (!(health.inbox_id in names.value)) void load().catch(() => undefined)
  }

  /** The settings saved or listed an inbox: its name, and its state unless the store knows
   * one already. The store's own load (on every socket connect) and the frames after it keep
   * a known state current; a settings list read before the latest frame would bring back the
   * older state (a channel that just failed shown as working). */
  function note(inbox: { id: number; name: string; health?: InboxHealth | null }): void {
    names.value = { ...names.value, [inbox.id]: inbox.name }
    if (inbox.health && !(inbox.id in byInbox.value)) {
      byInbox.value = { ...byInbox.value, [inbox.id]: inbox.health }
    }
  }

  function reset(): void {
    byInbox.value = {}
    names.value = {}
  }

  return { byInbox, names, failing, load, receive, note, reset }
})
