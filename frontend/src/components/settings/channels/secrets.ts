// What becomes of a secret field (a password, a bot token) when a form is sent.
// The server shows a stored secret as MASK and keeps it when the key is left out (or comes back
// as MASK), so an admin who does not touch the field never sends the secret again.
import { MASK } from '@/api/channels'

/** The form's value of a secret: typed text, '' (untouched: keep), or null (remove it). */
export type SecretDraft = string | null

/** Is a secret stored? (the server sends MASK for one that is set, nothing or '' otherwise) */
export function isSecretSet(stored: unknown): boolean {
  return typeof stored === 'string' && stored !== ''
}

/**
 * Put the secret into `body` when it changes: typed text is sent as typed, null sends '' (the
 * stored one is removed), and an untouched field is left out — or, when the admin retyped the
 * mask itself, sent as the mask, which the server reads as "keep" too.
 */
export function putSecret(body: Record<string, unknown>, key: string, draft: SecretDraft): void {
  if (draft === null) body[key] = ''
  else if (draft === MASK) body[key] = MASK
  else if (draft.trim() !== '') body[key] = draft
}
