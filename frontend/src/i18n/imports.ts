// Adds the contact import/export strings: a new top-level namespace `imports` (no other key touched).
import importsEn from './imports.en'
import importsRu from './imports.ru'

export function withImports<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...importsEn }, ru: { ...messages.ru, ...importsRu } } as T
}
