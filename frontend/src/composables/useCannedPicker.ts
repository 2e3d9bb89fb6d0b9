import { computed, onBeforeUnmount, ref, watch } from 'vue'
import type { CannedAnswer } from '@/api/scripts'
import { normalizeQuery, useCannedAnswersStore } from '@/stores/cannedAnswers'
import { listboxKey } from './listboxKeys'

const DEBOUNCE_MS = 120

/** A `/word` being typed: the slash, the end of the word, and the query up to the caret. */
export interface SlashToken {
  start: number
  end: number
  query: string
}

/**
 * The `/shortcut` token the caret is in, when the slash starts a word (start of the text or
 * after white space). Shortcuts are letters, digits, `_ . -` — anything else ends the token.
 */
export function findSlashToken(text: string, caret: number): SlashToken | null {
  let i = caret
  while (i > 0 && /[\p{L}\p{N}_.-]/u.test(text[i - 1]!)) i--
  if (i === 0 || text[i - 1] !== '/') return null
  const start = i - 1
  if (start > 0 && !/\s/.test(text[start - 1]!)) return null
  let end = caret
  while (end < text.length && /[\p{L}\p{N}_.-]/u.test(text[end]!)) end++
  return { start, end, query: text.slice(i, caret) }
}

/** The DOM id of an option of the list (for aria-activedescendant). */
export function cannedOptionId(listId: string, answer: CannedAnswer): string {
  return `${listId}-${answer.id}`
}

/** Local filtering while the server is asked: shortcut prefix first, then anywhere else. */
export function filterCanned(items: CannedAnswer[], q: string): CannedAnswer[] {
  const needle = normalizeQuery(q)
  if (!needle) return items
  const prefix: CannedAnswer[] = []
  const other: CannedAnswer[] = []
  for (const a of items) {
    if (a.shortcut.toLocaleLowerCase().startsWith(needle)) prefix.push(a)
    else if ([a.shortcut, a.title, a.category ?? '', a.text].join('\n').toLocaleLowerCase().includes(needle)) other.push(a)
  }
  return [...prefix, ...other]
}

/**
 * The canned-answer list of the reply box: opens when a `/word` is typed, follows the query,
 * and takes the arrow keys, Enter / Tab and Esc while it is open.
 */
export function useCannedPicker(onPick: (answer: CannedAnswer, token: SlashToken) => void) {
  const store = useCannedAnswersStore()
  const token = ref<SlashToken | null>(null)
  const items = ref<CannedAnswer[]>([])
  const active = ref(0)
  const loading = ref(false)
  const failed = ref(false)
  /** Esc closes the list for this slash until the token is gone */
  let dismissedAt: number | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let asked = 0
  let best: CannedAnswer[] = []

  const open = computed(() => token.value !== null)
  const query = computed(() => token.value?.query ?? '')
  const activeItem = computed(() => items.value[active.value] ?? null)

  /** `dismiss`: stay closed for this slash (Esc); a blur only hides the list. */
  function close(dismiss = true): void {
    if (token.value && dismiss) dismissedAt = token.value.start
    token.value = null
    if (timer) clearTimeout(timer)
    timer = null
    asked++
    loading.value = false
  }

  function setItems(next: CannedAnswer[]): void {
    const keep = activeItem.value?.id
    items.value = next
    const idx = keep === undefined ? -1 : next.findIndex((a) => a.id === keep)
    active.value = idx >= 0 ? idx : 0
  }

  function fetchNow(q: string): void {
    const req = ++asked
    loading.value = true
    failed.value = false
    store
      .search(q)
      .then((found) => {
        if (req !== asked) return
        best = found
        setItems(found)
      })
      .catch(() => {
        if (req === asked) failed.value = true
      })
      .finally(() => {
        if (req === asked) loading.value = false
      })
  }

  /** Call after every input or caret move with the text and the caret position. */
  function update(text: string, caret: number): void {
    const found = findSlashToken(text, caret)
    if (!found) {
      if (token.value) close()
      dismissedAt = null
      return
    }
    if (dismissedAt === found.start) return
    const changed = found.query !== token.value?.query || !token.value
    token.value = found
    if (!changed) return
    if (timer) clearTimeout(timer)
    timer = null
    const hit = store.cached(found.query)
    setItems(hit ?? filterCanned(best, found.query))
    if (hit) {
      best = hit
      asked++
      loading.value = false
      return
    }
    timer = setTimeout(() => {
      timer = null
      if (token.value) fetchNow(token.value.query)
    }, DEBOUNCE_MS)
  }

  function move(step: 1 | -1): void {
    const n = items.value.length
    if (n) active.value = (active.value + step + n) % n
  }

  function choose(index = active.value): void {
    const answer = items.value[index]
    const at = token.value
    if (!answer || !at) return
    close()
    dismissedAt = null
    onPick(answer, at)
  }

  /** Keys for the list while it is open; true when the key was used (the caller stops it).
   * While it is open Enter never sends the `/word` itself (Esc first to do that). */
  function onKeydown(ev: KeyboardEvent): boolean {
    if (!open.value) return false
    return listboxKey(ev, { count: () => items.value.length, move, choose: () => choose(), close: () => close() })
  }

  // a change announced live: search again if the list is showing
  watch(
    () => store.version,
    () => {
      if (token.value) fetchNow(token.value.query)
    },
  )
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer)
  })

  return { open, query, items, active, activeItem, loading, failed, token, update, move, choose, close, onKeydown }
}
