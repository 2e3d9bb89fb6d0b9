// Adds the strings of the settings pages (issue 5) to the messages: one new top-level
// namespace, `setup`, so no key of the base files or of other merged files is touched.
import rulesEn from './settings-rules.en'
import rulesRu from './settings-rules.ru'
import scriptsEn from './settings-scripts.en'
import scriptsRu from './settings-scripts.ru'

const en = { setup: { ...scriptsEn.setup, ...rulesEn.setup } }
const ru = { setup: { ...scriptsRu.setup, ...rulesRu.setup } }

export function withSettingsScripts<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: { ...messages.en, ...en }, ru: { ...messages.ru, ...ru } }
}
