import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { ChannelInbox } from '@/api/channels'
import { parseOrigins } from '@/components/settings/inbox/frameOrigins'
import InboxForm from '@/components/settings/InboxForm.vue'
import { i18n } from '@/i18n'
import { jsonResponse, mockFetch, type FetchCall } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

function widget(frameOrigins: string[] = []): ChannelInbox {
  return {
    id: 3,
    name: 'Site',
    channel: 'widget',
    public_key: 'pk',
    active: true,
    team_id: null,
    settings: {
      color: '#1f6feb',
      title: '',
      greeting: '',
      position: 'right',
      language: 'auto',
      prechat: { name: 'optional', email: 'optional' },
      assignment: 'manual',
      offline_behavior: 'keep',
      skill_fallback_minutes: 5,
      working_hours: null,
      greeting_message: '',
      away_message: '',
      frame_origins: frameOrigins,
    },
    config: {},
  }
}

function opts() {
  return { global: { plugins: [pinia, i18n] }, attachTo: document.body }
}

describe('parseOrigins', () => {
  it('takes one site per line as CSP sources and names the lines that are not', () => {
    const parsed = parseOrigins(' https://Shop.example/ \n\nhttp://localhost:8080\nhttps://*.shop.example\nhttps://shop.example\nshop.example\nhttps://a.example/path\n*')
    expect(parsed.origins).toEqual(['https://shop.example', 'http://localhost:8080', 'https://*.shop.example'])
    expect(parsed.invalid).toEqual(['shop.example', 'https://a.example/path', '*'])
    expect(parsed.tooMany).toBe(false)
  })
  it('counts more than fifty sites as too many', () => {
    const many = Array.from({ length: 51 }, (_, i) => `https://s${i}.example`).join('\n')
    expect(parseOrigins(many).tooMany).toBe(true)
  })
})

describe('InboxForm: sites that may show the chat', () => {
  // The form also loads the inbox's members (InboxMembers, its own resource): look at the saves.
  const patches = (calls: FetchCall[]) => calls.filter((c) => c.method === 'PATCH')

  it('shows the stored sites, saves the typed ones, and refuses a bad line before saving', async () => {
    const { calls } = mockFetch({
      'PATCH /inboxes/3': (_url, init) => {
        const body = JSON.parse(String(init.body)) as { settings: { frame_origins: string[] } }
        return widget(body.settings.frame_origins)
      },
    })
    const w = mount(InboxForm, { props: { inbox: widget(['https://shop.example']) }, ...opts() })
    const field = w.get('[data-testid="inbox-frame-origins"]')
    expect((field.element as HTMLTextAreaElement).value).toBe('https://shop.example')

    await field.setValue('https://shop.example\nshop.example')
    expect(w.get('[data-testid="inbox-frame-origins-error"]').text()).toContain('Not a site address: shop.example.')
    expect(field.attributes('aria-invalid')).toBe('true')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(patches(calls)).toHaveLength(0)

    await field.setValue('https://shop.example\nhttps://*.shop.example')
    expect(w.find('[data-testid="inbox-frame-origins-error"]').exists()).toBe(false)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect((patches(calls)[0]!.body as { settings: { frame_origins: string[] } }).settings.frame_origins).toEqual([
      'https://shop.example',
      'https://*.shop.example',
    ])
    expect(w.get('[data-testid="inbox-save-message"]').text()).toBe(i18n.global.t('settings.saved'))
    w.unmount()
  })

  it('shows the server’s refusal (422) and keeps what was typed', async () => {
    mockFetch({
      'PATCH /inboxes/3': () =>
        jsonResponse(422, { error: { code: 'validation_error', message: 'settings.frame_origins.0: String should match pattern' } }),
    })
    i18n.global.locale.value = 'ru'
    const w = mount(InboxForm, { props: { inbox: widget() }, ...opts() })
    expect(w.text()).toContain('Сайты, на которых можно показывать чат')
    const field = w.get('[data-testid="inbox-frame-origins"]')
    await field.setValue('https://shop.example')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="inbox-save-message"]').text()).toContain('frame_origins')
    expect((field.element as HTMLTextAreaElement).value).toBe('https://shop.example')
    w.unmount()
  })
})
