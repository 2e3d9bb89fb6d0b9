import { createI18n } from 'vue-i18n'
import { storedLocale, type Locale } from '@/stores/prefs'
import en from './en'
import ru from './ru'
import { withAttachments } from './attachments'
import { withCard } from './card'
import { withConversationTools } from './conversation-tools'
import { withCrm } from './crm'
import { withImports } from './imports'
import { withMail } from './mail'
import { withHealth } from './health'
import { withKb } from './kb'
import { withPrivacy } from './privacy'
import { withSearch } from './search'
import { withQueues } from './queues'
import { withReports } from './reports'
import { withSecurity } from './security'
import { withSettingsChannels } from './settings-channels'
import { withSettingsScripts } from './settings-scripts'
import { withShift } from './shift'
import { withSla } from './sla'
import { withSurveys } from './surveys'
import { withWorkforce } from './workforce'

export type MessageSchema = typeof en

/** Russian plural forms: 0 | one (1, 21…) | few (2–4, 22–24…) | many (5–20, 25…). */
export function russianPlural(choice: number, choicesLength: number): number {
  if (choicesLength < 4) {
    const n = Math.abs(choice)
    if (n % 10 === 1 && n % 100 !== 11) return 0
    if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20)) return 1
    return Math.min(2, choicesLength - 1)
  }
  if (choice === 0) return 0
  const n = Math.abs(choice)
  if (n % 10 === 1 && n % 100 !== 11) return 1
  if (n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20)) return 2
  return 3
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'en',
  messages: withImports(withCrm(withReports(withWorkforce(withSurveys(withPrivacy(withSla(withShift(withSearch(withQueues(withMail(withKb(withHealth(withCard(withSecurity(withSettingsChannels(withAttachments(withSettingsScripts(withConversationTools({ en, ru }))))))))))))))))))),
  pluralRules: { ru: russianPlural },
  missingWarn: import.meta.env.DEV,
  fallbackWarn: false,
})

export function applyLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  if (typeof document !== 'undefined') {
    document.documentElement.lang = locale
    document.title = i18n.global.t('app.title')
  }
}
