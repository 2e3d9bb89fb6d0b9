import { ref } from 'vue'
import { defineStore } from 'pinia'

export interface Toast {
  id: number
  text: string
  kind: 'error' | 'info'
}

/** Errors kept on screen at once (the oldest goes first). */
const MAX_ERRORS = 3

/**
 * Short messages in the corner (failed actions, copied snippet…). A toast answers the last
 * action: a new notice replaces the one before instead of piling up under it, and moving to
 * another screen takes the notices away (errors stay until they time out or are closed).
 */
export const useToastStore = defineStore('toasts', () => {
  const items = ref<Toast[]>([])
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1

  function push(text: string, kind: Toast['kind'] = 'info', ttlMs = kind === 'error' ? 8000 : 4000): void {
    // the same text again (a repeated action) restarts its time instead of adding a copy
    const same = items.value.filter((t) => t.text === text || (kind === 'info' && t.kind === 'info'))
    same.forEach((t) => dismiss(t.id))
    const errors = items.value.filter((t) => t.kind === 'error')
    if (kind === 'error' && errors.length >= MAX_ERRORS) dismiss(errors[0]!.id)
    const id = next++
    items.value.push({ id, text, kind })
    timers.set(
      id,
      setTimeout(() => dismiss(id), ttlMs),
    )
  }

  function dismiss(id: number): void {
    const timer = timers.get(id)
    if (timer !== undefined) clearTimeout(timer)
    timers.delete(id)
    items.value = items.value.filter((t) => t.id !== id)
  }

  /** Another screen: the notices about the last one go. */
  function clearNotices(): void {
    items.value.filter((t) => t.kind === 'info').forEach((t) => dismiss(t.id))
  }

  return { items, push, dismiss, clearNotices }
})
