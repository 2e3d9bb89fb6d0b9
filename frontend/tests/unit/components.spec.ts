import { beforeEach, describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { nextTick } from 'vue'
import ConnectionBanner from '@/components/layout/ConnectionBanner.vue'
import ConversationListItem from '@/components/list/ConversationListItem.vue'
import { fromMessage, fromOutbox } from '@/components/conversation/display'
import MessageItem from '@/components/conversation/MessageItem.vue'
import ReplyBox from '@/components/conversation/ReplyBox.vue'
import { i18n } from '@/i18n'
import { useDraftsStore } from '@/stores/drafts'
import { useOutboxStore } from '@/stores/outbox'
import { useRealtimeStore } from '@/stores/realtime'
import { makeConversation, makeMessage, mockFetch } from './helpers'

const XSS = '<img src=x onerror=alert(1)>'
let pinia: Pinia

function opts() {
  return { global: { plugins: [pinia, i18n], stubs: { RouterLink: RouterLinkStub } } }
}

beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  mockFetch({})
})

describe('MessageItem', () => {
  it('renders user text as text, never as HTML', () => {
    const w = mount(MessageItem, { props: { message: fromMessage(makeMessage({ id: 7, text: XSS, author_name: XSS }), 1) }, ...opts() })
    expect(w.find('img').exists()).toBe(false)
    expect(w.get('[data-testid="message-text"]').text()).toBe(XSS)
    expect(w.get('[data-testid="message-author"]').text()).toBe(XSS)
    expect(w.attributes('data-msg-id')).toBe('7')
  })

  it('marks private notes clearly', () => {
    const w = mount(MessageItem, { props: { message: fromMessage(makeMessage({ private: true, author_type: 'agent', author_id: 2 }), 1) }, ...opts() })
    expect(w.attributes('data-private')).toBe('true')
    expect(w.get('[data-testid="note-label"]').text()).toBe('Private note')
    expect(w.classes()).toContain('msg--note')
  })

  it('shows delivery states of own messages and offers retry when failed', async () => {
    const item = { conversation_id: 1, client_msg_id: 'c1', text: 'hi', private: false, attachments: [], created_at: '2026-11-24T07:00:00Z', state: 'failed' as const, error: 'Too long.' }
    const w = mount(MessageItem, { props: { message: fromOutbox(item, 'Me', true) }, ...opts() })
    expect(w.attributes('data-delivery')).toBe('failed')
    await w.get('[data-testid="retry-button"]').trigger('click')
    expect(w.emitted('retry')).toEqual([['c1']])

    const sending = mount(MessageItem, { props: { message: fromOutbox({ ...item, state: 'queued' }, 'Me', true) }, ...opts() })
    expect(sending.get('[data-testid="delivery-state"]').text()).toContain('Sending')
    const offline = mount(MessageItem, { props: { message: fromOutbox({ ...item, state: 'queued' }, 'Me', false) }, ...opts() })
    expect(offline.get('[data-testid="delivery-state"]').text()).toContain('Waiting for connection')
    const sent = mount(MessageItem, { props: { message: fromMessage(makeMessage({ author_type: 'agent', author_id: 1 }), 1) }, ...opts() })
    expect(sent.attributes('data-delivery')).toBe('sent')
  })
})

describe('ReplyBox', () => {
  function mountBox(conversationId = 1) {
    useDraftsStore().load(1)
    useOutboxStore().load(1)
    return mount(ReplyBox, { props: { conversationId }, attachTo: document.body, ...opts() })
  }

  it('Enter sends, Shift+Enter does not', async () => {
    const w = mountBox()
    const box = w.get('[data-testid="reply-box"]')
    await box.setValue('line one')
    await box.trigger('keydown', { key: 'Enter', shiftKey: true })
    expect(useOutboxStore().items).toHaveLength(0)
    await box.trigger('keydown', { key: 'Enter' })
    expect(useOutboxStore().items.map((i) => [i.text, i.private])).toEqual([['line one', false]])
    expect((box.element as HTMLTextAreaElement).value).toBe('')
    w.unmount()
  })

  it('sends a private note in note mode', async () => {
    const w = mountBox()
    await w.get('[data-testid="note-toggle"]').trigger('click')
    expect(w.get('[data-testid="note-toggle"]').attributes('aria-pressed')).toBe('true')
    await w.get('[data-testid="reply-box"]').setValue('internal')
    await w.get('form').trigger('submit')
    expect(useOutboxStore().items.map((i) => i.private)).toEqual([true])
    w.unmount()
  })

  it('keeps a draft per conversation across switches', async () => {
    const w = mountBox(1)
    await w.get('[data-testid="reply-box"]').setValue('draft for one')
    await w.setProps({ conversationId: 2 })
    expect((w.get('[data-testid="reply-box"]').element as HTMLTextAreaElement).value).toBe('')
    await w.get('[data-testid="reply-box"]').setValue('draft for two')
    await w.setProps({ conversationId: 1 })
    await nextTick()
    expect((w.get('[data-testid="reply-box"]').element as HTMLTextAreaElement).value).toBe('draft for one')
    expect(JSON.parse(localStorage.getItem('otklik.drafts.1')!)['2'].text).toBe('draft for two')
    w.unmount()
  })

  it('does not send empty text', async () => {
    const w = mountBox()
    await w.get('[data-testid="reply-box"]').setValue('   ')
    expect(w.get('[data-testid="send-button"]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid="reply-box"]').trigger('keydown', { key: 'Enter' })
    expect(useOutboxStore().items).toHaveLength(0)
    w.unmount()
  })
})

describe('ConversationListItem', () => {
  it('shows name, literal preview, unread badge and waiting time', () => {
    const now = new Date('2026-11-24T08:00:00Z')
    const conv = makeConversation({
      id: 9,
      unread_count: 3,
      waiting_since: '2026-11-24T07:50:00Z',
      contact: { id: 1, name: XSS, email: null },
      last_message: { id: 1, text: XSS, author_type: 'contact', private: false, created_at: '2026-11-24T07:50:00Z' },
    })
    const w = mount(ConversationListItem, { props: { conversation: conv, active: false, now }, ...opts() })
    expect(w.find('img').exists()).toBe(false)
    expect(w.get('[data-testid="conversation-name"]').text()).toBe(XSS)
    expect(w.get('[data-testid="last-message-preview"]').text()).toBe(XSS)
    expect(w.get('[data-testid="unread-badge"]').text()).toBe('3')
    expect(w.get('[data-testid="waiting-time"]').text()).toContain('10')
  })

  it('says a message without text brought files', () => {
    const conv = makeConversation({
      id: 10,
      last_message: { id: 2, text: '', author_type: 'contact', private: false, created_at: '2026-11-24T07:50:00Z' },
    })
    const w = mount(ConversationListItem, { props: { conversation: conv, active: false, now: new Date() }, ...opts() })
    expect(w.get('[data-testid="last-message-preview"]').text()).toBe('📎 Files')
  })
})

describe('ConnectionBanner', () => {
  it('is shown only while disconnected', async () => {
    const w = mount(ConnectionBanner, opts())
    expect(w.find('[data-testid="connection-banner"]').exists()).toBe(false)
    useRealtimeStore().state = 'reconnecting'
    await nextTick()
    expect(w.get('[data-testid="connection-banner"]').text()).toContain('reconnecting')
  })
})
