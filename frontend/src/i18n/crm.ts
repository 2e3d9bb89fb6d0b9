// Adds the strings of the contacts and companies pages: a new top-level namespace `crm`,
// and the header's link (`nav.contacts`, merged one level deeper so no other key of `nav`
// is touched).
import crmEn from './crm.en'
import crmRu from './crm.ru'

type Tree = Record<string, unknown>

function add(base: object, strings: typeof crmEn): Tree {
  const tree = base as Tree
  const nav = { ...((tree.nav ?? {}) as Tree), contacts: strings.crm.nav }
  return { ...tree, ...strings, nav }
}

export function withCrm<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: add(messages.en, crmEn), ru: add(messages.ru, crmRu) } as T
}
