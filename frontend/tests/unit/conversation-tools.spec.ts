import { beforeEach, describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { AttributeDefinition } from '@/api/attributes'
import type { Escalation } from '@/api/routing'
import AttributeList from '@/components/contact/AttributeList.vue'
import { fromMessage } from '@/components/conversation/display'
import MessageItem from '@/components/conversation/MessageItem.vue'
import RoutingActions from '@/components/conversation/RoutingActions.vue'
import ConversationListItem from '@/components/list/ConversationListItem.vue'
import { i18n } from '@/i18n'
import { deepMerge } from '@/i18n/conversation-tools'
import { applyEvent } from '@/realtime/apply'
import { useConversationsStore } from '@/stores/conversations'
import { pendingHandBack, useEscalationsStore } from '@/stores/escalations'
import { useMessagesStore } from '@/stores/messages'
import { flush, jsonResponse, makeConversation, makeMessage, mockFetch } from './helpers'

let pinia: Pinia
const XSS = '<img src=x onerror=alert(1)>'

function opts() {
  return { global: { plugins: [pinia, i18n], stubs: { RouterLink: RouterLinkStub } } }
}

function escalation(over: Partial<Escalation> = {}): Escalation {
  return {
    id: 1,
    conversation_id: 5,
    from_agent_id: 1,
    from_team_id: null,
    to_team_id: 2,
    reason: 'needs L2',
    hand_back: true,
    created_at: '2026-11-24T07:00:00Z',
    handed_back_at: null,
    handed_back_by_id: null,
    ...over,
  }
}

beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  mockFetch({})
})

describe('escalations', () => {
  it('the newest escalation that asked for it waits to be handed back', () => {
    expect(pendingHandBack(undefined)).toBeNull()
    expect(pendingHandBack([escalation({ hand_back: false })])).toBeNull()
    expect(pendingHandBack([escalation({ id: 1 }), escalation({ id: 2, hand_back: false })])?.id).toBe(1)
    expect(pendingHandBack([escalation({ handed_back_at: '2026-11-24T08:00:00Z' })])).toBeNull()
  })

  it('offers Hand back live, from the escalation events', async () => {
    let served: Escalation[] = []
    mockFetch({ 'GET /conversations/5/escalations': () => ({ items: served }) })
    const conv = makeConversation({ id: 5 })
    useConversationsStore().upsert(conv)
    const w = mount(RoutingActions, { props: { conversation: conv }, ...opts() })
    await flush()
    expect(w.find('[data-testid="action-hand-back"]').exists()).toBe(false)

    served = [escalation()]
    applyEvent({ id: 10, type: 'conversation.escalated', data: { escalation: escalation() } })
    await flush()
    expect(w.find('[data-testid="action-hand-back"]').exists()).toBe(true)
    applyEvent({ id: 11, type: 'conversation.handed_back', data: { escalation: escalation({ handed_back_at: '2026-11-24T08:00:00Z' }) } })
    await flush()
    expect(w.find('[data-testid="action-hand-back"]').exists()).toBe(false)
    expect(useEscalationsStore().byConversation[5]).toHaveLength(1)
  })
})

describe('merge events', () => {
  it('reload the threads of both conversations', async () => {
    const { calls } = mockFetch({
      'GET /conversations/2/messages': () => ({ items: [makeMessage({ id: 1, conversation_id: 2 }), makeMessage({ id: 3, conversation_id: 2 })], has_more: false }),
    })
    const conversations = useConversationsStore()
    const messages = useMessagesStore()
    conversations.upsert(makeConversation({ id: 1 }))
    conversations.upsert(makeConversation({ id: 2 }))
    messages.thread(1).loaded = true
    messages.thread(2).loaded = true
    messages.thread(2).items = [makeMessage({ id: 3, conversation_id: 2 })]
    conversations.activeId = 2
    applyEvent({ id: 20, type: 'conversation.merged', data: { from_id: 1, into_id: 2 } })
    await flush()
    expect(messages.threads[1]!.stale).toBe(true)
    expect(calls.map((c) => c.path)).toContain('/conversations/2/messages')
    expect(messages.threads[2]!.items.map((m) => m.id)).toEqual([1, 3])
  })
})

