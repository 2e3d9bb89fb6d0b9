import { ref } from 'vue'
import { defineStore } from 'pinia'
import type { Conversation, Message } from '@/api/types'
import { i18n } from '@/i18n'
import { beep } from '@/utils/sound'
import { usePrefsStore } from './prefs'
import { useUiStore } from './ui'

/** At most one beep per this many ms (a replay after a reconnect may bring many messages). */
const BEEP_GAP_MS = 1500

export type PermissionState = NotificationPermission | 'unsupported'

function currentPermission(): PermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** Sound and desktop notifications for customer messages the operator is not looking at. */
export const useNotificationsStore = defineStore('notifications', () => {
  const permission = ref<PermissionState>(currentPermission())
  let lastBeep = 0

  /** Must run from a click: browsers ask for permission only after a user gesture. */
  async function requestPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return
    try {
      permission.value = await Notification.requestPermission()
    } catch {
      permission.value = currentPermission()
    }
  }

  function notify(conv: Conversation, msg: Message, title: string): void {
    alert(conv.id, msg.text, title, `otklik-conversation-${conv.id}`)
  }

  /** A beep and a desktop notification that opens the conversation when clicked. */
  function alert(conversationId: number, text: string, title: string, tag: string): void {
    const prefs = usePrefsStore()
    const now = Date.now()
    if (prefs.sound && now - lastBeep > BEEP_GAP_MS) {
      lastBeep = now
      beep()
    }
    if (permission.value !== 'granted' || typeof Notification === 'undefined') return
    try {
      const body = text.trim() ? text.slice(0, 160) : i18n.global.t('files.onlyFiles')
      const n = new Notification(title, { body, tag })
      n.onclick = () => {
        window.focus()
        useUiStore().requestOpen(conversationId)
        n.close()
      }
    } catch {
      // some browsers allow notifications only from a service worker
    }
  }

  return { permission, requestPermission, notify, alert }
})
