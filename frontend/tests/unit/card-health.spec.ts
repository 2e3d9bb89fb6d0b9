import { beforeEach, describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import VisitorDetails from '@/components/contact/VisitorDetails.vue'
import ChannelHealthBanner from '@/components/layout/ChannelHealthBanner.vue'
import { i18n } from '@/i18n'
import { useChannelHealthStore } from '@/stores/channelHealth'
import { useConversationsStore } from '@/stores/conversations'
import { useReplySubjectStore } from '@/stores/replySubject'
import { useSessionStore } from '@/stores/session'
import { makeConversation, mockFetch } from './helpers'

let pinia: Pinia
const opts = () => ({ global: { plugins: [pinia, i18n], stubs: { RouterLink: RouterLinkStub } } })

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'ru'
  mockFetch({})
})

describe('VisitorDetails', () => {
  it('shows the page, the pages before, browser, system, language, local time and phone', () => {
    const w = mount(VisitorDetails, {
      props: {
        visitor: {
          page: { url: 'https://shop.example/cart', title: 'Корзина', at: '2026-12-04T01:00:00Z' },
          history: [{ url: 'https://shop.example/', title: null, at: '2026-12-04T00:58:00Z' }],
          browser: 'Chrome 120',
          os: 'Windows 10',
          device: null,
          language: 'ru-RU',
          timezone: 'Asia/Yekaterinburg',
          city: null,
          phone: '+7 912 000-00-00',
          updated_at: '2026-12-04T01:00:00Z',
        },
      },
      ...opts(),
    })
    expect(w.get('[data-testid="visitor-page"]').text()).toBe('Корзина')
    expect(w.get('[data-testid="visitor-page"]').attributes('href')).toBe('https://shop.example/cart')
    expect(w.get('[data-testid="visitor-history"]').text()).toContain('https://shop.example/')
    expect(w.get('[data-testid="visitor-browser"]').text()).toBe('Chrome 120')
    expect(w.get('[data-testid="visitor-os"]').text()).toBe('Windows 10')
    expect(w.get('[data-testid="visitor-local-time"]').text()).toMatch(/^\d\d:\d\d \(Asia\/Yekaterinburg\)$/)
    expect(w.get('[data-testid="visitor-phone"]').attributes('href')).toBe('tel:+79120000000')
    expect(w.find('[data-testid="visitor-city"]').exists()).toBe(false)
    expect(w.text()).toContain('Сейчас на странице')
  })

  it('says when the widget reported nothing', () => {
    const w = mount(VisitorDetails, { props: { visitor: null }, ...opts() })
    expect(w.text()).toBe('Виджет пока ничего не сообщил.')
  })
})

describe('reply subjects', () => {
  it('default to Re: <subject>, keep an edit until the reply takes it, and only for email', () => {
    const conversations = useConversationsStore()
    conversations.upsert(makeConversation({ id: 5, channel: 'email', subject: 'Order 42' }))
    conversations.upsert(makeConversation({ id: 6, channel: 'widget' }))
    const subjects = useReplySubjectStore()
    expect(subjects.get(5)).toBe('Re: Order 42')
    subjects.set(5, '  Refund   for order 42 ')
    expect(subjects.take(5)).toBe('Refund for order 42')
    expect(subjects.get(5)).toBe('Re: Order 42')
    expect(subjects.take(6)).toBeUndefined()
  })
})

describe('ChannelHealthBanner', () => {
  it('shows failing channels to admins, live, and goes away when they work again', async () => {
    useSessionStore().me = { id: 1, role: 'admin' } as never
    const health = useChannelHealthStore()
    health.note({ id: 3, name: 'Почта' })
    const w = mount(ChannelHealthBanner, opts())
    expect(w.find('[data-testid="channel-health-banner"]').exists()).toBe(false)
    health.receive({
      inbox_id: 3,
      state: 'failing',
      failing_since: '2026-12-04T01:00:00Z',
      last_error: 'IMAP login failed: authentication failed',
      last_error_at: '2026-12-04T01:00:00Z',
    })
    await nextTick()
    const row = w.get('[data-testid="channel-health-row"]')
    expect(row.text()).toContain('Канал «Почта» не работает с')
    expect(row.text()).toContain('IMAP login failed: authentication failed')
    health.receive({ inbox_id: 3, state: 'connected', failing_since: null, last_error: 'x', last_error_at: null })
    await nextTick()
    expect(w.find('[data-testid="channel-health-banner"]').exists()).toBe(false)
  })

  it('shows nothing to other operators', async () => {
    useSessionStore().me = { id: 2, role: 'agent' } as never
    const health = useChannelHealthStore()
    health.note({ id: 3, name: 'Почта' })
    health.receive({ inbox_id: 3, state: 'failing', failing_since: null, last_error: 'x', last_error_at: null })
    const w = mount(ChannelHealthBanner, opts())
    await nextTick()
    expect(w.find('[data-testid="channel-health-banner"]').exists()).toBe(false)
  })
})