describe('custom attributes', () => {
  const DEFS: AttributeDefinition[] = [
    { id: 1, entity: 'conversation', key: 'order', label: 'Order no.', type: 'number', options: [], created_at: '' },
    { id: 2, entity: 'conversation', key: 'plan', label: 'Plan', type: 'list', options: ['free', 'pro'], created_at: '' },
    { id: 3, entity: 'conversation', key: 'vip', label: 'VIP', type: 'boolean', options: [], created_at: '' },
  ]

  it('edits typed values and shows what the server refuses', async () => {
    const { calls } = mockFetch({
      'GET /attribute-definitions': () => ({ items: DEFS }),
      'PUT /conversations/4/attributes': (_url, init) => {
        const values = JSON.parse(String(init.body)).values
        if ('plan' in values) return jsonResponse(422, { error: { code: 'validation_error', message: "plan must be one of ['free', 'pro']." } })
        return makeConversation({ id: 4, attributes: values })
      },
    })
    const w = mount(AttributeList, { props: { entity: 'conversation', ownerId: 4, values: { source: XSS } }, ...opts() })
    await flush()
    const input = (key: string) => w.get(`[data-testid="attribute-input"][data-key="${key}"]`)
    expect(input('order').element.tagName).toBe('INPUT')
    expect(input('plan').element.tagName).toBe('SELECT')
    expect((input('vip').element as HTMLInputElement).type).toBe('checkbox')
    expect(w.text()).toContain(XSS) // an undefined key is shown as text
    expect(w.find('img').exists()).toBe(false)

    await input('order').setValue('12.5')
    await flush()
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ values: { order: 12.5 } })
    expect(useConversationsStore().byId[4]?.attributes).toEqual({ order: 12.5 })

    await input('order').setValue('twelve')
    await flush()
    expect(w.get('[data-testid="attribute-error"]').text()).toBe('Enter a number.')

    await input('vip').setValue(true)
    await flush()
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toContainEqual({ values: { vip: true } })

    await input('plan').setValue('pro')
    await flush()
    expect(w.findAll('[data-testid="attribute-error"]').map((e) => e.text())).toContain("plan must be one of ['free', 'pro'].")
  })
})

describe('how messages look', () => {
  it('system notes and bot messages are set apart from people', () => {
    const note = mount(MessageItem, {
      props: { message: fromMessage(makeMessage({ author_type: 'system', private: true, author_name: 'Anna', text: `→ L2: ${XSS}` }), 1) },
      ...opts(),
    })
    expect(note.attributes('data-author')).toBe('system')
    expect(note.classes()).toContain('msg-system--private')
    expect(note.get('[data-testid="system-label"]').text()).toBe('System note')
    expect(note.get('[data-testid="message-text"]').text()).toBe(`→ L2: ${XSS}`)
    expect(note.find('img').exists()).toBe(false)

    const bot = mount(MessageItem, { props: { message: fromMessage(makeMessage({ author_type: 'bot', author_name: null, text: 'Hi!' }), 1) }, ...opts() })
    expect(bot.classes()).toContain('msg--bot')
    expect(bot.get('[data-testid="message-author"]').text()).toBe('Bot')
    expect(bot.get('[data-testid="bot-label"]').text()).toBe('Automatic')
  })
})

describe('list items', () => {
  it('show priority, team, queue and tags as text', () => {
    const conv = makeConversation({ id: 3, priority: 'urgent', team_id: 7, queued_at: '2026-11-24T07:00:00Z', tags: ['a', XSS, 'c', 'd'] })
    const w = mount(ConversationListItem, { props: { conversation: conv, active: false, now: new Date('2026-11-24T08:00:00Z') }, ...opts() })
    expect(w.get('[data-testid="priority-badge"]').attributes('data-priority')).toBe('urgent')
    expect(w.get('[data-testid="team-badge"]').text()).toBe('#7')
    expect(w.get('[data-testid="queued-badge"]').text()).toBe('In queue')
    expect(w.findAll('[data-testid="list-tag"]').map((t) => t.text())).toEqual(['a', XSS, 'c'])
    expect(w.text()).toContain('+1')
    expect(w.find('img').exists()).toBe(false)
    expect(w.get('[data-testid="select-conversation"]').attributes('aria-label')).toBe('Select the conversation with Customer 3')
  })
})

