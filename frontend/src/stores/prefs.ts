import { ref, watch } from 'vue'
import { defineStore } from 'pinia'
import { loadJson, saveJson } from '@/utils/storage'
import type { ConversationStatus, ConversationView } from '@/api/types'

export type Locale = 'ru' | 'en'
export const LOCALES: Locale[] = ['ru', 'en']
const KEY = 'otklik.prefs.v1'

interface Prefs {
  locale: Locale
  sound: boolean
  view: ConversationView
  status: ConversationStatus
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

  watch([locale, sound, view, status], () => {
    saveJson(KEY, { locale: locale.value, sound: sound.value, view: view.value, status: status.value })
  })

  return { locale, sound, view, status }
})
