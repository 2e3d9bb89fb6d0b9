// Files on messages: the upload endpoint and the shape the API gives them in (docs/api.md).
import { request } from './http'

export interface Attachment {
  id: number
  filename: string
  /** sniffed by the server from the content, never taken from the name */
  content_type: string
  size: number
  /** fetched with the operator's session cookie */
  url: string
  /** a safe image (PNG, JPEG, GIF, WebP): shown as a preview; anything else is a download */
  inline: boolean
}

/** At most this many files go on one message (the server refuses more). */
export const MAX_ATTACHMENTS = 10

/** Upload one file for a message in this conversation; send its id in `attachment_ids`. */
export function uploadAttachment(conversationId: number, file: File, signal?: AbortSignal): Promise<Attachment> {
  return request<Attachment>('POST', `/conversations/${conversationId}/attachments`, { form: fileForm(file), signal })
}

/** The multipart body every upload endpoint takes: the file in the field `file`. */
export function fileForm(file: File): FormData {
  const form = new FormData()
  form.append('file', file, file.name)
  return form
}
