// Merges the conversation tools' strings into the base messages (en.ts / ru.ts), key by key,
// so a namespace such as `shortcuts` can gain keys without editing the base files.
import toolsEn from './conversation-tools.en'
import toolsRu from './conversation-tools.ru'

type Tree = { [key: string]: string | Tree }

export function deepMerge<T extends object>(base: T, extra: object): T {
  const out: Tree = { ...(base as Tree) }
  for (const [key, value] of Object.entries(extra as Tree)) {
    const current = out[key]
    out[key] =
      typeof value === 'object' && typeof current === 'object' ? deepMerge(current, value) : value
  }
  return out as T
}

export function withConversationTools<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: deepMerge(messages.en, toolsEn), ru: deepMerge(messages.ru, toolsRu) }
}
