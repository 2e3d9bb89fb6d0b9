// Adds the strings of the reports: one new top-level namespace, `reports`, so no key of the
// base files or of other merged files is touched.
import reportsEn from './reports.en'
import reportsRu from './reports.ru'

export function withReports<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...reportsEn }, ru: { ...messages.ru, ...reportsRu } }
}
