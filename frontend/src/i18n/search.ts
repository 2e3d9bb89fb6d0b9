// Adds the strings of the workspace search: one new top-level namespace, `search`, so no key
// of the base files or of other merged files is touched.
import searchEn from './search.en'
import searchRu from './search.ru'

export function withSearch<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...searchEn }, ru: { ...messages.ru, ...searchRu } }
}
