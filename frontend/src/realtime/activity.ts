// Tell the server the operator is using the workspace, so presence turns "away" only when they
// are not (OTKLIK_PRESENCE_AWAY_MINUTES) and back to "online" when they return. At most one
// frame per ACTIVITY_EVERY_MS; the first input after a quiet spell is sent at once.

export const ACTIVITY_EVERY_MS = 30_000
const EVENTS = ['pointerdown', 'keydown', 'wheel', 'focus'] as const

export interface ActivityReporter {
  stop(): void
}

export function reportActivity(send: () => boolean, now: () => number = Date.now): ActivityReporter {
  let last = -Infinity
  const onInput = (): void => {
    const t = now()
    if (t - last < ACTIVITY_EVERY_MS) return
    if (send()) last = t
  }
  const onVisible = (): void => {
    if (document.visibilityState === 'visible') onInput()
  }
  for (const name of EVENTS) window.addEventListener(name, onInput, { passive: true, capture: true })
  document.addEventListener('visibilitychange', onVisible)
  return {
    stop(): void {
      for (const name of EVENTS) window.removeEventListener(name, onInput, { capture: true })
      document.removeEventListener('visibilitychange', onVisible)
    },
  }
}
