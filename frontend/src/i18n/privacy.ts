// Adds the personal-data strings: a new top-level namespace `privacy` (no other key touched).
import privacyEn from './privacy.en'
import privacyRu from './privacy.ru'

export function withPrivacy<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...privacyEn }, ru: { ...messages.ru, ...privacyRu } } as T
}