describe('i18n merge', () => {
  it('adds keys to a namespace without dropping the others', () => {
    expect(deepMerge({ a: { x: '1', y: '2' }, b: '3' }, { a: { y: 'two', z: '4' } })).toEqual({ a: { x: '1', y: 'two', z: '4' }, b: '3' })
    i18n.global.locale.value = 'ru'
    expect(i18n.global.t('tools.bulk.selected', 1)).toBe('выбран 1 диалог')
    expect(i18n.global.t('tools.bulk.selected', 3)).toBe('выбрано 3 диалога')
    expect(i18n.global.t('tools.bulk.selected', 11)).toBe('выбрано 11 диалогов')
    expect(i18n.global.t('shortcuts.next')).toBe('Следующий диалог')
    i18n.global.locale.value = 'en'
    expect(i18n.global.t('tools.bulk.selected', 2)).toBe('2 selected')
  })
})

describe('dialogs and menus', () => {
  it('escalates to the next line by default (no to_team_id) with the reason and hand-back', async () => {
    const { calls } = mockFetch({
      'GET /conversations/5/escalations': () => ({ items: [] }),
      'POST /conversations/5/escalate': () => makeConversation({ id: 5, team_id: 2, queued_at: '2026-11-24T07:00:00Z' }),
    })
    const conv = makeConversation({ id: 5 })
    const w = mount(RoutingActions, { props: { conversation: conv }, attachTo: document.body, ...opts() })
    await w.get('[data-testid="action-escalate"]').trigger('click')
    const dialog = () => document.querySelector('[data-testid="escalate-dialog"]')
    expect(dialog()).not.toBeNull()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('escalate-team') // focus moves in
    const form = dialog()!.querySelector('form')!
    form.dispatchEvent(new Event('submit'))
    await flush()
    expect(dialog()!.querySelector('[data-testid="escalate-error"]')?.textContent).toContain('Say why')
    const reason = dialog()!.querySelector<HTMLTextAreaElement>('[data-testid="escalate-reason"]')!
    reason.value = '  needs L2  '
    reason.dispatchEvent(new Event('input'))
    const hand = dialog()!.querySelector<HTMLInputElement>('[data-testid="escalate-hand-back"]')!
    hand.checked = true
    hand.dispatchEvent(new Event('change'))
    form.dispatchEvent(new Event('submit'))
    await flush()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ reason: 'needs L2', hand_back: true })
    expect(dialog()).toBeNull()
    expect(useConversationsStore().byId[5]?.team_id).toBe(2)
    w.unmount()
  })

  it('Esc in a dialog closes it and does not reach the workspace shortcuts', async () => {
    mockFetch({ 'GET /conversations/5/escalations': () => ({ items: [] }) })
    const w = mount(RoutingActions, { props: { conversation: makeConversation({ id: 5 }) }, attachTo: document.body, ...opts() })
    await w.get('[data-testid="action-transfer"]').trigger('click')
    const seen: string[] = []
    const spy = (ev: KeyboardEvent) => seen.push(ev.key)
    document.addEventListener('keydown', spy)
    const target = document.querySelector<HTMLSelectElement>('[data-testid="transfer-target"]')!
    target.dispatchEvent(new KeyboardEvent('keydown', { key: 'j', bubbles: true }))
    target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await flush()
    document.removeEventListener('keydown', spy)
    expect(seen).toEqual([])
    expect(document.querySelector('[data-testid="transfer-dialog"]')).toBeNull()
    w.unmount()
  })

  it('a macro run shows the errors of the conversations that failed', async () => {
    const { default: MacroMenu } = await import('@/components/conversation/MacroMenu.vue')
    const { calls } = mockFetch({
      'GET /macros': () => ({ items: [{ id: 4, name: 'Close as spam', scope: 'global', team_id: null, owner_id: null, actions: [{ type: 'add_tags', tags: ['spam'] }], created_at: '', updated_at: '' }] }),
      'POST /macros/4/run': () => ({
        results: [{ conversation_id: 5, ok: false, error: { code: 'validation_error', message: 'Canned answer 3 no longer exists.' }, conversation: null }],
      }),
    })
    const w = mount(MacroMenu, { props: { conversation: makeConversation({ id: 5 }) }, ...opts() })
    await w.get('[data-testid="action-macros"]').trigger('click')
    await flush()
    expect(w.get('[data-testid="macro-item"]').text()).toContain('1 step')
    await w.get('[data-testid="macro-item"]').trigger('click')
    await flush()
    expect(w.get('[data-testid="macro-errors"]').text()).toBe('No. 5: Canned answer 3 no longer exists.')
    expect(w.find('[data-testid="macro-menu"]').exists()).toBe(true)

    // a change announced live: the list is fetched again
    const before = calls.filter((c) => c.path === '/macros').length
    applyEvent({ id: 30, type: 'macro.changed', data: { id: 4, scope: 'global', owner_id: null, team_id: null, deleted: true } })
    await flush()
    expect(calls.filter((c) => c.path === '/macros')).toHaveLength(before + 1)
  })

  it('merging asks first, then merges the other conversation into this one', async () => {
    const { default: MergeButton } = await import('@/components/contact/MergeButton.vue')
    const { calls } = mockFetch({ 'POST /conversations/2/merge': () => makeConversation({ id: 2 }) })
    const w = mount(MergeButton, { props: { intoId: 2, otherId: 1 }, ...opts() })
    await w.get('[data-testid="merge-button"]').trigger('click')
    expect(calls).toHaveLength(0)
    expect(w.get('[data-testid="merge-confirm"]').text()).toContain('No. 1 into No. 2')
    await w.get('[data-testid="merge-cancel"]').trigger('click')
    await w.get('[data-testid="merge-button"]').trigger('click')
    await w.get('[data-testid="merge-confirm-button"]').trigger('click')
    await flush()
    expect(calls.map((c) => [c.method, c.path, c.body])).toEqual([['POST', '/conversations/2/merge', { other_id: 1 }]])
    expect(w.find('[data-testid="merge-confirm"]').exists()).toBe(false)
  })
})

