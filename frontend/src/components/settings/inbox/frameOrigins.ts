/**
 * The sites that may show a widget inbox's chat (its frame's CSP `frame-ancestors`, ADR 14):
 * typed one per line, checked here with the server's own rule so a mistake is shown at its
 * line before saving (the server still checks: a 422 names the field).
 */

/** `https://shop.example`, `http://localhost:8080`, `https://*.shop.example` — exactly a CSP
 * source, as `FrameOrigin` in `channels/schemas.py`. */
const ORIGIN = /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/

/** The server keeps at most this many. */
export const MAX_ORIGINS = 50

export interface ParsedOrigins {
  /** The lines that are sites, lower-cased, trailing slash dropped, without repeats. */
  origins: string[]
  /** Lines that are not (as typed), in order. */
  invalid: string[]
  /** More than {@link MAX_ORIGINS} sites. */
  tooMany: boolean
}

/** One site per line; blank lines are ignored. A trailing `/` is forgiven (a pasted URL). */
export function parseOrigins(text: string): ParsedOrigins {
  const origins: string[] = []
  const invalid: string[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (!line) continue
    const origin = line.toLowerCase().replace(/\/$/, '')
    if (!ORIGIN.test(origin) || origin.length > 200) invalid.push(line)
    else if (!origins.includes(origin)) origins.push(origin)
  }
  return { origins, invalid, tooMany: origins.length > MAX_ORIGINS }
}

export function formatOrigins(origins: readonly string[]): string {
  return origins.join('\n')
}
