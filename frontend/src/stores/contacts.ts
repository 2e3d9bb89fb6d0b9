import { ref } from 'vue'
import { defineStore } from 'pinia'
import { contacts as api } from '@/api/client'
import type { Contact } from '@/api/types'
import { useConversationsStore } from './conversations'

/** Contact details and their conversation history, for the customer card. */
export const useContactsStore = defineStore('contacts', () => {
  const byId = ref<Record<number, Contact>>({})
  /** conversation ids per contact, newest first; the conversations live in their own store */
  const history = ref<Record<number, number[]>>({})
  const errors = ref<Record<number, string>>({})

  async function load(contactId: number): Promise<void> {
    const conversations = useConversationsStore()
    try {
      const [contact, convs] = await Promise.all([api.get(contactId), api.conversations(contactId)])
      byId.value[contactId] = contact
      for (const c of convs.items) if (!conversations.byId[c.id]) conversations.upsert(c)
      history.value[contactId] = convs.items.map((c) => c.id)
      delete errors.value[contactId]
    } catch (err) {
      errors.value[contactId] = err instanceof Error ? err.message : String(err)
    }
  }

  function reset(): void {
    byId.value = {}
    history.value = {}
    errors.value = {}
  }

  return { byId, history, errors, load, reset }
})
