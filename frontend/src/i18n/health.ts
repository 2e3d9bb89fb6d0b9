// Adds the strings of channel health: one new top-level namespace, `health`, so no key of the
// base files or of other merged files is touched.
import healthEn from './health.en'
import healthRu from './health.ru'

export function withHealth<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...healthEn }, ru: { ...messages.ru, ...healthRu } }
}
