import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Breach } from '@/api/sla'
import SlaReport from '@/components/settings/sla/SlaReport.vue'
import { i18n } from '@/i18n'
import { mockFetch } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
})

const breach: Breach = {
  id: 1,
  conversation_id: 42,
  target: 'first_response',
  policy_id: 3,
  policy_name: 'Standard',
  target_minutes: 15,
  due_at: '2026-12-04T10:15:00Z',
  breached_at: '2026-12-04T10:16:00Z',
  inbox_id: 1,
  team_id: 2,
  assignee_id: null,
  priority: 'normal',
  reason: 'no operator reply within 15 business minutes',
  met_at: null,
}

describe('SLA report', () => {
  it('shows compliance by policy and why each target was missed, in Russian too', async () => {
    const { calls } = mockFetch({
      'GET /sla/compliance': () => ({ items: [{ key: '3', targets: 4, met: 3, breached: 1, compliance: 75 }] }),
      'GET /sla/breaches': () => ({ items: [breach] }),
    })
    i18n.global.locale.value = 'ru'
    const w = mount(SlaReport, {
      props: { policies: [{ id: 3, name: 'Standard' } as never], teams: [] },
      global: { plugins: [pinia, i18n], stubs: { RouterLink: { template: '<a><slot /></a>' } } },
    })
    await flushPromises()
    expect(w.get('[data-testid="sla-report-row"]').text()).toContain('Standard')
    expect(w.get('[data-testid="sla-report-row"]').text()).toContain('75 %')
    expect(w.get('[data-testid="sla-breach-reason"]').text()).toBe('нет ответа оператора за 15 рабочих минут')
    await w.get('[data-testid="sla-report-by"]').setValue('team')
    await flushPromises()
    expect(calls.some((c) => c.path === '/sla/compliance' && c.url.searchParams.get('by') === 'team')).toBe(true)
    i18n.global.locale.value = 'en'
  })
})
