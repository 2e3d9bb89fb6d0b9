import { ref } from 'vue'
import { defineStore } from 'pinia'
import { contacts as api } from '@/api/client'
import type { Contact } from '@/api/types'
import { changesDuringLoad } from './duringLoad'
import { useConversationsStore } from './conversations'

/** Contact details and their conversation history, for the customer card. */
export const useContactsStore = defineStore('contacts', () => {
  const byId = ref<Record<number, Contact>>({})
  /** conversation ids per contact, newest first; the conversations live in their own store */
  const history = ref<Record<number, number[]>>({})
  const errors = ref<Record<number, string>>({})

  const changes = changesDuringLoad()

  /** A `contact.updated` arriving while the card loads is kept (``duringLoad.ts``): the
   * answer may predate it (the card showed the old name until the next change). */
  async function load(contactId: number): Promise<void> {
    const conversations = useConversationsStore()
    try {
      await changes.during(async (replay) => {
        const [contact, convs] = await Promise.all([api.get(contactId), api.conversations(contactId)])
        byId.value[contactId] = contact
        for (const c of convs.items) if (!conversations.byId[c.id]) conversations.upsert(c)
        history.value[contactId] = convs.items.map((c) => c.id)
        delete errors.value[contactId]
        replay()
      })
    } catch (err) {
      errors.value[contactId] = err instanceof Error ? err.message : String(err)
    }
  }

  /**
   * A contact changed (`contact.updated`): the card shows it, and so do the conversations in
   * the list (their brief copy of name and email). A contact nobody looks at is not kept.
   */
  function receive(contact: Contact): void {
    changes.noted(() => {
      if (byId.value[contact.id]) byId.value[contact.id] = contact
    })
    useConversationsStore().receiveContact(contact)
  }

  function reset(): void {
    byId.value = {}
    history.value = {}
    errors.value = {}
  }

  return { byId, history, errors, load, receive, reset }
})
