import { ref } from 'vue'
import { defineStore } from 'pinia'
import { useConversationsStore } from './conversations'

/** The subject field of email replies: "Re: <the conversation's subject>" unless the operator
 * changed it. The outbox takes it when a reply is sent; the field then shows the default
 * again (the server makes the new subject the conversation's). */
export const useReplySubjectStore = defineStore('replySubject', () => {
  const edited = ref<Record<number, string>>({})

  function defaultFor(conversationId: number): string {
    const subject = useConversationsStore().byId[conversationId]?.subject
    return subject ? `Re: ${subject}` : ''
  }

  function isEmail(conversationId: number): boolean {
    return useConversationsStore().byId[conversationId]?.channel === 'email'
  }

  function get(conversationId: number): string {
    return edited.value[conversationId] ?? defaultFor(conversationId)
  }

  function set(conversationId: number, value: string): void {
    edited.value = { ...edited.value, [conversationId]: value }
  }

  /** What a reply sent now goes with (undefined: not an email, or no subject to give). */
  function take(conversationId: number): string | undefined {
    if (!isEmail(conversationId)) return undefined
    const value = get(conversationId).replace(/\s+/g, ' ').trim()
    const { [conversationId]: _, ...rest } = edited.value
    edited.value = rest
    return value || undefined
  }

  function reset(): void {
    edited.value = {}
  }

  return { get, set, take, isEmail, reset }
})
