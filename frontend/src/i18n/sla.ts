// Adds the strings of SLA: one new top-level namespace, `sla`, and the settings menu's entry
// (`setup.nav.sla`), so no key of the base files or of other merged files is touched.
import slaEn from './sla.en'
import slaRu from './sla.ru'

type Messages = { setup?: { nav?: object } }

function merged(base: object, own: object, nav: string): object {
  const setup = (base as Messages).setup ?? {}
  return { ...base, ...own, setup: { ...setup, nav: { ...(setup.nav ?? {}), sla: nav } } }
}

export function withSla<T extends { en: object; ru: object }>(messages: T): T {
  return { ...messages, en: merged(messages.en, slaEn, 'SLA'), ru: merged(messages.ru, slaRu, 'SLA') }
}
