import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Contact } from '@/api/types'
import { applyEvent } from '@/realtime/apply'
import { useAttributeDefinitionsStore } from '@/stores/attributeDefinitions'
import { useContactsStore } from '@/stores/contacts'
import { useConversationsStore } from '@/stores/conversations'
import { flush, heldAnswer, makeConversation, mockFetch } from './helpers'

function contact(over: Partial<Contact> = {}): Contact {
  return { id: 9, name: 'Maria', email: null, attributes: {}, created_at: '2026-11-24T07:00:00Z', visitor: null, verified_at: null, verified: false, emails: [], phones: [], tags: [], language: null, timezone: null, consent: {}, company_id: null, last_seen_at: null, external_id: null, ...over }
}

describe('live contacts and attribute definitions', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('contact.updated refreshes the open card and the names in the list', () => {
    const conversations = useConversationsStore()
    const contacts = useContactsStore()
    conversations.upsert(makeConversation({ id: 3, contact: { id: 9, name: 'Maria', email: null } }))
    conversations.upsert(makeConversation({ id: 4, contact: { id: 10, name: 'Ivan', email: null } }))
    contacts.byId[9] = contact()

    const changed = contact({ name: 'Maria Petrova', email: 'maria@example.com', attributes: { tier: 'gold' } })
    applyEvent({ id: 50, type: 'contact.updated', data: { contact: changed } })
    expect(contacts.byId[9]).toEqual(changed)
    expect(conversations.byId[3]!.contact).toEqual({ id: 9, name: 'Maria Petrova', email: 'maria@example.com' })
    expect(conversations.byId[4]!.contact.name).toBe('Ivan')

    // a contact no card shows is not fetched or kept
    applyEvent({ id: 51, type: 'contact.updated', data: { contact: contact({ id: 77 }) } })
    expect(contacts.byId[77]).toBeUndefined()
  })

  it('attribute_definition.changed refetches the definitions once they are in use', async () => {
    let label = 'Tier'
    const { calls } = mockFetch({
      'GET /attribute-definitions': () => ({
        items: [{ id: 1, entity: 'contact', key: 'tier', label, type: 'text', options: [] }],
      }),
    })
    const definitions = useAttributeDefinitionsStore()
    applyEvent({ id: 60, type: 'attribute_definition.changed', data: { id: 1, entity: 'contact', deleted: false } })
    await flush()
    expect(calls).toHaveLength(0) // nothing shows them yet

    await definitions.load()
    expect(definitions.contact.map((d) => d.label)).toEqual(['Tier'])
    label = 'Customer tier'
    applyEvent({ id: 61, type: 'attribute_definition.changed', data: { id: 1, entity: 'contact', deleted: false } })
    await flush()
    expect(calls).toHaveLength(2)
    expect(definitions.contact.map((d) => d.label)).toEqual(['Customer tier'])
  })

  it('a contact.updated that arrives while the card loads is not undone by the older answer', async () => {
    const card = heldAnswer()
    mockFetch({ 'GET /contacts/9': card.route, 'GET /contacts/9/conversations': () => ({ items: [] }) })
    const contacts = useContactsStore()
    const loading = contacts.load(9)
    await flush()
    const renamed = contact({ name: 'Maria Petrova' })
    applyEvent({ id: 52, type: 'contact.updated', data: { contact: renamed } })
    card.release(contact()) // read before the rename
    await loading
    expect(contacts.byId[9]?.name).toBe('Maria Petrova')
  })
})
