// Adds the strings of the shift's workspace changes (empty variables in canned answers,
// @mentions in notes): one new top-level namespace, `shift`, so no other key is touched.
import shiftEn from './shift.en'
import shiftRu from './shift.ru'

export function withShift<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...shiftEn }, ru: { ...messages.ru, ...shiftRu } }
}
