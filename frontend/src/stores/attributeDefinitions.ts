import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { attributes as api, type AttributeDefinition, type AttributeEntity, type AttributeValue } from '@/api/attributes'
import { serialQueue } from '@/utils/serial'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'

/** What an admin defined as custom attributes, and saving values on conversations / contacts. */
export const useAttributeDefinitionsStore = defineStore('attributeDefinitions', () => {
  const items = ref<AttributeDefinition[]>([])
  const loaded = ref(false)
  let loading: Promise<void> | null = null
  const serial = serialQueue<string>()

  const conversation = computed(() => items.value.filter((d) => d.entity === 'conversation'))
  const contact = computed(() => items.value.filter((d) => d.entity === 'contact'))

  /** Definitions have no live events: fetched again whenever the customer card appears. */
  function load(): Promise<void> {
    loading ??= api
      .definitions()
      .then((page) => {
        items.value = page.items
        loaded.value = true
      })
      .catch(() => undefined)
      .finally(() => {
        loading = null
      })
    return loading
  }

  function forEntity(entity: AttributeEntity): AttributeDefinition[] {
    return entity === 'conversation' ? conversation.value : contact.value
  }

  async function save(entity: AttributeEntity, id: number, values: Record<string, AttributeValue>): Promise<void> {
    if (entity === 'conversation') {
      const conversation = await serial(`conversation:${id}`, () => api.setConversationValues(id, values))
      useConversationsStore().upsert(conversation)
    } else {
      const contact = await serial(`contact:${id}`, () => api.setContactValues(id, values))
      useContactsStore().byId[contact.id] = contact
    }
  }

  function reset(): void {
    items.value = []
    loaded.value = false
  }

  return { items, loaded, conversation, contact, load, forEntity, save, reset }
})
