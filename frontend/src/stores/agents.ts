import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { agents as agentsApi, teams as teamsApi } from '@/api/client'
import type { Agent, BreakReason, Presence, Team } from '@/api/types'
import { changesDuringLoad } from './duringLoad'
import { useSessionStore } from './session'

/** Colleagues and teams: for assignment menus, names and presence. */
export const useAgentsStore = defineStore('agents', () => {
  const agents = ref<Agent[]>([])
  const teams = ref<Team[]>([])
  const loaded = ref(false)
  const changes = changesDuringLoad()

  const byId = computed(() => new Map(agents.value.map((a) => [a.id, a])))
  const teamById = computed(() => new Map(teams.value.map((t) => [t.id, t])))
  const activeAgents = computed(() => agents.value.filter((a) => a.active))

  /** A presence frame or a saved team arriving during the load is kept (``duringLoad.ts``). */
  async function load(): Promise<void> {
    await changes.during(async (replay) => {
      const [a, t] = await Promise.all([agentsApi.list(), teamsApi.list()])
      agents.value = a.items
      teams.value = t.items
      replay()
      loaded.value = true
    })
  }

  function upsert(agent: Agent): void {
    changes.noted(() => {
      const idx = agents.value.findIndex((a) => a.id === agent.id)
      if (idx >= 0) agents.value[idx] = agent
      else agents.value.push(agent)
    })
    useSessionStore().updateMe(agent)
  }

  function upsertTeam(team: Team): void {
    changes.noted(() => {
      const idx = teams.value.findIndex((t) => t.id === team.id)
      if (idx >= 0) teams.value[idx] = team
      else teams.value.push(team)
    })
  }

  function setPresence(agentId: number, status: Presence): void {
    // Only the status changes, in the list and in one's own session (even before the
    // colleagues are loaded: the server brings back the status it took when the last tab
    // closed); a colleague not listed yet gets it if the list is loading meanwhile.
    changes.noted(() => {
      const listed = agents.value.findIndex((a) => a.id === agentId)
      if (listed >= 0) agents.value[listed] = { ...agents.value[listed]!, status }
    })
    useSessionStore().updateMe({ id: agentId, status })
  }

  async function setMyStatus(status: Presence, reason: BreakReason | null = null): Promise<void> {
    upsert(await agentsApi.setMyStatus(status, reason))
  }

  function reset(): void {
    agents.value = []
    teams.value = []
    loaded.value = false
  }

  return { agents, teams, loaded, byId, teamById, activeAgents, load, upsert, upsertTeam, setPresence, setMyStatus, reset }
})