describe('tags', () => {
  it('a second Enter while the first tag is on its way is queued, not lost', async () => {
    const { default: TagEditor } = await import('@/components/conversation/TagEditor.vue')
    let tags: string[] = []
    const order: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    mockFetch({
      'POST /conversations/6/tags': async (_url, init) => {
        const add: string[] = JSON.parse(String(init.body)).add
        order.push(`start ${add}`)
        if (add[0] === 'crash') await gate
        tags = [...tags, ...add]
        order.push(`end ${add}`)
        return makeConversation({ id: 6, tags })
      },
    })
    const conversations = useConversationsStore()
    conversations.upsert(makeConversation({ id: 6 }))
    const w = mount(TagEditor, { props: { conversation: conversations.byId[6]! }, ...opts() })
    const input = w.get('[data-testid="tag-input"]')
    await input.setValue(' Crash ')
    await input.trigger('keydown', { key: 'Enter' })
    expect((input.element as HTMLInputElement).value).toBe('')
    await input.setValue('vip')
    await input.trigger('keydown', { key: 'Enter' })
    await flush()
    expect(order).toEqual(['start crash']) // the second waits for the first
    release()
    await flush()
    expect(order).toEqual(['start crash', 'end crash', 'start vip', 'end vip'])
    expect(conversations.byId[6]?.tags).toEqual(['crash', 'vip'])
    await w.setProps({ conversation: conversations.byId[6]! })
    expect(w.findAll('[data-testid="tag-chip"]').map((c) => c.attributes('data-tag'))).toEqual(['crash', 'vip'])
  })
})
