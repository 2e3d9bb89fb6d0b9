// Adds the strings of SLA deadlines: one new top-level namespace, `sla`, so no key of the
// base files or of other merged files is touched.
import slaEn from './sla.en'
import slaRu from './sla.ru'

export function withSla<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...slaEn }, ru: { ...messages.ru, ...slaRu } }
}
