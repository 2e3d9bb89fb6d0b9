import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { Component } from 'vue'
import type { ApiToken } from '@/api/security'
import type { Rule } from '@/api/settings-types'
import type { SurveySettings } from '@/api/surveys'
import AttributesSettings from '@/components/settings/attributes/AttributesSettings.vue'
import MacrosSettings from '@/components/settings/macros/MacrosSettings.vue'
import RulesSettings from '@/components/settings/rules/RulesSettings.vue'
import SurveysSettings from '@/components/settings/surveys/SurveysSettings.vue'
import TeamsSettings from '@/components/settings/TeamsSettings.vue'
import SessionList from '@/components/settings/security/SessionList.vue'
import ApiTokensSettings from '@/components/settings/tokens/ApiTokensSettings.vue'
import DeliveryLog from '@/components/settings/webhooks/DeliveryLog.vue'
import WebhooksSettings from '@/components/settings/webhooks/WebhooksSettings.vue'
import { i18n } from '@/i18n'
import { flush, heldAnswer, jsonResponse, mockFetch, signedIn } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = signedIn()
})

afterEach(() => {
  vi.useRealTimers()
})

function mountIt(component: Component, props: Record<string, unknown> = {}) {
  return mount(component, { props, global: { plugins: [pinia, i18n] }, attachTo: document.body })
}

function token(id: number, name: string): ApiToken {
  return { id, name, prefix: `otk_${id}`, scope: 'read', agent_id: 1, created_at: '2026-12-04T10:00:00Z', expires_at: null, last_used_at: null, revoked_at: null }
}

function surveySettings(inboxId: number, over: Partial<SurveySettings> = {}): SurveySettings {
  const texts = { csat: '', nps: '', ces: '' }
  return { inbox_id: inboxId, csat_enabled: false, nps_enabled: false, nps_interval_days: 90, ces_enabled: false, expires_hours: 72, texts: { ru: { ...texts }, en: { ...texts } }, ...over }
}

describe('settings pages before their first load answered', () => {
  it('attributes: no table, no "none yet" and no form to add one until the definitions are in', async () => {
    const list = heldAnswer()
    mockFetch({ 'GET /attribute-definitions': list.route })
    const w = mountIt(AttributesSettings)
    await flush()
    expect(w.find('[data-testid="attributes-loading"]').text()).toBe('Loading…')
    expect(w.find('[data-testid="attribute-create-form"]').exists()).toBe(false)
    expect(w.text()).not.toContain(i18n.global.t('setup.attributes.empty'))
    list.release({ items: [{ id: 1, entity: 'conversation', key: 'plan', label: 'Plan', type: 'text', options: [] }] })
    await flush()
    expect(w.find('[data-testid="attribute-table"]').text()).toContain('plan')
    expect(w.find('[data-testid="attribute-create-form"]').exists()).toBe(true)
    w.unmount()
  })

  it('macros (and the other script lists): "new" is offered once the list is in', async () => {
    const list = heldAnswer()
    mockFetch({ 'GET /macros': list.route, 'GET /agents': () => ({ items: [] }), 'GET /teams': () => ({ items: [] }) })
    const w = mountIt(MacrosSettings)
    await flush()
    expect(w.find('[data-testid="macro-new"]').exists()).toBe(false)
    expect(w.find('[data-testid="macros-loading"]').exists()).toBe(true)
    expect(w.text()).not.toContain(i18n.global.t('setup.macros.empty'))
    list.release({ items: [] })
    await flush()
    expect(w.find('[data-testid="macro-new"]').exists()).toBe(true)
    expect(w.text()).toContain(i18n.global.t('setup.macros.empty'))
    w.unmount()
  })

  it('webhooks: "new" (whose editor needs the events) and "none yet" wait for the load', async () => {
    const list = heldAnswer()
    mockFetch({ 'GET /webhooks/events': () => ({ items: ['message.created'] }), 'GET /webhooks': list.route })
    const w = mountIt(WebhooksSettings)
    await flush()
    expect(w.find('[data-testid="webhook-new"]').exists()).toBe(false)
    expect(w.find('[data-testid="webhook-empty"]').exists()).toBe(false)
    list.release({ items: [] })
    await flush()
    expect(w.find('[data-testid="webhook-new"]').exists()).toBe(true)
    expect(w.find('[data-testid="webhook-empty"]').exists()).toBe(true)
    w.unmount()
  })

  it('teams: not "no teams yet" while the teams load', async () => {
    const teams = heldAnswer()
    mockFetch({ 'GET /agents': () => ({ items: [] }), 'GET /teams': teams.route })
    const w = mountIt(TeamsSettings)
    await flush()
    expect(w.text()).not.toContain(i18n.global.t('settings.teams.empty'))
    expect(w.find('[data-testid="teams-loading"]').exists()).toBe(true)
    teams.release({ items: [] })
    await flush()
    expect(w.text()).toContain(i18n.global.t('settings.teams.empty'))
    w.unmount()
  })
})

