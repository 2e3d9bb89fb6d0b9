// Adds the strings of workforce: one new top-level namespace, `workforce`, plus
// `presence.break` and `nav.workforce` merged into their namespaces (no other key touched).
import workforceEn from './workforce.en'
import workforceRu from './workforce.ru'

type Base = { presence?: object; nav?: object }

function merged(base: object, own: object, presence: string, nav: string): object {
  const b = base as Base
  return {
    ...base,
    ...own,
    presence: { ...(b.presence ?? {}), break: presence },
    nav: { ...(b.nav ?? {}), workforce: nav },
  }
}

export function withWorkforce<T extends { en: object; ru: object }>(messages: T): T {
  return {
    ...messages,
    en: merged(messages.en, workforceEn, 'On a break', 'Workforce'),
    ru: merged(messages.ru, workforceRu, 'Перерыв', 'Смены'),
  }
}
