import { describe, expect, it } from 'vitest'
import { searchQuery, snippetParts } from '@/api/search'
import { opensSearch } from '@/components/search/keys'

function press(code: string, key: string, target: HTMLElement = document.body, init: KeyboardEventInit = {}): KeyboardEvent {
  const ev = new KeyboardEvent('keydown', { code, key, bubbles: true, ...init })
  Object.defineProperty(ev, 'target', { value: target })
  return ev
}

describe('search keys', () => {
  it('opens on Ctrl+K and ⌘K by the physical key, in any layout', () => {
    expect(opensSearch(press('KeyK', 'k', document.body, { ctrlKey: true }), false)).toBe(true)
    expect(opensSearch(press('KeyK', 'л', document.body, { ctrlKey: true }), true)).toBe(true)
    expect(opensSearch(press('KeyK', 'k', document.body, { metaKey: true }), true)).toBe(true)
    // even from a text field
    expect(opensSearch(press('KeyK', 'k', document.createElement('textarea'), { ctrlKey: true }), true)).toBe(true)
    expect(opensSearch(press('KeyK', 'k'), false)).toBe(false)
  })

  it('opens on / outside fields when no conversation is open (there / starts a canned answer)', () => {
    expect(opensSearch(press('Slash', '/'), false)).toBe(true)
    expect(opensSearch(press('Slash', '.'), false)).toBe(true) // Russian layout: the same key
    expect(opensSearch(press('Slash', '/'), true)).toBe(false)
    expect(opensSearch(press('Slash', '/', document.createElement('input')), false)).toBe(false)
    expect(opensSearch(press('Slash', '?', document.body, { shiftKey: true }), false)).toBe(false)
  })
})

describe('search query', () => {
  it('sends only the filters that are set, the last day included', () => {
    expect(searchQuery('заказ', { status: '', inbox: null, tag: ' ' })).toEqual({ q: 'заказ' })
    const q = searchQuery('x', { status: 'open', inbox: 2, team: 3, assignee: 4, tag: 'vip', channel: 'email', from: '2026-01-05', to: '2026-01-05' })
    expect(q).toMatchObject({ q: 'x', status: 'open', inbox: '2', team: '3', assignee: '4', tag: 'vip', channel: 'email' })
    expect(new Date(q.to!).getTime() - new Date(q.from!).getTime()).toBe(24 * 3600 * 1000)
  })
})

describe('snippets', () => {
  it('are rendered as text: the escaping undone, the marks kept apart', () => {
    expect(snippetParts('&lt;b&gt;Где&lt;/b&gt; мой <mark>Заказов</mark>? &amp; <mark>ещё</mark>')).toEqual([
      { text: '<b>Где</b> мой ', mark: false },
      { text: 'Заказов', mark: true },
      { text: '? & ', mark: false },
      { text: 'ещё', mark: true },
    ])
  })
})
