import { ref } from 'vue'
import { defineStore } from 'pinia'
import { cannedAnswers as api, type CannedAnswer, type CannedUse } from '@/api/scripts'

/** How long a search result is reused while nothing announced a change. */
const TTL_MS = 60_000
const LIMIT = 20

export function normalizeQuery(q: string): string {
  return q.trim().replace(/^\/+/, '').toLocaleLowerCase()
}

/**
 * Canned answers as the reply box needs them: searched on the server (it knows scopes and
 * orders by shortcut prefix, then use), results reused for a minute, dropped at once when a
 * `canned_answer.changed` / `canned_answers.imported` event says something changed.
 */
export const useCannedAnswersStore = defineStore('cannedAnswers', () => {
  /** bumps on every change event: an open picker searches again */
  const version = ref(0)
  const cache = new Map<string, { at: number; items: CannedAnswer[] }>()

  function cached(q: string): CannedAnswer[] | undefined {
    const hit = cache.get(normalizeQuery(q))
    return hit && Date.now() - hit.at < TTL_MS ? hit.items : undefined
  }

  async function search(q: string): Promise<CannedAnswer[]> {
    const key = normalizeQuery(q)
    const hit = cached(key)
    if (hit) return hit
    const asked = version.value
    const page = await api.list({ q: key || undefined, limit: LIMIT })
    if (asked === version.value) cache.set(key, { at: Date.now(), items: page.items })
    return page.items
  }

  /** The answer's text with variables filled for this conversation, and the empty ones; counts one use. */
  async function use(id: number, conversationId: number | null): Promise<CannedUse> {
    return api.use(id, conversationId)
  }

  function invalidate(): void {
    cache.clear()
    version.value += 1
  }

  function reset(): void {
    cache.clear()
  }

  return { version, cached, search, use, invalidate, reset }
})
