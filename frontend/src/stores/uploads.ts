import { ref } from 'vue'
import { defineStore } from 'pinia'
import { MAX_ATTACHMENTS, uploadAttachment, type Attachment } from '@/api/attachments'
import { ApiError, errorMessage, isNetworkError } from '@/api/http'

export type UploadState = 'uploading' | 'done' | 'failed'
/** why an upload failed; the chip says it in the operator's language */
export type UploadErrorKind = 'tooLarge' | 'type' | 'invalid' | 'tooMany' | 'network' | 'other'

export interface Upload {
  key: number
  conversationId: number
  name: string
  size: number
  state: UploadState
  attachment: Attachment | null
  error: { kind: UploadErrorKind; message: string } | null
}

function errorKind(err: unknown): UploadErrorKind {
  if (isNetworkError(err)) return 'network'
  if (err instanceof ApiError) {
    if (err.status === 413) return 'tooLarge'
    if (err.status === 415) return 'type'
    if (err.status === 422) return 'invalid'
  }
  return 'other'
}

/**
 * Files the operator attached to the reply they are writing, per conversation: each uploads
 * at once; the reply takes the uploaded ones (`attachment_ids`) when it is sent. Kept in memory
 * only: an upload nobody sends is deleted by the server a day later.
 */
export const useUploadsStore = defineStore('uploads', () => {
  const items = ref<Upload[]>([])
  const aborts = new Map<number, AbortController>()
  let nextKey = 1

  function forConversation(id: number): Upload[] {
    return items.value.filter((u) => u.conversationId === id)
  }

  function patch(key: number, change: Partial<Upload>): void {
    const idx = items.value.findIndex((u) => u.key === key)
    if (idx >= 0) items.value[idx] = { ...items.value[idx]!, ...change }
  }

  async function upload(key: number, conversationId: number, file: File): Promise<void> {
    const abort = new AbortController()
    aborts.set(key, abort)
    try {
      const attachment = await uploadAttachment(conversationId, file, abort.signal)
      patch(key, { state: 'done', attachment })
    } catch (err) {
      if (!abort.signal.aborted) patch(key, { state: 'failed', error: { kind: errorKind(err), message: errorMessage(err) } })
    } finally {
      aborts.delete(key)
    }
  }

  /** Start uploading files (picked, pasted or dropped); beyond the per-message limit they fail. */
  function add(conversationId: number, files: Iterable<File>): void {
    for (const file of files) {
      const key = nextKey++
      const counted = forConversation(conversationId).filter((u) => u.state !== 'failed').length
      const tooMany = counted >= MAX_ATTACHMENTS
      items.value.push({
        key,
        conversationId,
        name: file.name,
        size: file.size,
        state: tooMany ? 'failed' : 'uploading',
        attachment: null,
        error: tooMany ? { kind: 'tooMany', message: '' } : null,
      })
      if (!tooMany) void upload(key, conversationId, file)
    }
  }

  /** Take a file off the reply (an upload still running is cancelled). */
  function remove(key: number): void {
    aborts.get(key)?.abort()
    items.value = items.value.filter((u) => u.key !== key)
  }

  /** The reply was sent: its files went with it. */
  function clear(conversationId: number): void {
    for (const u of forConversation(conversationId)) remove(u.key)
  }

  function reset(): void {
    for (const abort of aborts.values()) abort.abort()
    items.value = []
  }

  return { items, forConversation, add, remove, clear, reset }
})
