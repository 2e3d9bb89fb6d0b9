import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { conversations as api, type AssignBody } from '@/api/client'
import type { Conversation, ConversationSort, ConversationStatus, ConversationView, Counts, SlaFilter } from '@/api/types'
import { compareFor, matchesView } from '@/utils/queueOrder'
import { changesDuringLoad } from './duringLoad'
import { usePrefsStore } from './prefs'
import { useSlaStore } from './sla'
import { useSessionStore } from './session'

const PAGE = 25
const NO_COUNTS: Counts = { mine: 0, unassigned: 0, all: 0, teams: [] }

export { matchesView }

/**
 * Every conversation we know of, kept current by socket events, and the list the operator
 * looks at (a view × a status). The list is computed from the cache, so an event that moves a
 * conversation in or out of the list shows at once, without a refetch.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const prefs = usePrefsStore()
  const session = useSessionStore()
  const sla = useSlaStore()
  /** The SLA filter ("breached", "due soon"): which conversations match is the server's
   * answer, so the filtered list holds the ids its pages brought (refetched on change). */
  const slaFilter = ref<SlaFilter | null>(null)
  const matched = ref<Set<number>>(new Set())

  const byId = ref<Record<number, Conversation>>({})
  const counts = ref<Counts>({ ...NO_COUNTS })
  const nextCursor = ref<string | null>(null)
  /** while more pages exist, hide cached items that sort after the last loaded one (no gaps) */
  const cutoff = ref<Conversation | null>(null)
  const loading = ref(false)
  const loadError = ref<string | null>(null)
  const activeId = ref<number | null>(null)
  let listRequest = 0
  let countsTimer: ReturnType<typeof setTimeout> | null = null

  const view = computed(() => prefs.view)
  const status = computed(() => prefs.status)
  const teamId = computed(() => (prefs.view === 'team' ? prefs.teamId : null))
  const sort = computed(() => prefs.sort)

  const list = computed<Conversation[]>(() => {
    const myId = session.myId
    const last = cutoff.value
    const compare = compareFor(prefs.sort, sla.dueMs)
    const only = slaFilter.value === null ? null : matched.value
    const key = { view: prefs.view, teamId: prefs.teamId }
    return Object.values(byId.value)
      .filter(
        (c) =>
          c.status === prefs.status &&
          matchesView(c, key, myId) &&
          (only === null || only.has(c.id)) &&
          (last === null || compare(c, last) <= 0),
      )
      .sort(compare)
  })

  /** How many conversations a team's queue holds (of the latest counts). */
  function teamCount(id: number): number {
    return (counts.value.teams ?? []).find((x) => x.team_id === id)?.n ?? 0
  }

  function query(extra: { cursor?: string | null; limit: number }) {
    return { view: prefs.view, status: prefs.status, sort: prefs.sort, sla: slaFilter.value, team_id: teamId.value, ...extra }
  }

  const active = computed(() => (activeId.value === null ? null : (byId.value[activeId.value] ?? null)))

  /**
   * Live frames that arrive while a page or a conversation loads: made now and made again, in
   * the order they came, on top of the load's answer, which may predate them (a conversation
   * resolved meanwhile came back into the open list with its older copy). Only frames: a copy
   * an API call answered with (mark read, assign, a status) is put once, when it comes, and
   * only if no frame came for it meanwhile (`putAnswer`). It may be older than such a frame,
   * so making it again after a load's answer brought back a stale subject; the change it made
   * reaches us as a frame too.
   * A frame that the answer already holds is made again as well: the list rows carry no event
   * id to tell, and the frames of anything newer that the answer holds come after it, in order.
   */
  const changes = changesDuringLoad()

  /** A copy of a conversation the server answered with (a load, an API call): put as it is. */
  function upsert(conv: Conversation): void {
    byId.value[conv.id] = conv
  }

  /** How many live frames each conversation has had: an API call's answer is put only when
   * none came while the call was under way. A frame that came meanwhile may be newer than the
   * answer (a reply renamed the conversation after the server read it for a mark read, and
   * the answer came later than the frame); the change the call made comes as a frame too. */
  const framesOf = new Map<number, number>()

  function noteFrame(id: number): void {
    framesOf.set(id, (framesOf.get(id) ?? 0) + 1)
  }

  async function putAnswer(id: number, call: () => Promise<Conversation>): Promise<void> {
    const before = framesOf.get(id) ?? 0
    const conv = await call()
    if ((framesOf.get(id) ?? 0) === before) upsert(conv)
  }

  /** A conversation as a live frame tells it (`conversation.created`, `…updated`,
   * `message.created`): kept through a load under way. */
  function receive(conv: Conversation): void {
    noteFrame(conv.id)
    changes.noted(() => upsert(conv))
  }

  /** A contact changed (a `contact.updated` frame): the brief copy of its name and email in
   * each of its conversations follows, through a load under way too. */
  function receiveContact(contact: Pick<Conversation['contact'], 'id' | 'name' | 'email'>): void {
    changes.noted(() => {
      for (const conv of Object.values(byId.value)) {
        if (conv.contact.id !== contact.id) continue
        if (conv.contact.name === contact.name && conv.contact.email === contact.email) continue
        noteFrame(conv.id)
        upsert({ ...conv, contact: { ...conv.contact, name: contact.name, email: contact.email } })
      }
    })
  }

  async function applyPage(items: Conversation[], cursor: string | null, first: boolean): Promise<void> {
    if (prefs.sort === 'due') await sla.add(items.map((c) => c.id))
    if (first) matched.value = new Set()
    for (const c of items) {
      upsert(c)
      matched.value.add(c.id)
    }
    nextCursor.value = cursor
    const last = items[items.length - 1]
    cutoff.value = cursor && last ? last : null
  }

  /** Load the first page of the current list. `reset` drops cached conversations (resync). */
  async function fetchList(reset = false): Promise<void> {
    const req = ++listRequest
    loading.value = true
    loadError.value = null
    try {
      await changes.during(async (replay) => {
        const page = await api.list(query({ limit: PAGE }))
        if (req !== listRequest) return
        if (reset) {
          const keep = activeId.value === null ? undefined : byId.value[activeId.value]
          byId.value = {}
          if (keep) upsert(keep)
        }
        counts.value = page.counts
        await applyPage(page.items, page.next_cursor, true)
        replay()
      })
    } catch (err) {
      if (req === listRequest) loadError.value = err instanceof Error ? err.message : String(err)
      throw err
    } finally {
      if (req === listRequest) loading.value = false
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loading.value) return
    loading.value = true
    const req = listRequest
    const cursor = nextCursor.value
    try {
      await changes.during(async (replay) => {
        const page = await api.list(query({ cursor, limit: PAGE }))
        if (req !== listRequest) return
        counts.value = page.counts
        await applyPage(page.items, page.next_cursor, false)
        replay()
      })
    } finally {
      if (req === listRequest) loading.value = false
    }
  }

  /** Another list: `team` needs the team's id. */
  function setView(v: ConversationView, team: number | null = null): Promise<void> {
    prefs.view = v
    if (v === 'team') prefs.teamId = team
    cutoff.value = null
    return fetchList().catch(() => undefined)
  }

  function setSort(s: ConversationSort): Promise<void> {
    prefs.sort = s
    cutoff.value = null
    return fetchList().catch(() => undefined)
  }

  function setSlaFilter(f: SlaFilter | null): Promise<void> {
    slaFilter.value = f
    cutoff.value = null
    return fetchList().catch(() => undefined)
  }

  function setStatus(s: ConversationStatus): Promise<void> {
    prefs.status = s
    cutoff.value = null
    return fetchList().catch(() => undefined)
  }

  let slaTimer: ReturnType<typeof setTimeout> | null = null

  /** An SLA alert arrived: a list filtered by SLA state is fetched again, once per burst. */
  function scheduleSlaRefetch(delayMs = 500): void {
    if (slaFilter.value === null) return
    if (slaTimer) clearTimeout(slaTimer)
    slaTimer = setTimeout(() => {
      slaTimer = null
      void fetchList().catch(() => undefined)
    }, delayMs)
  }

  /** Counts live: a burst of events costs one small request. */
  function scheduleCounts(delayMs = 300): void {
    if (countsTimer) clearTimeout(countsTimer)
    countsTimer = setTimeout(() => {
      countsTimer = null
      api
        .list(query({ limit: 1 }))
        .then((page) => {
          counts.value = page.counts
        })
        .catch(() => undefined)
    }, delayMs)
  }

  /** Make sure a conversation (e.g. from a deep link) is in the cache. */
  async function ensure(id: number): Promise<Conversation> {
    const cached = byId.value[id]
    if (cached) return cached
    return changes.during(async (replay) => {
      const conv = await api.get(id)
      upsert(conv)
      replay()
      return byId.value[id] ?? conv
    })
  }

  async function assign(id: number, body: AssignBody): Promise<void> {
    await putAnswer(id, () => api.assign(id, body))
    scheduleCounts()
  }

  async function changeStatus(id: number, s: ConversationStatus, snoozeUntil?: Date): Promise<void> {
    await putAnswer(id, () => api.setStatus(id, s, snoozeUntil?.toISOString()))
    scheduleCounts()
  }

  async function markRead(id: number): Promise<void> {
    const conv = byId.value[id]
    if (!conv || conv.unread_count === 0) return
    upsert({ ...conv, unread_count: 0 })
    try {
      await putAnswer(id, () => api.markRead(id))
    } catch {
      // the next event or refetch corrects the badge
    }
  }

  function reset(): void {
    byId.value = {}
    counts.value = { ...NO_COUNTS }
    nextCursor.value = null
    cutoff.value = null
    activeId.value = null
    listRequest++
  }

  return {
    byId,
    counts,
    nextCursor,
    loading,
    loadError,
    activeId,
    view,
    status,
    teamId,
    sort,
    slaFilter,
    list,
    teamCount,
    active,
    upsert,
    putAnswer,
    receive,
    receiveContact,
    fetchList,
    loadMore,
    setView,
    setStatus,
    setSort,
    setSlaFilter,
    scheduleSlaRefetch,
    scheduleCounts,
    ensure,
    assign,
    changeStatus,
    markRead,
    reset,
  }
})
