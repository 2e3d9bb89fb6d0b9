import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import type { WebhookDelivery, WebhookEndpoint } from '@/api/webhooks'
import DeliveryLog from '@/components/settings/webhooks/DeliveryLog.vue'
import WebhookEditor from '@/components/settings/webhooks/WebhookEditor.vue'
import WebhookEvents from '@/components/settings/webhooks/WebhookEvents.vue'
import WebhooksSettings from '@/components/settings/webhooks/WebhooksSettings.vue'
import { i18n } from '@/i18n'
import { jsonResponse, mockFetch } from './helpers'

const EVENTS = [
  'message.created',
  'conversation.created',
  'conversation.status_changed',
  'conversation.assigned',
  'conversation.escalated',
]
let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

function opts() {
  return { global: { plugins: [pinia, i18n] }, attachTo: document.body }
}

function endpoint(over: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: 1,
    url: 'https://crm.example.com/hook',
    description: 'CRM',
    events: ['message.created'],
    active: true,
    created_at: '2026-11-24T07:00:00Z',
    secret: null,
    ...over,
  }
}

function delivery(id: number, over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id,
    endpoint_id: 1,
    event: 'message.created',
    state: 'success',
    attempts: 1,
    status_code: 200,
    response_snippet: 'ok',
    error: null,
    duration_ms: 12,
    resent_from_id: null,
    created_at: '2026-11-24T07:00:00Z',
    last_attempt_at: '2026-11-24T07:00:01Z',
    payload: {},
    ...over,
  }
}

const checkboxes = (w: VueWrapper) => w.findAll<HTMLInputElement>('[data-testid="webhook-event"]')

describe('WebhookEvents', () => {
  it('one checkbox per event the server offers; the model keeps the server’s order', async () => {
    let value: string[] = ['conversation.assigned']
    const mountAny = mount as (c: Component, o: Record<string, unknown>) => VueWrapper
    const w: VueWrapper = mountAny(WebhookEvents, {
      props: {
        events: EVENTS,
        modelValue: value,
        'onUpdate:modelValue': (v: string[]) => {
          value = v
          void w.setProps({ modelValue: v })
        },
      },
      ...opts(),
    })
    expect(checkboxes(w).map((c) => c.element.value)).toEqual(EVENTS)
    expect(checkboxes(w).map((c) => c.element.checked)).toEqual([false, false, false, true, false])
    expect(w.text()).toContain('a new message, notes included')
    await checkboxes(w)[0]!.setValue(true)
    expect(value).toEqual(['message.created', 'conversation.assigned'])
    await checkboxes(w)[3]!.setValue(false)
    expect(value).toEqual(['message.created'])
    w.unmount()
  })
})

