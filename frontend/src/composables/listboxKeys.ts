/** What a popup list under a text field does with a key (the field keeps the focus). */
export interface ListboxActions {
  count: () => number
  move: (step: 1 | -1) => void
  choose: () => void
  close: () => void
}

/**
 * The keys of a popup list while it is open: ↑ ↓ move, Enter or Tab choose (Shift passes
 * them on), Esc closes. True when the key was used (the caller stops it).
 */
export function listboxKey(ev: KeyboardEvent, list: ListboxActions): boolean {
  if (ev.isComposing || ev.altKey || ev.ctrlKey || ev.metaKey) return false
  switch (ev.key) {
    case 'ArrowDown':
      list.move(1)
      return true
    case 'ArrowUp':
      list.move(-1)
      return true
    case 'Enter':
    case 'Tab':
      if (ev.shiftKey || (ev.key === 'Tab' && !list.count())) return false
      list.choose()
      return true
    case 'Escape':
      list.close()
      return true
    default:
      return false
  }
}
