import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Escalation } from '@/api/routing'
import { usePrefsStore } from '@/stores/prefs'
import { useSessionStore } from '@/stores/session'
import { useTeamAlertsStore } from '@/stores/teamAlerts'
import { mockFetch } from './helpers'

const ME = { id: 1, email: 'me@x', name: 'Me', role: 'agent' as const, languages: [], status: 'online' as const, active: true, team_ids: [7] }

function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 10,
    conversation_id: 5,
    from_agent_id: 2,
    from_team_id: null,
    to_team_id: 7,
    reason: 'billing',
    hand_back: false,
    created_at: '2026-12-04T00:00:00Z',
    handed_back_at: null,
    ...over,
  } as Escalation
}

describe('team alerts', () => {
  beforeEach(() => {
    localStorage.clear()
    setActivePinia(createPinia())
    useSessionStore().me = { ...ME }
    usePrefsStore().sound = false
    mockFetch({ 'GET /conversations': () => ({ items: [], next_cursor: null, counts: { mine: 0, unassigned: 0, all: 0, teams: [] } }) })
  })

  it('badges the team tab once per escalation into one of my teams', () => {
    const alerts = useTeamAlertsStore()
    alerts.receive(escalation())
    alerts.receive(escalation()) // a replay after a reconnect
    alerts.receive(escalation({ id: 11, to_team_id: 8 })) // not my team
    alerts.receive(escalation({ id: 12, from_agent_id: 1 })) // my own escalation
    expect(alerts.unseen).toEqual({ 7: 1 })
    alerts.seen(7)
    expect(alerts.unseen).toEqual({})
  })

  it('does not badge the tab the operator is looking at', () => {
    const prefs = usePrefsStore()
    prefs.view = 'team'
    prefs.teamId = 7
    const alerts = useTeamAlertsStore()
    alerts.receive(escalation())
    expect(alerts.unseen).toEqual({})
  })
})
