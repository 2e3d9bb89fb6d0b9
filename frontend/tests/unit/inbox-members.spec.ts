import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '@/api/types'
import InboxMembers from '@/components/settings/inbox/InboxMembers.vue'
import { i18n } from '@/i18n'
import { useAgentsStore } from '@/stores/agents'
import { jsonResponse, mockFetch } from './helpers'

let pinia: Pinia

function person(id: number, name: string, role: Agent['role'], active = true): Agent {
  return { id, email: `${id}@example.com`, name, role, languages: [], status: 'online', active, team_ids: [] }
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  useAgentsStore().agents = [
    person(1, 'Ada', 'admin'),
    person(2, 'Lena', 'supervisor'),
    person(3, 'Ivan', 'agent'),
    person(4, 'Gone', 'agent', false),
  ]
})

function mountIt() {
  return mount(InboxMembers, { props: { inboxId: 7 }, global: { plugins: [pinia, i18n] }, attachTo: document.body })
}

describe('InboxMembers', () => {
  it('shows who answers the inbox and saves exactly the ticked operators', async () => {
    const { calls } = mockFetch({
      'GET /inboxes/7/members': () => ({ agent_ids: [1, 2] }),
      'PUT /inboxes/7/members': (_url, init) => JSON.parse(String(init.body)) as object,
    })
    const w = mountIt()
    await flushPromises()
    const box = (id: number) => w.get(`[data-testid="inbox-member-${id}"]`).element as HTMLInputElement
    expect(box(2).checked).toBe(true)
    expect(box(3).checked).toBe(false)
    // Admins see every inbox: shown ticked, not editable. Deactivated operators are not listed.
    expect(box(1).checked && box(1).disabled).toBe(true)
    expect(w.text()).toContain('sees every inbox')
    expect(w.find('[data-testid="inbox-member-4"]').exists()).toBe(false)

    await w.get('[data-testid="inbox-member-2"]').setValue(false)
    await w.get('[data-testid="inbox-member-3"]').setValue(true)
    await w.get('[data-testid="inbox-members-save"]').trigger('click')
    await flushPromises()
    const put = calls.find((c) => c.method === 'PUT')!
    expect((put.body as { agent_ids: number[] }).agent_ids.sort()).toEqual([1, 3])
    expect(w.get('[data-testid="inbox-members-message"]').text()).toBe('Members saved.')
    w.unmount()
  })

  it('shows the server’s refusal in Russian too', async () => {
    i18n.global.locale.value = 'ru'
    mockFetch({
      'GET /inboxes/7/members': () => ({ agent_ids: [] }),
      'PUT /inboxes/7/members': () => jsonResponse(422, { error: { code: 'validation_error', message: 'Unknown agent ids: [9].' } }),
    })
    const w = mountIt()
    await flushPromises()
    expect(w.text()).toContain('Участники')
    await w.get('[data-testid="inbox-members-save"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="inbox-members-message"]').text()).toContain('Unknown agent ids')
    w.unmount()
  })
})
