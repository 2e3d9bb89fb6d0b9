import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import PersonalDataMenu from '@/components/contact/PersonalDataMenu.vue'
import { i18n } from '@/i18n'
import { useConversationsStore } from '@/stores/conversations'
import { useSessionStore } from '@/stores/session'
import { makeConversation, mockFetch } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})
afterEach(() => vi.unstubAllGlobals())

function opts() {
  return { global: { plugins: [pinia, i18n] }, attachTo: document.body }
}

describe('PersonalDataMenu', () => {
  it('is shown to admins only', () => {
    useSessionStore().me = { id: 2, role: 'agent' } as never
    const w = mount(PersonalDataMenu, { props: { contactId: 7 }, ...opts() })
    expect(w.find('[data-testid="personal-data-menu"]').exists()).toBe(false)
    w.unmount()
  })

  it('erases only after the confirmation, then follows the conversations to the placeholder', async () => {
    useSessionStore().me = { id: 1, role: 'admin' } as never
    const conversations = useConversationsStore()
    conversations.upsert(makeConversation({ id: 5, contact: { id: 7, name: 'Zinaida', email: 'z@example.org' } as never }))
    const { calls } = mockFetch({
      'POST /contacts/7/privacy/erase': () => ({ contact_id: 7, placeholder_id: 99, counts: { messages: 3 } }),
    })
    const w = mount(PersonalDataMenu, { props: { contactId: 7 }, ...opts() })
    await w.get('[data-testid="personal-data-erase"]').trigger('click')
    expect(calls).toHaveLength(0)
    expect(w.get('[data-testid="personal-data-erase-confirm"]').text()).toContain('cannot be undone')
    await w.get('[data-testid="personal-data-erase-confirm-button"]').trigger('click')
    await flushPromises()
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([
      ['POST', '/contacts/7/privacy/erase', { confirm_contact_id: 7 }],
    ])
    expect(conversations.byId[5]!.contact).toMatchObject({ id: 99, name: null, email: null })
    i18n.global.locale.value = 'ru'
    await flushPromises()
    expect(w.get('[data-testid="personal-data-erase"]').text()).toBe('Удалить контакт')
    w.unmount()
  })

  it('shows the download link once the export is ready', async () => {
    vi.useFakeTimers()
    useSessionStore().me = { id: 1, role: 'admin' } as never
    const pending = { id: 4, contact_id: 7, state: 'pending', download_url: null }
    let state = 'pending'
    mockFetch({
      'POST /contacts/7/privacy/exports': () => pending,
      'GET /privacy/exports/4': () =>
        state === 'ready' ? { ...pending, state, download_url: '/api/v1/privacy/exports/4/download' } : pending,
    })
    const w = mount(PersonalDataMenu, { props: { contactId: 7 }, ...opts() })
    await w.get('[data-testid="personal-data-export"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid="personal-data-exporting"]').exists()).toBe(true)
    state = 'ready'
    await vi.advanceTimersByTimeAsync(1000)
    await flushPromises()
    expect(w.get('[data-testid="personal-data-download"]').attributes('href')).toBe('/api/v1/privacy/exports/4/download')
    w.unmount()
    vi.useRealTimers()
  })
})
