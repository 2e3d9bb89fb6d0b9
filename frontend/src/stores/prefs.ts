import { ref, watch } from 'vue'
import { defineStore } from 'pinia'
import { loadJson, saveJson } from '@/utils/storage'
import type { ConversationSort, ConversationStatus, ConversationView } from '@/api/types'

export type Locale = 'ru' | 'en'
export const LOCALES: Locale[] = ['ru', 'en']
const KEY = 'otklik.prefs.v1'

interface Prefs {
  locale: Locale
  sound: boolean
  view: ConversationView
  status: ConversationStatus
  /** The team whose queue `view: 'team'` shows. */
  teamId: number | null
  sort: ConversationSort
}

export function browserLocale(): Locale {
  const lang = (typeof navigator !== 'undefined' && navigator.language) || 'en'
  return lang.toLowerCase().startsWith('ru') ? 'ru' : 'en'
}

export function storedLocale(): Locale {
  const p = loadJson<Partial<Prefs>>(KEY, {})
  return p.locale && LOCALES.includes(p.locale) ? p.locale : browserLocale()
}

/** Per-browser preferences, persisted in localStorage. */
export const usePrefsStore = defineStore('prefs', () => {
  const saved = loadJson<Partial<Prefs>>(KEY, {})
  const locale = ref<Locale>(storedLocale())
  const sound = ref<boolean>(saved.sound ?? true)
  const view = ref<ConversationView>(saved.view ?? 'mine')
  const status = ref<ConversationStatus>(saved.status ?? 'open')
  const teamId = ref<number | null>(typeof saved.teamId === 'number' ? saved.teamId : null)
  const sort = ref<ConversationSort>(saved.sort ?? 'waiting')
  if (view.value === 'team' && teamId.value === null) view.value = 'mine'

  watch([locale, sound, view, status, teamId, sort], () => {
    saveJson(KEY, {
      locale: locale.value,
      sound: sound.value,
      view: view.value,
      status: status.value,
      teamId: teamId.value,
      sort: sort.value,
    })
  })

  return { locale, sound, view, status, teamId, sort }
})
