import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { defineComponent, h, nextTick } from 'vue'
import type { CannedAnswer } from '@/api/scripts'
import ReplyBox from '@/components/conversation/ReplyBox.vue'
import { filterCanned, findSlashToken, useCannedPicker, type SlashToken } from '@/composables/useCannedPicker'
import { i18n } from '@/i18n'
import { applyEvent } from '@/realtime/apply'
import { useCannedAnswersStore } from '@/stores/cannedAnswers'
import { useDraftsStore } from '@/stores/drafts'
import { useOutboxStore } from '@/stores/outbox'
import { flush, mockFetch } from './helpers'

function answer(id: number, shortcut: string, title: string, text: string, category: string | null = null): CannedAnswer {
  const at = '2026-11-24T07:00:00Z'
  return { id, shortcut, title, text, category, scope: 'global', team_id: null, owner_id: null, usage_count: 0, last_used_at: null, created_at: at, updated_at: at }
}

const HELLO = answer(1, 'hello', 'Greeting', 'Hello, {{contact.name}}!')
const REFUND = answer(2, 'refund', 'Refund policy', 'Refunds take 5 days.', 'billing')
const THANKS = answer(3, 'thx', 'Thanks', 'Thank you for the refund request.')
const ALL = [HELLO, REFUND, THANKS]

let pinia: Pinia

