import { ref } from 'vue'
import { defineStore } from 'pinia'

export interface Toast {
  id: number
  text: string
  kind: 'error' | 'info'
}

/** Short messages in the corner (failed actions, copied snippet…). */
export const useToastStore = defineStore('toasts', () => {
  const items = ref<Toast[]>([])
  let next = 1

  function push(text: string, kind: Toast['kind'] = 'info', ttlMs = 5000): void {
    const id = next++
    items.value.push({ id, text, kind })
    setTimeout(() => dismiss(id), ttlMs)
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((t) => t.id !== id)
  }

  return { items, push, dismiss }
})
