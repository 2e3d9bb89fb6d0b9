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

export interface Shortcut {
  /** The physical key (`KeyboardEvent.code`): the same key on ЙЦУКЕН as on QWERTY. */
  code: string
  /** Shift held (the `?` is Shift + the `/` key). */
  shift: boolean
  /** What the key shows on a QWERTY and on a ЙЦУКЕН keyboard (one label when they agree). */
  labels: string[]
  action: ShortcutAction
}

/**
 * The workspace shortcuts, by physical key: an operator on the Russian layout presses the same
 * keys as on the English one (J gives «о» there, but it is still J).
 */
export const SHORTCUTS: Shortcut[] = [
  { code: 'KeyJ', shift: false, labels: ['J', 'О'], action: 'next' },
  { code: 'KeyK', shift: false, labels: ['K', 'Л'], action: 'prev' },
  { code: 'KeyR', shift: false, labels: ['R', 'К'], action: 'reply' },
  { code: 'KeyN', shift: false, labels: ['N', 'Т'], action: 'note' },
  { code: 'KeyE', shift: false, labels: ['E', 'У'], action: 'resolve' },
  { code: 'KeyA', shift: false, labels: ['A', 'Ф'], action: 'assignMe' },
  { code: 'KeyX', shift: false, labels: ['X', 'Ч'], action: 'select' },
  { code: 'Slash', shift: false, labels: ['/'], action: 'slash' },
  { code: 'Slash', shift: true, labels: ['?'], action: 'help' },
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

/**
 * The shortcut a key press means by its key, or null. Only for `/` and `?`, whose key differs
 * between layouts (Shift+7 on ЙЦУКЕН, Shift+ß on German): a typed `?` is help wherever it is;
 * and for a press without a `code` (some virtual keyboards), by the letter on either layout.
 */
function byKey(ev: KeyboardEvent): ShortcutAction | null {
  if (ev.key === '?') return 'help'
  if (ev.key === '/') return 'slash'
  if (ev.code) return null
  const letter = ev.key.toUpperCase()
  return SHORTCUTS.find((s) => s.code.startsWith('Key') && s.labels.includes(letter))?.action ?? null
}

/** Which shortcut a key press means, or null. */
export function shortcutFor(ev: KeyboardEvent): ShortcutAction | null {
  if (ev.key === 'Escape' || ev.code === 'Escape') return 'escape'
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return null
  if (isTypingTarget(ev.target)) return null
  const typed = byKey(ev)
  if (typed) return typed
  const hit = SHORTCUTS.find((s) => s.code === ev.code && s.shift === ev.shiftKey)
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
