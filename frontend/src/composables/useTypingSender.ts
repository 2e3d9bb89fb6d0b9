import { onBeforeUnmount, watch, type Ref } from 'vue'
import { useRealtimeStore } from '@/stores/realtime'

const REPEAT_MS = 3000
const IDLE_MS = 4000

/**
 * Sends `typing` frames for the conversation in `conversationId`: `true` at most every 3 s
 * while keys are pressed, `false` after 4 s of quiet, on send and when switching away.
 */
export function useTypingSender(conversationId: Ref<number | null>) {
  const realtime = useRealtimeStore()
  let typingIn: number | null = null
  let lastSent = 0
  let idleTimer: ReturnType<typeof setTimeout> | null = null

  function stop(): void {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = null
    if (typingIn !== null) realtime.send({ type: 'typing', conversation_id: typingIn, typing: false })
    typingIn = null
    lastSent = 0
  }

  function touch(): void {
    const id = conversationId.value
    if (id === null) return
    if (typingIn !== null && typingIn !== id) stop()
    const now = Date.now()
    if (typingIn === null || now - lastSent > REPEAT_MS) {
      if (realtime.send({ type: 'typing', conversation_id: id, typing: true })) {
        typingIn = id
        lastSent = now
      }
    }
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = setTimeout(stop, IDLE_MS)
  }

  watch(conversationId, stop)
  onBeforeUnmount(stop)
  return { touch, stop }
}
