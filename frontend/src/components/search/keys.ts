import { isTypingTarget } from '@/composables/useShortcuts'

/**
 * Ctrl+K (⌘K) anywhere; `/` outside text fields when no conversation is open (in an open
 * conversation `/` starts a canned answer in the reply box). Matched by the physical key
 * (`KeyboardEvent.code`), so they work in any keyboard layout.
 */
export function opensSearch(ev: KeyboardEvent, conversationOpen: boolean): boolean {
  if (ev.isComposing || ev.altKey) return false
  if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.code === 'KeyK') return true
  if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return false
  return ev.code === 'Slash' && !conversationOpen && !isTypingTarget(ev.target)
}
