// A short two-tone beep made with WebAudio: no audio files to ship.

type AudioCtor = typeof AudioContext

let ctx: AudioContext | null = null

function audioContext(): AudioContext | null {
  if (ctx) return ctx
  const w = globalThis as unknown as { AudioContext?: AudioCtor; webkitAudioContext?: AudioCtor }
  const Ctor = w.AudioContext ?? w.webkitAudioContext
  if (!Ctor) return null
  try {
    ctx = new Ctor()
  } catch {
    ctx = null
  }
  return ctx
}

/** Browsers start audio only after a user gesture: call this from one (any click/keypress). */
export function unlockAudio(): void {
  const c = audioContext()
  if (c && c.state === 'suspended') void c.resume().catch(() => undefined)
}

export function beep(): void {
  const c = audioContext()
  if (!c || c.state !== 'running') return
  const start = c.currentTime
  const gain = c.createGain()
  gain.connect(c.destination)
  gain.gain.setValueAtTime(0.0001, start)
  gain.gain.exponentialRampToValueAtTime(0.15, start + 0.01)
  gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28)
  for (const [freq, offset] of [
    [880, 0],
    [1320, 0.12],
  ] as const) {
    const osc = c.createOscillator()
    osc.type = 'sine'
    osc.frequency.setValueAtTime(freq, start + offset)
    osc.connect(gain)
    osc.start(start + offset)
    osc.stop(start + offset + 0.14)
  }
}
