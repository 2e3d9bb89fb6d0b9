// Adds the knowledge base's strings: a new top-level namespace `kb`, plus the label of the
// `articles` kind in the search dialog and the settings section's name (merged one level
// deeper, so no other key of `search` or `setup.nav` is touched).
import kbEn from './kb.en'
import kbRu from './kb.ru'

type Tree = Record<string, unknown>

function under(base: Tree, path: string[], key: string, value: string): Tree {
  const [head, ...rest] = path
  if (head === undefined) return { ...base, [key]: value }
  const child = (base[head] ?? {}) as Tree
  return { ...base, [head]: under(child, rest, key, value) }
}

function add(base: object, strings: typeof kbEn): Tree {
  let tree: Tree = { ...(base as Tree), ...strings }
  tree = under(tree, ['search', 'kinds'], 'articles', strings.kb.nav)
  return under(tree, ['setup', 'nav'], 'kb', strings.kb.nav)
}

export function withKb<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: add(messages.en, kbEn), ru: add(messages.ru, kbRu) } as T
}
