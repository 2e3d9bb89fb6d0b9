// Adds the strings of mail on messages: one new top-level namespace, `mail`, so no key of the
// base files or of other merged files is touched.
import mailEn from './mail.en'
import mailRu from './mail.ru'

export function withMail<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...mailEn }, ru: { ...messages.ru, ...mailRu } }
}
