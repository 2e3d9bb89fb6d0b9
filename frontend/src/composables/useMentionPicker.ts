import { computed, ref } from 'vue'
import type { Agent } from '@/api/types'
import { useAgentsStore } from '@/stores/agents'
import { useSessionStore } from '@/stores/session'
import { findAtToken, matchPeople, type AtToken } from '@/utils/mentions'
import { listboxKey } from './listboxKeys'

const MAX_SHOWN = 8

/**
 * The colleagues offered while `@name` is typed in a note: follows the query (Russian or
 * English names, either keyboard layout), takes ↑ ↓, Enter / Tab and Esc while it is open.
 */
export function useMentionPicker(onPick: (agent: Agent, token: AtToken) => void) {
  const agents = useAgentsStore()
  const session = useSessionStore()
  const token = ref<AtToken | null>(null)
  const active = ref(0)
  /** Esc closes the list for this `@` until the token is gone */
  let dismissedAt: number | null = null

  const items = computed(() => {
    if (!token.value) return []
    const colleagues = agents.activeAgents.filter((a) => a.id !== session.myId)
    return matchPeople(colleagues, token.value.query).slice(0, MAX_SHOWN)
  })
  const open = computed(() => token.value !== null)
  const query = computed(() => token.value?.query ?? '')

  function close(dismiss = true): void {
    if (token.value && dismiss) dismissedAt = token.value.start
    token.value = null
  }

  /** Call after every input or caret move (only in a note). */
  function update(text: string, caret: number): void {
    const found = findAtToken(text, caret)
    if (!found) {
      token.value = null
      dismissedAt = null
      return
    }
    if (dismissedAt === found.start) return
    if (found.query !== token.value?.query) active.value = 0
    token.value = found
  }

  function choose(index = active.value): void {
    const agent = items.value[index]
    const at = token.value
    if (!agent || !at) return
    close()
    dismissedAt = null
    onPick(agent, at)
  }

  function move(step: 1 | -1): void {
    const n = items.value.length
    if (n) active.value = (active.value + step + n) % n
  }

  /** Keys for the list while it is open; true when the key was used. */
  function onKeydown(ev: KeyboardEvent): boolean {
    if (!open.value) return false
    // with nobody to offer, Enter is the note's own again
    if (ev.key === 'Enter' && !items.value.length) return false
    return listboxKey(ev, { count: () => items.value.length, move, choose: () => choose(), close: () => close() })
  }

  return { open, query, items, active, token, update, choose, close, onKeydown }
}