describe('settings pages whose older load answers last', () => {
  it('tokens: one created before the first load answered stays listed', async () => {
    const first = heldAnswer()
    let lists = 0
    mockFetch({
      // the first list was read before the token was made; the reload after creating it has it
      'GET /api-tokens': () => (++lists === 1 ? first.route() : { items: [token(4, 'CRM sync')] }),
      'POST /api-tokens': () => ({ ...token(4, 'CRM sync'), token: 'otk_secret' }),
    })
    const w = mountIt(ApiTokensSettings)
    await flush()
    await w.get('[data-testid="token-name"]').setValue('CRM sync')
    await w.get('[data-testid="token-create-form"]').trigger('submit')
    await flush()
    first.release({ items: [] })
    await flush()
    expect(w.findAll('[data-testid="token-row"]').map((r) => r.text())).toEqual([expect.stringContaining('CRM sync')])
    expect(w.find('[data-testid="token-value"]').text()).toBe('otk_secret')
    w.unmount()
  })

  it('delivery log: a resent delivery is not undone by the quiet refresh that was under way', async () => {
    vi.useFakeTimers()
    const d = (id: number, resent: number | null = null) => ({ id, endpoint_id: 1, event: 'message.created', state: 'success', attempts: 1, status_code: 200, response_snippet: 'ok', error: null, duration_ms: 5, resent_from_id: resent, created_at: '2026-12-04T10:00:00Z', last_attempt_at: null, payload: {} })
    const refresh = heldAnswer()
    let pages = 0
    mockFetch({
      'GET /webhooks/1/deliveries': () => {
        pages++
        if (pages === 1) return { items: [d(1)], next_before_id: null }
        if (pages === 2) return refresh.route() // the timer's refresh, read before the resend
        return { items: [d(2, 1), d(1)], next_before_id: null }
      },
      'POST /webhooks/deliveries/1/resend': () => d(2, 1),
    })
    const endpoint = { id: 1, url: 'https://crm.example.com/hook', description: null, events: ['message.created'], active: true, created_at: '2026-12-04T09:00:00Z', secret: null }
    const w = mountIt(DeliveryLog, { endpoint, refreshMs: 3000 })
    await flush()
    await vi.advanceTimersByTimeAsync(3000)
    expect(pages).toBe(2)
    await w.get('[data-testid="delivery-resend"]').trigger('click')
    await flush()
    expect(w.findAll('[data-testid="delivery-row"]')).toHaveLength(2)
    refresh.release({ items: [d(1)], next_before_id: null })
    await flush()
    expect(w.findAll('[data-testid="delivery-row"]').map((r) => r.attributes('data-delivery-id'))).toEqual(['2', '1'])
    w.unmount()
  })

  it('surveys: the settings of the inbox chosen before do not show (nor get saved) as the new one’s', async () => {
    const first = heldAnswer()
    mockFetch({
      'GET /inboxes': () => ({ items: [{ id: 1, name: 'Site', channel: 'widget' }, { id: 2, name: 'Mail', channel: 'email' }] }),
      'GET /inboxes/1/surveys': first.route,
      'GET /inboxes/2/surveys': () => surveySettings(2, { nps_enabled: true }),
    })
    const w = mountIt(SurveysSettings)
    await flush()
    expect(w.find('[data-testid="surveys-csat"]').exists()).toBe(false)
    await w.get('[data-testid="surveys-inbox"]').setValue(2)
    await flush()
    first.release(surveySettings(1, { csat_enabled: true }))
    await flush()
    expect((w.get('[data-testid="surveys-csat"]').element as HTMLInputElement).checked).toBe(false)
    expect((w.get('[data-testid="surveys-nps"]').element as HTMLInputElement).checked).toBe(true)
    w.unmount()
  })

  it('sessions: the ones a password change ended do not come back with the slower first load', async () => {
    const first = heldAnswer()
    const session = (id: number, current: boolean) => ({ id, created_at: '2026-12-04T09:00:00Z', last_seen_at: '2026-12-04T10:00:00Z', expires_at: '2026-12-18T09:00:00Z', ip: null, user_agent: `browser ${id}`, current })
    let lists = 0
    mockFetch({ 'GET /auth/sessions': () => (++lists === 1 ? first.route() : { items: [session(1, true)] }) })
    const w = mountIt(SessionList)
    await flush()
    // the password changed (the page asks the list again): the other sessions are ended
    await (w.vm as unknown as { load: () => Promise<void> }).load()
    first.release({ items: [session(1, true), session(2, false)] })
    await flush()
    expect(w.findAll('[data-testid="session-row"]')).toHaveLength(1)
    w.unmount()
  })

  it('rules: a rule switched off while the list reloads (after a failed move) stays off', async () => {
    const rule = (id: number, position: number, enabled = true): Rule => ({ id, name: `Rule ${id}`, enabled, trigger: { type: 'conversation_created', minutes: null }, match: 'all', conditions: [], actions: [], position, created_at: '2026-12-04T09:00:00Z', updated_at: '2026-12-04T09:00:00Z' })
    const reload = heldAnswer()
    let lists = 0
    mockFetch({
      'GET /agents': () => ({ items: [] }),
      'GET /teams': () => ({ items: [] }),
      // the reload after the failed move was read before rule 2 was switched off
      'GET /automation-rules': () => (++lists === 1 ? { items: [rule(1, 0), rule(2, 10)] } : reload.route()),
      'PATCH /automation-rules/*': (url, init) => {
        const body = JSON.parse(String(init.body)) as { position?: number; enabled?: boolean }
        if (body.position !== undefined) return jsonResponse(500, { error: { code: 'internal', message: 'down' } })
        return rule(Number(url.pathname.split('/').pop()), 10, body.enabled)
      },
    })
    const w = mountIt(RulesSettings)
    await flush()
    await w.findAll('[data-testid="rule-down"]')[0]!.trigger('click')
    await flush()
    expect(lists).toBe(2)
    const second = w.get('[data-rule-id="2"] [data-testid="rule-enabled"]')
    ;(second.element as HTMLInputElement).checked = false
    await second.trigger('change')
    await flush()
    reload.release({ items: [rule(1, 0), rule(2, 10)] })
    await flush()
    expect(w.get('[data-rule-id="2"]').classes()).toContain('is-off')
    w.unmount()
  })
})
