// Adds the strings of the channel connection settings and the webhooks page to the messages,
// key by key under `setup` (deepMerge), so the keys other files put there stay as they are.
import channelsEn from './settings-channels.en'
import channelsRu from './settings-channels.ru'
import { deepMerge } from './conversation-tools'

export function withSettingsChannels<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: deepMerge(messages.en, channelsEn), ru: deepMerge(messages.ru, channelsRu) }
}
