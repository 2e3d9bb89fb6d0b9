// Contacts and companies (docs/api.md, "Contacts"): the list, a contact's fields, notes,
// tags, duplicates and merge; companies.
import { request } from './http'
import type { Contact, Conversation, Items } from './types'

export interface ContactFilters {
  q?: string
  tag?: string
  company_id?: number
  verified?: boolean
  seen_after?: string
  seen_before?: string
}

export interface ContactPage {
  items: Contact[]
  next_before: number | null
}

export interface ContactFields {
  name?: string | null
  emails?: string[]
  phones?: string[]
  tags?: string[]
  language?: string | null
  timezone?: string | null
  consent?: Record<string, boolean>
  company_id?: number | null
}

export interface ContactNote {
  id: number
  contact_id: number
  author_id: number | null
  text: string
  created_at: string
  updated_at: string
}

export interface Duplicate {
  contact: Contact
  shared: string[]
}

export interface Segment {
  id: number
  owner_id: number
  name: string
  filters: Pick<ContactFilters, 'q' | 'tag' | 'company_id' | 'verified'>
  shared: boolean
  created_at: string
}

export interface Company {
  id: number
  name: string
  domains: string[]
  attributes: Record<string, string | number | boolean>
  contacts: number
  created_at: string
}

export interface CompanyFields {
  name?: string
  domains?: string[]
  attributes?: Record<string, string | number | boolean | null>
}

export const crm = {
  list: (filters: ContactFilters, before?: number, limit = 50) =>
    request<ContactPage>('GET', '/contacts', {
      query: {
        ...filters,
        verified: filters.verified === undefined ? undefined : String(filters.verified),
        before,
        limit,
      },
    }),
  get: (id: number) => request<Contact>('GET', `/contacts/${id}`),
  create: (fields: ContactFields) => request<Contact>('POST', '/contacts', { body: fields }),
  update: (id: number, fields: ContactFields) =>
    request<Contact>('PATCH', `/contacts/${id}`, { body: fields }),
  conversations: (id: number) => request<Items<Conversation>>('GET', `/contacts/${id}/conversations`),
  tag: (contactIds: number[], add: string[], remove: string[] = []) =>
    request<{ updated: number }>('POST', '/contacts/tags', {
      body: { contact_ids: contactIds, add, remove },
    }),
  notes: (id: number) => request<Items<ContactNote>>('GET', `/contacts/${id}/notes`),
  addNote: (id: number, text: string) =>
    request<ContactNote>('POST', `/contacts/${id}/notes`, { body: { text } }),
  deleteNote: (id: number, noteId: number) =>
    request<void>('DELETE', `/contacts/${id}/notes/${noteId}`),
  duplicates: (id: number) => request<Items<Duplicate>>('GET', `/contacts/${id}/duplicates`),
  merge: (id: number, otherId: number) =>
    request<Contact>('POST', `/contacts/${id}/merge`, { body: { other_id: otherId } }),
  segments: () => request<Items<Segment>>('GET', '/contact-segments'),
  saveSegment: (name: string, filters: Segment['filters'], shared: boolean) =>
    request<Segment>('POST', '/contact-segments', { body: { name, filters, shared } }),
  deleteSegment: (id: number) => request<void>('DELETE', `/contact-segments/${id}`),
  companies: (q?: string) =>
    request<{ items: Company[]; next_before: number | null }>('GET', '/companies', {
      query: { q, limit: 100 },
    }),
  company: (id: number) => request<Company>('GET', `/companies/${id}`),
  createCompany: (fields: CompanyFields) =>
    request<Company>('POST', '/companies', { body: fields }),
  updateCompany: (id: number, fields: CompanyFields) =>
    request<Company>('PATCH', `/companies/${id}`, { body: fields }),
  deleteCompany: (id: number) => request<void>('DELETE', `/companies/${id}`),
}
