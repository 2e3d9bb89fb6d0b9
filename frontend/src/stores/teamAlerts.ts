import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { Escalation } from '@/api/routing'
import { i18n } from '@/i18n'
import { beep } from '@/utils/sound'
import { useAgentsStore } from './agents'
import { useConversationsStore } from './conversations'
import { useNotificationsStore } from './notifications'
import { usePrefsStore } from './prefs'
import { useSessionStore } from './session'
import { useUiStore } from './ui'

/**
 * Escalations into the operator's teams: a sound, a desktop notification (when the browser
 * allows it) and a badge on the team's tab until they open it. Events are replayed after a
 * reconnect: each escalation alerts once (by id).
 */
export const useTeamAlertsStore = defineStore('teamAlerts', () => {
  /** New escalations per team id, not yet seen in its tab. */
  const unseen = ref<Record<number, number>>({})
  const alerted = new Set<number>()

  function watching(teamId: number): boolean {
    const prefs = usePrefsStore()
    const visible = typeof document === 'undefined' || document.visibilityState === 'visible'
    return visible && prefs.view === 'team' && prefs.teamId === teamId
  }

  function receive(e: Escalation, reason?: string): void {
    const session = useSessionStore()
    const me = session.me
    if (!me || !me.team_ids.includes(e.to_team_id) || e.from_agent_id === me.id) return
    if (alerted.has(e.id)) return
    alerted.add(e.id)
    if (!watching(e.to_team_id)) unseen.value[e.to_team_id] = (unseen.value[e.to_team_id] ?? 0) + 1
    useConversationsStore().scheduleCounts()
    if (usePrefsStore().sound) beep()
    notify(e, reason ?? e.reason)
  }

  function notify(e: Escalation, reason: string): void {
    if (useNotificationsStore().permission !== 'granted' || typeof Notification === 'undefined') return
    const t = i18n.global.t
    const team = useAgentsStore().teamById.get(e.to_team_id)?.name ?? String(e.to_team_id)
    const conv = useConversationsStore().byId[e.conversation_id]
    const name = conv?.contact.name ?? conv?.contact.email ?? t('contact.anonymous')
    try {
      const n = new Notification(t('queues.escalated.title', { team }), {
        body: t('queues.escalated.body', { name, reason: reason.slice(0, 160) }),
        tag: `otklik-escalation-${e.id}`,
      })
      n.onclick = () => {
        window.focus()
        useUiStore().requestOpen(e.conversation_id)
        n.close()
      }
    } catch {
      // some browsers allow notifications only from a service worker
    }
  }

  function seen(teamId: number): void {
    delete unseen.value[teamId]
  }

  function reset(): void {
    unseen.value = {}
    alerted.clear()
  }

  return { unseen, receive, seen, reset }
})
