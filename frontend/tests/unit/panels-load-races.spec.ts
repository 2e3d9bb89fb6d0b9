import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { Component } from 'vue'
import type { Clock } from '@/api/sla'
import type { ScheduleRequest, Shift, TimesheetDay } from '@/api/workforce'
import SlaReport from '@/components/settings/sla/SlaReport.vue'
import SlaTargets from '@/components/sla/SlaTargets.vue'
import ScheduleRequests from '@/components/workforce/ScheduleRequests.vue'
import StatusTimeline from '@/components/workforce/StatusTimeline.vue'
import TeamSchedule from '@/components/workforce/TeamSchedule.vue'
import TimesheetPanel from '@/components/workforce/TimesheetPanel.vue'
import { i18n } from '@/i18n'
import { ADMIN, flush, heldAnswer, makeConversation, mockFetch, signedIn } from './helpers'

const OLGA = { ...ADMIN, id: 2, email: 'olga@x', name: 'Olga', role: 'agent' as const }
let pinia: Pinia

beforeEach(() => {
  pinia = signedIn()
})

function mountIt(component: Component, props: Record<string, unknown> = {}) {
  return mount(component, { props, global: { plugins: [pinia, i18n], stubs: { RouterLink: true } }, attachTo: document.body })
}

function clock(policy: string): Clock {
  return { target: 'first_response', policy_id: 1, policy_name: policy, state: 'running', started_at: '2026-12-04T10:00:00Z', due_at: '2026-12-04T11:00:00Z', remaining_s: null, met_at: null, breached_at: null }
}

function day(name: string, date: string): TimesheetDay {
  return { agent_id: 2, agent_name: name, date, logged_in_seconds: 3600, status_seconds: {}, handle_seconds: 0, dialog_seconds: 0, concurrency_seconds: { '0': 0, '1': 0, '2': 0, '3+': 0 }, occupancy: null, utilization: null }
}

describe('panels whose older load answers after a newer one', () => {
  it('SLA targets: another conversation opened while the first one’s load is slow shows its own', async () => {
    const first = heldAnswer()
    mockFetch({ 'GET /conversations/1/sla': first.route, 'GET /conversations/2/sla': () => ({ items: [clock('Second line')] }) })
    const w = mountIt(SlaTargets, { conversation: makeConversation({ id: 1 }) })
    await flush()
    await w.setProps({ conversation: makeConversation({ id: 2 }) })
    await flush()
    first.release({ items: [clock('First conversation')] })
    await flush()
    expect(w.findAll('[data-testid="sla-target"]').map((c) => c.attributes('title'))).toEqual(['Second line'])
    w.unmount()
  })

  it('SLA report: the rows of the grouping chosen first do not replace the last one’s', async () => {
    const byPolicy = heldAnswer()
    mockFetch({
      'GET /sla/compliance': (url) =>
        url.searchParams.get('by') === 'policy' ? byPolicy.route() : { items: [{ key: 'urgent', total: 4, met: 3, breached: 1, rate: 75 }] },
      'GET /sla/breaches': () => ({ items: [] }),
    })
    const w = mountIt(SlaReport, { policies: [], teams: [] })
    await flush()
    await w.get('[data-testid="sla-report-by"]').setValue('priority')
    await flush()
    byPolicy.release({ items: [{ key: '7', total: 9, met: 9, breached: 0, rate: 100 }] })
    await flush()
    expect(w.text()).toContain(i18n.global.t('sla.policies.priorities.urgent'))
    expect(w.text()).not.toContain('#7')
    w.unmount()
  })

  it('timesheet: "show" pressed again for other dates: the earlier, slower answer is dropped', async () => {
    const first = heldAnswer()
    mockFetch({
      'GET /workforce/timesheet': (url) =>
        url.searchParams.get('date_from') === '2026-11-01' ? { items: [day('Olga', '2026-11-01')] } : first.route(),
    })
    const w = mountIt(TimesheetPanel)
    await flush()
    await w.findAll('input[type="date"]')[0]!.setValue('2026-11-01')
    await w.get('form').trigger('submit')
    await flush()
    first.release({ items: [day('Boris', '2026-12-04')] })
    await flush()
    expect(w.findAll('[data-testid="timesheet-agent"]').map((c) => c.text())).toEqual(['Olga'])
    w.unmount()
  })

  it('team calendar: paging to the next week while this one loads shows the next week', async () => {
    const thisWeek = heldAnswer()
    let plans = 0
    const shift = (date: string, name: string): Shift => ({ agent_id: 2, date, template_id: null, name, starts_at: `${date}T09:00:00Z`, ends_at: `${date}T17:00:00Z`, source: 'pattern' })
    mockFetch({
      'GET /agents': () => ({ items: [OLGA] }),
      'GET /teams': () => ({ items: [] }),
      'GET /workforce/shift-templates': () => ({ items: [] }),
      'GET /workforce/overrides': () => ({ items: [] }),
      'GET /workforce/schedule': (url) => {
        const from = url.searchParams.get('date_from')!
        return ++plans === 1 ? thisWeek.route() : { items: [shift(from, 'Next week')] }
      },
    })
    const w = mountIt(TeamSchedule)
    await flush()
    await w.get('[data-testid="schedule-next"]').trigger('click')
    await flush()
    thisWeek.release({ items: [shift(new Date().toISOString().slice(0, 10), 'This week')] })
    await flush()
    const shown = w.findAll('[data-testid="schedule-shift"]')
    expect(shown.map((b) => b.text())).toEqual([expect.stringContaining('Next week')])
    w.unmount()
  })

  it('schedule requests: one asked before the first list answered stays listed', async () => {
    const first = heldAnswer()
    let lists = 0
    const asked: ScheduleRequest = { id: 8, kind: 'time_off', agent_id: 1, state: 'pending', date_from: '2026-12-10', date_to: '2026-12-11', reason: 'family', colleague_id: null, colleague_date: null, decided_by_id: null, created_at: '2026-12-04T10:00:00Z', decided_at: null }
    mockFetch({
      'GET /agents': () => ({ items: [OLGA] }),
      'GET /teams': () => ({ items: [] }),
      'GET /workforce/requests': () => (++lists === 1 ? first.route() : { items: [asked] }),
      'POST /workforce/requests/time-off': () => asked,
    })
    const w = mountIt(ScheduleRequests)
    await flush()
    await w.get('[data-testid="time-off-form"]').trigger('submit')
    await flush()
    first.release({ items: [] })
    await flush()
    expect(w.findAll('[data-testid="request-mine"]').map((r) => r.attributes('data-id'))).toEqual(['8'])
    w.unmount()
  })

  it('status timeline: another day chosen while one loads shows that day’s statuses', async () => {
    const first = heldAnswer()
    const interval = (status: 'online' | 'break', date: string) => ({ agent_id: 2, status, reason: null, source: 'operator', started_at: `${date}T09:00:00Z`, ended_at: `${date}T12:00:00Z` })
    mockFetch({
      'GET /workforce/agents/2/intervals': (url) => (url.searchParams.get('day') === '2026-12-03' ? first.route() : { items: [interval('online', '2026-12-04')] }),
    })
    const w = mountIt(StatusTimeline, { agentId: 2, day: '2026-12-03', name: 'Olga' })
    await flush()
    await w.setProps({ day: '2026-12-04' })
    await flush()
    first.release({ items: [interval('break', '2026-12-03')] })
    await flush()
    expect(w.findAll('[data-testid="timeline-segment"]').map((s) => s.attributes('data-status'))).toEqual(['online'])
    w.unmount()
  })
})
