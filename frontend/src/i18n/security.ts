// Adds the strings of sign-in security: one new top-level namespace, `security`, so no key of
// the base files or of other merged files is touched.
import securityEn from './security.en'
import securityRu from './security.ru'

export function withSecurity<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...securityEn }, ru: { ...messages.ru, ...securityRu } }
}
