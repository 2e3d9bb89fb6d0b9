import { ref } from 'vue'
import { defineStore } from 'pinia'

/** Cross-component requests made by keyboard shortcuts and notifications. */
export const useUiStore = defineStore('ui', () => {
  const shortcutSheet = ref(false)
  /** bumps every time the reply box should take focus; `prefill` is typed into it */
  const focusReply = ref({ tick: 0, prefill: '' })
  const toggleNote = ref(0)
  const openRequest = ref<number | null>(null)

  function requestReplyFocus(prefill = ''): void {
    focusReply.value = { tick: focusReply.value.tick + 1, prefill }
  }

  function requestNoteToggle(): void {
    toggleNote.value += 1
  }

  function requestOpen(conversationId: number): void {
    openRequest.value = conversationId
  }

  return { shortcutSheet, focusReply, toggleNote, openRequest, requestReplyFocus, requestNoteToggle, requestOpen }
})
