import { describe, expect, it } from 'vitest'
import { SHORTCUTS, isTypingTarget, shortcutFor } from '@/composables/useShortcuts'

function press(key: string, target: HTMLElement = document.body, init: KeyboardEventInit = {}): KeyboardEvent {
  const ev = new KeyboardEvent('keydown', { key, bubbles: true, ...init })
  Object.defineProperty(ev, 'target', { value: target })
  return ev
}

describe('shortcuts', () => {
  it('maps keys to actions', () => {
    expect(['j', 'k', 'r', 'n', 'e', 'a', 'x', '/', '?'].map((k) => shortcutFor(press(k)))).toEqual([
      'next',
      'prev',
      'reply',
      'note',
      'resolve',
      'assignMe',
      'select',
      'slash',
      'help',
    ])
    expect(shortcutFor(press('z'))).toBeNull()
  })

  it('never fires while typing in a field', () => {
    for (const el of [document.createElement('textarea'), document.createElement('input'), document.createElement('select')]) {
      expect(isTypingTarget(el)).toBe(true)
      expect(shortcutFor(press('e', el))).toBeNull()
    }
    const div = document.createElement('div')
    div.contentEditable = 'true'
    Object.defineProperty(div, 'isContentEditable', { value: true })
    expect(shortcutFor(press('j', div))).toBeNull()
    const checkbox = document.createElement('input')
    checkbox.type = 'checkbox'
    expect(isTypingTarget(checkbox)).toBe(false)
  })

  it('matches physical keys, so the Russian layout works as the English one', () => {
    const russian: [string, string][] = [
      ['KeyJ', 'о'],
      ['KeyK', 'л'],
      ['KeyR', 'к'],
      ['KeyN', 'т'],
      ['KeyE', 'у'],
      ['KeyA', 'ф'],
      ['KeyX', 'ч'],
      ['Slash', '.'],
    ]
    expect(russian.map(([code, key]) => shortcutFor(press(key, document.body, { code })))).toEqual([
      'next',
      'prev',
      'reply',
      'note',
      'resolve',
      'assignMe',
      'select',
      'slash',
    ])
    // Shift + the "/" key is "," on ЙЦУКЕН; a typed "?" (Shift+7 there) is help too.
    expect(shortcutFor(press(',', document.body, { code: 'Slash', shiftKey: true }))).toBe('help')
    expect(shortcutFor(press('?', document.body, { code: 'Digit7', shiftKey: true }))).toBe('help')
    // The letter alone decides nothing when the physical key is known: Dvorak's "j" on KeyC.
    expect(shortcutFor(press('j', document.body, { code: 'KeyC' }))).toBeNull()
    // Shift + J is not J.
    expect(shortcutFor(press('О', document.body, { code: 'KeyJ', shiftKey: true }))).toBeNull()
    // Without a code (a virtual keyboard), the letter on either layout.
    expect(shortcutFor(press('о'))).toBe('next')
    expect(shortcutFor(press('K'))).toBe('prev')
  })

  it('lists both letters for the cheat sheet', () => {
    const next = SHORTCUTS.find((s) => s.action === 'next')!
    expect(next.labels).toEqual(['J', 'О'])
    expect(SHORTCUTS.every((s) => s.labels.length >= 1)).toBe(true)
  })

  it('ignores key combinations with modifiers', () => {
    expect(shortcutFor(press('r', document.body, { ctrlKey: true }))).toBeNull()
    expect(shortcutFor(press('k', document.body, { metaKey: true }))).toBeNull()
  })
})
