// Adds the strings of files on messages and of channel delivery: one new top-level namespace,
// `files`, so no key of the base files or of other merged files is touched.
import filesEn from './attachments.en'
import filesRu from './attachments.ru'

export function withAttachments<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...filesEn }, ru: { ...messages.ru, ...filesRu } }
}
