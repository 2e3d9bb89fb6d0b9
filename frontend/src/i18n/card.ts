// Adds the strings of email subjects and the customer card's visitor details: one new
// top-level namespace, `card`, so no key of the base files or of other merged files is touched.
import cardEn from './card.en'
import cardRu from './card.ru'

export function withCard<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...cardEn }, ru: { ...messages.ru, ...cardRu } }
}
