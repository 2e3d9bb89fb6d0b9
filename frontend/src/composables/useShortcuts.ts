import { onBeforeUnmount, onMounted } from 'vue'

export type ShortcutAction =
  | 'next'
  | 'prev'
  | 'reply'
  | 'note'
  | 'resolve'
  | 'assignMe'
  | 'select'
  | 'slash'
  | 'help'
  | 'escape'

export const SHORTCUTS: { keys: string; action: ShortcutAction }[] = [
  { keys: 'j', action: 'next' },
  { keys: 'k', action: 'prev' },
  { keys: 'r', action: 'reply' },
  { keys: 'n', action: 'note' },
  { keys: 'e', action: 'resolve' },
  { keys: 'a', action: 'assignMe' },
  { keys: 'x', action: 'select' },
  { keys: '/', action: 'slash' },
  { keys: '?', action: 'help' },
]

/** True when the key press belongs to a text field (shortcuts must not fire there). */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  if (target.isContentEditable) return true
  const tag = target.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color'].includes(type)
  }
  return false
}

/** Which shortcut a key press means, or null. */
export function shortcutFor(ev: KeyboardEvent): ShortcutAction | null {
  if (ev.key === 'Escape') return 'escape'
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return null
  if (isTypingTarget(ev.target)) return null
  const hit = SHORTCUTS.find((s) => s.keys === ev.key)
  return hit ? hit.action : null
}

/** Install a document-wide handler for the workspace shortcuts. */
export function useShortcuts(handler: (action: ShortcutAction, ev: KeyboardEvent) => boolean | void): void {
  function onKey(ev: KeyboardEvent): void {
    if (ev.defaultPrevented) return
    const action = shortcutFor(ev)
    if (!action) return
    if (handler(action, ev) !== false && action !== 'escape') ev.preventDefault()
  }
  onMounted(() => document.addEventListener('keydown', onKey))
  onBeforeUnmount(() => document.removeEventListener('keydown', onKey))
}
