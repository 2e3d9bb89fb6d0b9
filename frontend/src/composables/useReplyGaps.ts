import { computed, ref, type Ref } from 'vue'
import type { CannedGap } from '@/api/scripts'
import { findGap, gapAt, type TextGap } from '@/utils/templateVars'

export interface OpenGap extends TextGap {
  /** where it is in the reply now */
  at: number
}

/**
 * The gaps that canned answers' empty variables left in the reply being written
 * ("Hello ! I'm Анна"). They are shown until the operator fills them in; the first attempt to
 * send with a gap still open is held (the reply box points at it), the second sends as it is.
 */
export function useReplyGaps(text: Ref<string>) {
  const tracked = ref<TextGap[]>([])
  /** the operator was told once and may send as it is */
  const held = ref(false)

  const open = computed<OpenGap[]>(() =>
    tracked.value.flatMap((g) => {
      const at = findGap(text.value, g)
      return at < 0 ? [] : [{ ...g, at }]
    }),
  )

  /** A canned answer was put at `start` of the reply (already in `text`); `gaps` are its own. */
  function track(start: number, gaps: CannedGap[]): void {
    for (const gap of gaps) tracked.value.push(gapAt(text.value, gap.variable, start + gap.at))
    held.value = false
  }

  /** True when the reply may go; false when the open gaps are shown first (once). */
  function mayBeSent(): boolean {
    if (!open.value.length || held.value) return true
    held.value = true
    return false
  }

  function clear(): void {
    tracked.value = []
    held.value = false
  }

  return { open, held, track, mayBeSent, clear }
}
