// Adds the strings of the queues: one new top-level namespace, `queues`, so no key of the base
// files or of other merged files is touched.
import queuesEn from './queues.en'
import queuesRu from './queues.ru'

export function withQueues<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...queuesEn }, ru: { ...messages.ru, ...queuesRu } }
}
