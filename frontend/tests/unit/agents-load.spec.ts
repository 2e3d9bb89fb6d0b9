import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Agent } from '@/api/types'
import { useAgentsStore } from '@/stores/agents'
import { flush, mockFetch } from './helpers'

function agent(over: Partial<Agent> = {}): Agent {
  return { id: 2, email: 'olga@example.com', name: 'Olga', role: 'agent', languages: ['ru'], status: 'offline', active: true, team_ids: [], ...over }
}

describe('colleagues and teams loading while things change', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('a presence frame and a saved team that arrive during the load are not undone by its answer', async () => {
    let answer: (() => void) | undefined
    const answered = new Promise<void>((resolve) => (answer = resolve))
    mockFetch({
      // Both answers were read before the changes below happened.
      'GET /agents': async () => {
        await answered
        return { items: [agent()] }
      },
      'GET /teams': async () => {
        await answered
        return { items: [] }
      },
    })
    const store = useAgentsStore()
    const loading = store.load()
    await flush()
    store.setPresence(2, 'online') // not listed yet
    store.upsertTeam({ id: 7, name: 'Second line', agent_ids: [] })
    answer!()
    await loading
    expect(store.byId.get(2)?.status).toBe('online')
    expect(store.teams.map((t) => t.name)).toEqual(['Second line'])
    // After the load, changes apply as usual and nothing is replayed twice.
    store.setPresence(2, 'away')
    expect(store.byId.get(2)?.status).toBe('away')
  })
})
