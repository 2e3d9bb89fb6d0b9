// Custom attribute definitions and values (src/otklik/attributes/api.py).
import { request } from './http'
import type { Contact, Conversation, Items } from './types'

export type AttributeEntity = 'conversation' | 'contact'
export type AttributeType = 'text' | 'number' | 'date' | 'list' | 'boolean'
export type AttributeValue = string | number | boolean | null

export interface AttributeDefinition {
  id: number
  entity: AttributeEntity
  key: string
  label: string
  type: AttributeType
  options: string[]
  created_at: string
}

export const attributes = {
  definitions: (entity?: AttributeEntity) =>
    request<Items<AttributeDefinition>>('GET', '/attribute-definitions', { query: { entity } }),
  /** `null` removes a value; the answer is the whole conversation */
  setConversationValues: (id: number, values: Record<string, AttributeValue>) =>
    request<Conversation>('PUT', `/conversations/${id}/attributes`, { body: { values } }),
  setContactValues: (id: number, values: Record<string, AttributeValue>) =>
    request<Contact>('PUT', `/contacts/${id}/attributes`, { body: { values } }),
}
