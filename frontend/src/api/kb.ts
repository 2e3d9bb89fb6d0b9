// The knowledge base (docs/api.md, ADR 25): categories, articles, revisions, suggestions.
import { request } from './http'
import { fileForm, type Attachment } from './attachments'

export type KbLanguage = 'ru' | 'en'
export type KbStatus = 'draft' | 'published' | 'archived'

export interface KbCategory {
  id: number
  parent_id: number | null
  slug: string
  name_ru: string
  name_en: string
  position: number
}

export interface KbArticleBrief {
  id: number
  language: KbLanguage
  slug: string
  title: string
  status: KbStatus
  internal: boolean
  category_id: number | null
  updated_at: string
}

export interface KbArticle extends KbArticleBrief {
  group_id: number | null
  body: string
  /** sanitised by the server */
  html: string
  position: number
  author_id: number | null
  updated_by_id: number | null
  created_at: string
  published_at: string | null
  views: number
  helpful_yes: number
  helpful_no: number
  translations: Partial<Record<KbLanguage, number>>
}

export interface KbArticleInput {
  language?: KbLanguage
  title?: string
  body?: string
  slug?: string
  category_id?: number | null
  internal?: boolean
  status?: KbStatus
  translation_of?: number
}

export interface KbRevision {
  id: number
  number: number
  title: string
  author_id: number | null
  created_at: string
}

export interface KbSuggestion {
  id: number
  title: string
  slug: string
  language: KbLanguage
  snippet: string
  url: string
}

interface Items<T> {
  items: T[]
}

/** A file of an article: public at `url` once the article is published (not internal). */
export interface KbFile extends Attachment {
  markdown: string
}

export const kbApi = {
  categories: () => request<Items<KbCategory>>('GET', '/kb/categories'),
  createCategory: (body: Omit<KbCategory, 'id' | 'position'> & { position?: number }) =>
    request<KbCategory>('POST', '/kb/categories', { body }),
  deleteCategory: (id: number) => request<void>('DELETE', `/kb/categories/${id}`),
  articles: (query: { status?: string; language?: string; category_id?: number | null } = {}) =>
    request<Items<KbArticleBrief>>('GET', '/kb/articles', { query: { ...query, limit: 200 } }),
  article: (id: number) => request<KbArticle>('GET', `/kb/articles/${id}`),
  create: (body: KbArticleInput) => request<KbArticle>('POST', '/kb/articles', { body }),
  update: (id: number, body: KbArticleInput) => request<KbArticle>('PATCH', `/kb/articles/${id}`, { body }),
  remove: (id: number) => request<void>('DELETE', `/kb/articles/${id}`),
  preview: (body: string) => request<{ html: string }>('POST', '/kb/preview', { body: { body } }),
  /** Attach a file to an article: the answer carries the Markdown that shows or links it. */
  upload: (id: number, file: File) => request<KbFile>('POST', `/kb/articles/${id}/files`, { form: fileForm(file) }),
  revisions: (id: number) => request<Items<KbRevision>>('GET', `/kb/articles/${id}/revisions`),
  diff: (id: number, revisionId: number) =>
    request<{ revision_id: number; diff: string }>('GET', `/kb/articles/${id}/revisions/${revisionId}/diff`),
  restore: (id: number, revisionId: number) =>
    request<KbArticle>('POST', `/kb/articles/${id}/revisions/${revisionId}/restore`),
  suggestions: (conversationId: number) =>
    request<Items<KbSuggestion>>('GET', `/conversations/${conversationId}/kb-suggestions`),
}

/** A help-center link for a reply: absolute, on this server. */
export function articleLink(url: string): string {
  return new URL(url, window.location.origin).toString()
}
