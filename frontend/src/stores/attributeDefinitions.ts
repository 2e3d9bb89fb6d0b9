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

  /** Fetched when the customer card first appears, and again on `attribute_definition.changed`. */
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

  /** An admin changed the definitions: fetch them again if anything here shows them. */
  function invalidate(): void {
    if (!loaded.value) return
    // a fetch under way may have left before the change: fetch once more after it
    if (loading) void loading.then(load)
    else void load()
  }

  function reset(): void {
    items.value = []
    loaded.value = false
  }

  return { items, loaded, conversation, contact, load, invalidate, forEntity, save, reset }
})
