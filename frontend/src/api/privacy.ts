// Personal data, for admins (src/otklik/privacy/api.py, docs/api.md): a contact's export as
// a ZIP, erasing a contact, and the retention of resolved conversations.
import { request } from './http'

export type ExportState = 'pending' | 'ready' | 'failed'

export interface PrivacyExport {
  id: number
  contact_id: number
  state: ExportState
  size: number | null
  error: string | null
  created_at: string
  finished_at: string | null
  /** Set once `state` is `ready`: a plain link (the session cookie authorises it). */
  download_url: string | null
}

export interface Erasure {
  contact_id: number
  /** The anonymous contact that now holds the erased contact's conversations. */
  placeholder_id: number
  counts: Record<string, number>
}

export interface Retention {
  /** Resolved conversations older than this many months are erased; null: never. */
  retention_months: number | null
}

export const privacy = {
  requestExport: (contactId: number) =>
    request<PrivacyExport>('POST', `/contacts/${contactId}/privacy/exports`),
  getExport: (exportId: number) => request<PrivacyExport>('GET', `/privacy/exports/${exportId}`),
  erase: (contactId: number) =>
    request<Erasure>('POST', `/contacts/${contactId}/privacy/erase`, {
      body: { confirm_contact_id: contactId },
    }),
  retention: () => request<Retention>('GET', '/privacy/settings'),
  saveRetention: (months: number | null) =>
    request<Retention>('PUT', '/privacy/settings', { body: { retention_months: months } }),
}