describe('WebhookEditor', () => {
  it('sends the checked events; no event, no save', async () => {
    const { calls } = mockFetch({ 'POST /webhooks': () => jsonResponse(201, endpoint({ secret: 's'.repeat(43) })) })
    const w = mount(WebhookEditor, { props: { endpoint: null, events: EVENTS }, ...opts() })
    await w.get('[data-testid="webhook-url"]').setValue('https://crm.example.com/hook')
    await w.get('[data-testid="webhook-description"]').setValue('CRM')
    expect(w.get('[data-testid="webhook-save"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-testid="webhook-events-hint"]').exists()).toBe(true)
    await checkboxes(w)[2]!.setValue(true)
    await checkboxes(w)[0]!.setValue(true)
    expect(w.get('[data-testid="webhook-save"]').attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toEqual({
      url: 'https://crm.example.com/hook',
      description: 'CRM',
      events: ['message.created', 'conversation.status_changed'],
      active: true,
    })
    expect(w.emitted('saved')).toHaveLength(1)
    w.unmount()
  })

  it('edits an endpoint: its events are checked, a refusal is shown', async () => {
    const { calls } = mockFetch({
      'PATCH /webhooks/1': () =>
        jsonResponse(422, { error: { code: 'validation_error', message: 'url: 127.0.0.1 is not a public address' } }),
    })
    const w = mount(WebhookEditor, {
      props: { endpoint: endpoint({ events: ['conversation.created'] }), events: EVENTS },
      ...opts(),
    })
    expect(checkboxes(w).map((c) => c.element.checked)).toEqual([false, true, false, false, false])
    await w.get('[data-testid="webhook-active"]').setValue(false)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toMatchObject({ events: ['conversation.created'], active: false })
    expect(w.get('[data-testid="webhook-error"]').text()).toContain('not a public address')
    expect(w.emitted('saved')).toBeUndefined()
    w.unmount()
  })
})

describe('WebhooksSettings', () => {
  it('lists endpoints, shows a new one’s secret once, deletes after a confirmation', async () => {
    let list = [endpoint()]
    const { calls } = mockFetch({
      'GET /webhooks/events': () => ({ items: EVENTS }),
      'GET /webhooks': () => ({ items: list }),
      'POST /webhooks': () => {
        list = [...list, endpoint({ id: 2, url: 'https://b.example.com/x', description: '' })]
        return jsonResponse(201, { ...list[1], secret: 'the-signing-secret-0123456789' })
      },
      'DELETE /webhooks/*': () => {
        list = list.filter((e) => e.id !== 1)
        return new Response(null, { status: 204 })
      },
    })
    const w = mount(WebhooksSettings, { ...opts() })
    await flushPromises()
    expect(w.findAll('[data-testid="webhook-row"]')).toHaveLength(1)
    expect(w.get('[data-testid="webhook-row-events"]').text()).toBe('message.created')

    await w.get('[data-testid="webhook-new"]').trigger('click')
    await w.get('[data-testid="webhook-url"]').setValue('https://b.example.com/x')
    await checkboxes(w)[1]!.setValue(true)
    await w.get('[data-testid="webhook-editor"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="webhook-editor"]').exists()).toBe(false)
    expect((w.get('[data-testid="webhook-secret-value"]').element as HTMLInputElement).value).toBe(
      'the-signing-secret-0123456789',
    )
    expect(w.findAll('[data-testid="webhook-row"]')).toHaveLength(2)
    await w.get('[data-testid="webhook-secret-dismiss"]').trigger('click')
    expect(w.find('[data-testid="webhook-secret"]').exists()).toBe(false)

    await w.get('[data-testid="webhook-delete"]').trigger('click')
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false)
    await w.get('[data-testid="webhook-delete-confirm"]').trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/webhooks/1'])
    expect(w.findAll('[data-testid="webhook-row"]')).toHaveLength(1)
    w.unmount()
  })

  it('makes a new signing secret after a confirmation and shows it once', async () => {
    const { calls } = mockFetch({
      'GET /webhooks/events': () => ({ items: EVENTS }),
      'GET /webhooks': () => ({ items: [endpoint({ id: 4 })] }),
      'POST /webhooks/4/secret': () => ({ ...endpoint({ id: 4 }), secret: 'a-fresh-secret-0123456789abcd' }),
    })
    const w = mount(WebhooksSettings, { ...opts() })
    await flushPromises()
    await w.get('[data-testid="webhook-rotate"]').trigger('click')
    expect(calls.some((c) => c.method === 'POST')).toBe(false)
    expect(w.get('[data-testid="webhook-rotate-question"]').text()).toContain('Replace the secret?')
    await w.get('[data-testid="webhook-rotate-confirm"]').trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/webhooks/4/secret'])
    expect((w.get('[data-testid="webhook-secret-value"]').element as HTMLInputElement).value).toBe(
      'a-fresh-secret-0123456789abcd',
    )
    w.unmount()
  })
})

describe('DeliveryLog', () => {
  it('pages back with before_id, resends and reloads', async () => {
    let first = [delivery(30), delivery(29, { state: 'failed', status_code: null, error: 'Refused: loopback', attempts: 8 })]
    const { calls } = mockFetch({
      'GET /webhooks/1/deliveries': (url) =>
        url.searchParams.get('before_id') === '29'
          ? { items: [delivery(28, { status_code: 500, state: 'failed', attempts: 3 })], next_before_id: null }
          : { items: first, next_before_id: 29 },
      'POST /webhooks/deliveries/*/resend': () => {
        first = [delivery(31, { state: 'pending', status_code: null, attempts: 0, resent_from_id: 29 }), ...first]
        return jsonResponse(201, first[0])
      },
    })
    const w = mount(DeliveryLog, { props: { endpoint: endpoint(), pageSize: 2, refreshMs: 60_000 }, ...opts() })
    await flushPromises()
    const rows = () => w.findAll('[data-testid="delivery-row"]')
    expect(rows().map((r) => r.attributes('data-delivery-id'))).toEqual(['30', '29'])
    expect(rows()[0]!.get('[data-testid="delivery-status"]').text()).toBe('200')
    expect(rows()[1]!.get('[data-testid="delivery-status"]').text()).toBe('Refused: loopback')
    expect(rows()[1]!.get('[data-testid="delivery-attempts"]').text()).toBe('8')
    expect(rows()[1]!.text()).toContain('Failed')

    await w.get('[data-testid="delivery-older"]').trigger('click')
    await flushPromises()
    expect(calls[1]!.url.searchParams.get('before_id')).toBe('29')
    expect(calls[1]!.url.searchParams.get('limit')).toBe('2')
    expect(rows().map((r) => r.attributes('data-delivery-id'))).toEqual(['30', '29', '28'])
    expect(w.find('[data-testid="delivery-older"]').exists()).toBe(false)

    await rows()[1]!.get('[data-testid="delivery-resend"]').trigger('click')
    await flushPromises()
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/webhooks/deliveries/29/resend'])
    expect(rows().map((r) => r.attributes('data-delivery-id'))).toEqual(['31', '30', '29'])
    expect(rows()[0]!.text()).toContain('resent from #29')
    expect(rows()[0]!.text()).toContain('Pending')
    w.unmount()
  })
})
