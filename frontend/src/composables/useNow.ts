import { onScopeDispose, ref, type Ref } from 'vue'

const now = ref(new Date())
let users = 0
let timer: ReturnType<typeof setInterval> | null = null

/** A shared clock that ticks every 30 s (waiting times, "today" separators). */
export function useNow(): Ref<Date> {
  users++
  if (!timer) timer = setInterval(() => (now.value = new Date()), 30_000)
  onScopeDispose(() => {
    users--
    if (users === 0 && timer) {
      clearInterval(timer)
      timer = null
    }
  })
  return now
}
