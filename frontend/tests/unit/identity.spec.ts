import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { ChannelInbox } from '@/api/channels'
import type { Contact } from '@/api/types'
import CustomerCard from '@/components/contact/CustomerCard.vue'
import InboxForm from '@/components/settings/InboxForm.vue'
import { i18n } from '@/i18n'
import { useContactsStore } from '@/stores/contacts'
import { heldAnswer, makeConversation, mockFetch, type FetchCall } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})
afterEach(() => vi.unstubAllGlobals())

function opts() {
  return { global: { plugins: [pinia, i18n], stubs: { RouterLink: true } }, attachTo: document.body }
}

function contact(verifiedAt: string | null): Contact {
  return {
    id: 101,
    name: 'Anna',
    email: 'anna@example.com',
    attributes: {},
    created_at: '2026-11-24T06:00:00Z',
    visitor: null,
    verified_at: verifiedAt,
    verified: verifiedAt !== null,
    emails: [],
    phones: [],
    tags: [],
    language: null,
    timezone: null,
    consent: {},
    company_id: null,
    last_seen_at: null,
    external_id: null,
  }
}

describe('CustomerCard: the company', () => {
  it('of a contact moved to another company while the first one loads is the second', async () => {
    const first = heldAnswer()
    mockFetch({
      'GET /contacts/101': () => ({ ...contact(null), company_id: 7 }),
      'GET /contacts/101/conversations': () => ({ items: [] }),
      'GET /companies/7': first.route,
      'GET /companies/8': () => ({ id: 8, name: 'Second Ltd' }),
    })
    const w = mount(CustomerCard, { props: { conversation: makeConversation({ id: 1 }) }, ...opts() })
    await flushPromises()
    useContactsStore().receive({ ...contact(null), company_id: 8 })
    await flushPromises()
    first.release({ id: 7, name: 'First Ltd' })
    await flushPromises()
    expect(w.get('[data-testid="card-company"]').text()).toBe('Second Ltd')
    w.unmount()
  })
})

describe('CustomerCard: a verified contact', () => {
  it('is marked verified (with since when), an unverified one is not', async () => {
    mockFetch({ 'GET /contacts/101': () => contact('2026-11-24T06:30:00Z'), 'GET /contacts/101/conversations': () => ({ items: [] }) })
    const w = mount(CustomerCard, { props: { conversation: makeConversation({ id: 1 }) }, ...opts() })
    await flushPromises()
    const mark = w.get('[data-testid="contact-verified"]')
    expect(mark.text()).toContain('Verified')
    expect(mark.attributes('title')).toContain('Your site vouched for this user')
    i18n.global.locale.value = 'ru'
    await flushPromises()
    expect(w.get('[data-testid="contact-verified"]').text()).toContain('Проверен')
    w.unmount()

    setActivePinia((pinia = createPinia()))
    mockFetch({ 'GET /contacts/101': () => contact(null), 'GET /contacts/101/conversations': () => ({ items: [] }) })
    const plain = mount(CustomerCard, { props: { conversation: makeConversation({ id: 1 }) }, ...opts() })
    await flushPromises()
    expect(plain.find('[data-testid="contact-verified"]').exists()).toBe(false)
    plain.unmount()
  })
})

function widget(): ChannelInbox {
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
      frame_origins: [],
      identity_verification: 'off',
    },
    config: {},
  }
}

describe('InboxForm: identity verification', () => {
  const sent = (calls: FetchCall[], method: string) => calls.filter((c) => c.method === method && c.path.includes('/inboxes/3'))

  it('saves the mode with the form, and shows the secret only when asked', async () => {
    const { calls } = mockFetch({
      'PATCH /inboxes/3': () => ({ ...widget(), settings: { ...widget().settings, identity_verification: 'required' } }),
      'GET /inboxes/3/identity-secret': () => ({ secret: 'a'.repeat(64) }),
    })
    const w = mount(InboxForm, { props: { inbox: widget() }, ...opts() })
    const secret = w.get('[data-testid="identity-secret"]')
    expect(secret.attributes('type')).toBe('password')
    expect(sent(calls, 'GET').filter((c) => c.path.endsWith('identity-secret'))).toHaveLength(0)
    expect(w.get('[data-testid="identity-server-code"]').element).toHaveProperty('value', expect.stringContaining('hashlib.sha256'))
    expect((w.get('[data-testid="identity-snippet"]').element as HTMLTextAreaElement).value).toContain('data-user-hmac=')

    await w.get('[data-testid="identity-secret-reveal"]').trigger('click')
    await flushPromises()
    expect((w.get('[data-testid="identity-secret"]').element as HTMLInputElement).value).toBe('a'.repeat(64))

    await w.get('[data-testid="inbox-identity-mode"]').setValue('required')
    await w.get('form').trigger('submit')
    await flushPromises()
    const patch = sent(calls, 'PATCH')[0]!.body as { settings: { identity_verification: string } }
    expect(patch.settings.identity_verification).toBe('required')
    w.unmount()
  })

  it('makes a new secret only after a second click (RU)', async () => {
    i18n.global.locale.value = 'ru'
    const { calls } = mockFetch({ 'POST /inboxes/3/identity-secret': () => ({ secret: 'b'.repeat(64) }) })
    const w = mount(InboxForm, { props: { inbox: widget() }, ...opts() })
    expect(w.get('[data-testid="inbox-identity"]').text()).toContain('Проверка личности')
    await w.get('[data-testid="identity-secret-rotate"]').trigger('click')
    expect(sent(calls, 'POST')).toHaveLength(0)
    expect(w.get('[data-testid="identity-secret-rotate-question"]').text()).toContain('Заменить секрет?')
    await w.get('[data-testid="identity-secret-rotate-confirm"]').trigger('click')
    await flushPromises()
    expect(sent(calls, 'POST').map((c) => c.path)).toEqual(['/inboxes/3/identity-secret'])
    expect((w.get('[data-testid="identity-secret"]').element as HTMLInputElement).value).toBe('b'.repeat(64))
    w.unmount()
  })
})
