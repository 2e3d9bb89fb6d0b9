// Adds the strings of surveys: one new top-level namespace, `surveys`, and the settings menu's
// entry (`setup.nav.surveys`), so no key of the base files or of other merged files is touched.
import surveysEn from './surveys.en'
import surveysRu from './surveys.ru'

type Messages = { setup?: { nav?: object } }

function merged(base: object, own: object, nav: string): object {
  const setup = (base as Messages).setup ?? {}
  return { ...base, ...own, setup: { ...setup, nav: { ...(setup.nav ?? {}), surveys: nav } } }
}

export function withSurveys<T extends { en: object; ru: object }>(messages: T): T {
  return {
    ...messages,
    en: merged(messages.en, surveysEn, 'Surveys'),
    ru: merged(messages.ru, surveysRu, 'Опросы'),
  }
}
