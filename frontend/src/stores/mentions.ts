import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { mentions as api, type Mention } from '@/api/mentions'
import { i18n } from '@/i18n'
import { changesDuringLoad } from './duringLoad'
import { useNotificationsStore } from './notifications'
import { useSessionStore } from './session'
import { useToastStore } from './toasts'

const PAGE = 30

/**
 * The notes that mention the signed-in operator: their list (newest first), the unread count
 * for the badge, live additions from the socket (with a sound, a desktop notification and a
 * toast) and read marks shared with the operator's other tabs.
 */
export const useMentionsStore = defineStore('mentions', () => {
  const items = ref<Mention[]>([])
  const unread = ref(0)
  const loaded = ref(false)
  const nextBefore = ref<number | null>(null)
  const failed = ref(false)

  const unreadItems = computed(() => items.value.filter((m) => m.read_at === null))

  const changes = changesDuringLoad()
  /** Bumped by every load and reset: a next page asked for before one answers for a list
   * that is gone (its cursor, its unread count) and is dropped. */
  let generation = 0

  /** A mention or a read mark arriving during the load is kept (``duringLoad.ts``): the page
   * may predate it (a new mention vanished from the list, a read one counted as unread). */
  async function load(): Promise<void> {
    generation++
    failed.value = false
    try {
      await changes.during(async (replay) => {
        const page = await api.list({ limit: PAGE })
        items.value = page.items
        unread.value = page.unread
        nextBefore.value = page.next_before
        replay()
        loaded.value = true
      })
    } catch {
      failed.value = true
    }
  }

  async function loadMore(): Promise<void> {
    if (nextBefore.value === null) return
    const mine = generation
    const page = await api.list({ limit: PAGE, before: nextBefore.value })
    if (mine !== generation) return
    const known = new Set(items.value.map((m) => m.id))
    items.value.push(...page.items.filter((m) => !known.has(m.id)))
    nextBefore.value = page.next_before
    unread.value = page.unread
  }

  /** A `mention.created` frame: only the operator it names keeps it and is alerted. */
  function receive(mention: Mention): void {
    if (mention.agent_id !== useSessionStore().myId) return
    if (items.value.some((m) => m.id === mention.id)) return
    changes.noted(() => {
      if (items.value.some((m) => m.id === mention.id)) return // the load's answer has it
      items.value.unshift(mention)
      if (mention.read_at === null) unread.value += 1
    })
    const author = mention.message.author_name ?? i18n.global.t('shift.mentions.someone')
    const title = i18n.global.t('shift.mentions.notify', { name: author })
    useToastStore().push(title)
    useNotificationsStore().alert(mention.conversation_id, mention.message.text, title, `otklik-mention-${mention.id}`)
  }

  /** A `mentions.read` frame (this operator, in any tab). */
  function applyRead(agentId: number, ids: number[]): void {
    if (agentId !== useSessionStore().myId) return
    changes.noted(() => {
      const now = new Date().toISOString()
      const marked = new Set(ids)
      let changed = 0
      items.value = items.value.map((m) => {
        if (!marked.has(m.id) || m.read_at !== null) return m
        changed++
        return { ...m, read_at: now }
      })
      // ids not in the loaded page still count: the server's number comes with the next load
      unread.value = Math.max(0, unread.value - Math.max(changed, 0))
    })
  }

  async function markRead(id: number): Promise<void> {
    const mention = items.value.find((m) => m.id === id)
    if (!mention || mention.read_at !== null) return
    const result = await api.read(id)
    applyRead(mention.agent_id, [id])
    unread.value = result.unread
  }

  async function markAllRead(): Promise<void> {
    const result = await api.readAll()
    const me = useSessionStore().myId
    if (me !== null) applyRead(me, items.value.map((m) => m.id))
    unread.value = result.unread
  }

  function reset(): void {
    generation++
    items.value = []
    unread.value = 0
    loaded.value = false
    nextBefore.value = null
  }

  return { items, unread, unreadItems, loaded, failed, nextBefore, load, loadMore, receive, applyRead, markRead, markAllRead, reset }
})