beforeEach(() => {
  localStorage.clear()
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

afterEach(() => {
  vi.useRealTimers()
})

describe('finding the /word', () => {
  it('opens only when the slash starts a word', () => {
    expect(findSlashToken('/', 1)).toEqual({ start: 0, end: 1, query: '' })
    expect(findSlashToken('Hi /ref', 7)).toEqual({ start: 3, end: 7, query: 'ref' })
    expect(findSlashToken('line\n/Прив', 10)).toEqual({ start: 5, end: 10, query: 'Прив' })
    expect(findSlashToken('a/b', 3)).toBeNull()
    expect(findSlashToken('http://x', 8)).toBeNull()
    expect(findSlashToken('/ref now', 8)).toBeNull()
    expect(findSlashToken('no slash', 8)).toBeNull()
  })

  it('covers the whole word when the caret is inside it', () => {
    expect(findSlashToken('/refund please', 3)).toEqual({ start: 0, end: 7, query: 're' })
  })
})

describe('filtering', () => {
  it('puts shortcut-prefix matches first, then matches anywhere, any case', () => {
    expect(filterCanned(ALL, 'REF').map((a) => a.id)).toEqual([2, 3])
    expect(filterCanned(ALL, '/th').map((a) => a.id)).toEqual([3])
    expect(filterCanned(ALL, 'billing').map((a) => a.id)).toEqual([2])
    expect(filterCanned(ALL, '').map((a) => a.id)).toEqual([1, 2, 3])
    expect(filterCanned(ALL, 'zzz')).toEqual([])
  })
})

/** The composable in a component, as the reply box uses it. */
function harness() {
  const picked: [CannedAnswer, SlashToken][] = []
  let api!: ReturnType<typeof useCannedPicker>
  const Host = defineComponent({
    setup() {
      api = useCannedPicker((a, tok) => picked.push([a, tok]))
      return () => h('div')
    },
  })
  const w = mount(Host, { global: { plugins: [pinia] } })
  return { w, picked, picker: () => api }
}

function key(k: string, init: KeyboardEventInit = {}): KeyboardEvent {
  return new KeyboardEvent('keydown', { key: k, ...init })
}

describe('the picker', () => {
  function serve() {
    return mockFetch({
      'GET /canned-answers': (url) => ({ items: filterCanned(ALL, url.searchParams.get('q') ?? '') }),
    })
  }

  it('searches the server (debounced) and narrows the list locally meanwhile', async () => {
    vi.useFakeTimers()
    const { calls } = serve()
    const { picker } = harness()
    const p = picker()
    p.update('/', 1)
    expect(p.open.value).toBe(true)
    await vi.advanceTimersByTimeAsync(200)
    expect(p.items.value.map((a) => a.id)).toEqual([1, 2, 3])
    p.update('/r', 2)
    p.update('/ref', 4)
    expect(p.items.value.map((a) => a.id)).toEqual([2, 3]) // at once, from what we had
    await vi.advanceTimersByTimeAsync(200)
    expect(calls.map((c) => c.url.searchParams.get('q'))).toEqual([null, 'ref'])
    expect(p.items.value.map((a) => a.id)).toEqual([2, 3])
    p.update('/', 1) // cached: no new request
    await vi.advanceTimersByTimeAsync(200)
    expect(calls).toHaveLength(2)
  })

  it('arrows move (and wrap), Enter picks, Esc closes until the slash is gone', async () => {
    vi.useFakeTimers()
    serve()
    const { picker, picked } = harness()
    const p = picker()
    p.update('Hi /', 4)
    await vi.advanceTimersByTimeAsync(200)
    expect(p.active.value).toBe(0)
    expect(p.onKeydown(key('ArrowDown'))).toBe(true)
    expect(p.onKeydown(key('ArrowDown'))).toBe(true)
    expect(p.activeItem.value?.id).toBe(3)
    p.onKeydown(key('ArrowDown'))
    expect(p.activeItem.value?.id).toBe(1)
    p.onKeydown(key('ArrowUp'))
    expect(p.activeItem.value?.id).toBe(3)
    expect(p.onKeydown(key('Enter', { shiftKey: true }))).toBe(false)
    expect(p.onKeydown(key('Enter'))).toBe(true)
    expect(picked.map(([a, tok]) => [a.id, tok.start, tok.end])).toEqual([[3, 3, 4]])
    expect(p.open.value).toBe(false)

    p.update('Hi /t', 5)
    expect(p.open.value).toBe(true)
    expect(p.onKeydown(key('Escape'))).toBe(true)
    expect(p.open.value).toBe(false)
    p.update('Hi /th', 6)
    expect(p.open.value).toBe(false) // the same slash stays dismissed
    p.update('Hi /th ', 7)
    p.update('Hi /th /', 8)
    expect(p.open.value).toBe(true) // a new slash opens again
    expect(p.onKeydown(key('a'))).toBe(false)
  })

  it('Enter does not send the /word while the list is open without a match', async () => {
    vi.useFakeTimers()
    serve()
    const { picker, picked } = harness()
    const p = picker()
    p.update('/zzz', 4) // nothing known yet, the search is on its way
    expect(p.items.value).toEqual([])
    expect(p.onKeydown(key('Enter'))).toBe(true)
    expect(p.onKeydown(key('Tab'))).toBe(false) // Tab still leaves the box
    await vi.advanceTimersByTimeAsync(200)
    expect(p.onKeydown(key('Enter'))).toBe(true)
    expect(picked).toEqual([])
    expect(p.open.value).toBe(true)
    p.onKeydown(key('Escape'))
    expect(p.onKeydown(key('Enter'))).toBe(false) // closed: Enter sends as usual
  })

  it('searches again when a change is announced live', async () => {
    vi.useFakeTimers()
    const { calls } = serve()
    const { picker } = harness()
    picker().update('/', 1)
    await vi.advanceTimersByTimeAsync(200)
    expect(calls).toHaveLength(1)
    applyEvent({ id: 5, type: 'canned_answer.changed', data: { id: 1, scope: 'global', owner_id: null, team_id: null, deleted: false } })
    await vi.advanceTimersByTimeAsync(10)
    expect(calls).toHaveLength(2)
    expect(useCannedAnswersStore().cached('')).toBeDefined()
  })
})

describe('canned answers in the reply box', () => {
  function mountBox(): VueWrapper {
    useDraftsStore().load(1)
    useOutboxStore().load(1)
    return mount(ReplyBox, { props: { conversationId: 7 }, attachTo: document.body, global: { plugins: [pinia, i18n] } })
  }

  it('typing / opens the list; Enter inserts the text filled by the server instead of sending', async () => {
    const { calls } = mockFetch({
      'GET /canned-answers': (url) => ({ items: filterCanned(ALL, url.searchParams.get('q') ?? '') }),
      'POST /canned-answers/1/use': () => ({ text: 'Hello, Vera!', canned_answer: HELLO }),
    })
    const w = mountBox()
    const box = w.get('[data-testid="reply-box"]')
    const el = box.element as HTMLTextAreaElement
    await box.setValue('Well /hel')
    el.setSelectionRange(9, 9)
    await box.trigger('input')
    await new Promise((r) => setTimeout(r, 200))
    await flush()
    const options = w.findAll('[data-testid="canned-option"]')
    expect(options.map((o) => o.attributes('data-shortcut'))).toEqual(['hello'])
    expect(options[0]!.text()).toContain('Greeting')
    expect(el.getAttribute('aria-activedescendant')).toBe('canned-list-1')

    await box.trigger('keydown', { key: 'Enter' })
    await flush()
    expect(el.value).toBe('Well Hello, Vera!')
    expect(useOutboxStore().items).toHaveLength(0)
    expect(w.find('[data-testid="canned-picker"]').exists()).toBe(false)
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ conversation_id: 7 })

    await box.trigger('keydown', { key: 'Enter' })
    expect(useOutboxStore().items.map((i) => i.text)).toEqual(['Well Hello, Vera!'])
    w.unmount()
  })

  it('Esc closes the list and leaves the text alone; a click on an option inserts it', async () => {
    mockFetch({
      'GET /canned-answers': () => ({ items: ALL }),
      'POST /canned-answers/2/use': () => ({ text: 'Refunds take 5 days.', canned_answer: REFUND }),
    })
    const w = mountBox()
    const box = w.get('[data-testid="reply-box"]')
    const el = box.element as HTMLTextAreaElement
    el.focus()
    await box.setValue('/')
    await new Promise((r) => setTimeout(r, 200))
    await flush()
    expect(w.findAll('[data-testid="canned-option"]')).toHaveLength(3)
    await box.trigger('keydown', { key: 'Escape' })
    expect(w.find('[data-testid="canned-picker"]').exists()).toBe(false)
    expect(el.value).toBe('/')
    expect(document.activeElement).toBe(el) // Esc closed the list, it did not leave the box

    await box.setValue('/r')
    await new Promise((r) => setTimeout(r, 200))
    await flush()
    expect(w.find('[data-testid="canned-picker"]').exists()).toBe(false) // still dismissed
    await box.setValue('x /')
    await new Promise((r) => setTimeout(r, 200))
    await flush()
    await w.findAll('[data-testid="canned-option"]')[1]!.trigger('click')
    await flush()
    await nextTick()
    expect(el.value).toBe('x Refunds take 5 days.')
    w.unmount()
  })
})
