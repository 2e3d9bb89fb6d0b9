import { afterEach, describe, expect, it } from 'vitest'
import { ACTIVITY_EVERY_MS, reportActivity } from '@/realtime/activity'

describe('activity reporting', () => {
  let stop: (() => void) | null = null
  afterEach(() => stop?.())

  it('sends at most one frame per interval, and tries again when one could not be sent', () => {
    let now = 1_000_000
    let connected = false
    const sent: number[] = []
    const reporter = reportActivity(
      () => {
        if (connected) sent.push(now)
        return connected
      },
      () => now,
    )
    stop = () => reporter.stop()
    window.dispatchEvent(new Event('keydown'))
    expect(sent).toEqual([]) // not connected: nothing sent, nothing remembered
    connected = true
    window.dispatchEvent(new Event('pointerdown'))
    window.dispatchEvent(new Event('keydown'))
    expect(sent).toEqual([1_000_000])
    now += ACTIVITY_EVERY_MS
    window.dispatchEvent(new Event('keydown'))
    expect(sent).toEqual([1_000_000, 1_000_000 + ACTIVITY_EVERY_MS])
    reporter.stop()
    now += ACTIVITY_EVERY_MS
    window.dispatchEvent(new Event('keydown'))
    expect(sent).toHaveLength(2)
  })
})
