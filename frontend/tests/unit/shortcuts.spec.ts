import { describe, expect, it } from 'vitest'
import { isTypingTarget, shortcutFor } from '@/composables/useShortcuts'

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

  it('ignores key combinations with modifiers', () => {
    expect(shortcutFor(press('r', document.body, { ctrlKey: true }))).toBeNull()
    expect(shortcutFor(press('k', document.body, { metaKey: true }))).toBeNull()
  })
})
