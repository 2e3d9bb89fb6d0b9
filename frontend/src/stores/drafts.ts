import { ref } from 'vue'
import { defineStore } from 'pinia'
import { loadJson, saveJson } from '@/utils/storage'

export type ReplyMode = 'reply' | 'note'

export interface Draft {
  text: string
  mode: ReplyMode
}

const keyFor = (agentId: number) => `otklik.drafts.${agentId}`
const EMPTY: Draft = { text: '', mode: 'reply' }

/** Unsent text and reply/note mode per conversation, kept across switches and reloads. */
export const useDraftsStore = defineStore('drafts', () => {
  const drafts = ref<Record<string, Draft>>({})
  const agentId = ref<number | null>(null)

  function load(id: number): void {
    agentId.value = id
    const stored = loadJson<Record<string, Draft>>(keyFor(id), {})
    drafts.value = stored && typeof stored === 'object' ? stored : {}
  }

  function persist(): void {
    if (agentId.value !== null) saveJson(keyFor(agentId.value), drafts.value)
  }

  function get(conversationId: number): Draft {
    return drafts.value[String(conversationId)] ?? EMPTY
  }

  function write(conversationId: number, patch: Partial<Draft>): void {
    const next = { ...get(conversationId), ...patch }
    if (!next.text && next.mode === 'reply') delete drafts.value[String(conversationId)]
    else drafts.value[String(conversationId)] = next
    persist()
  }

  function setText(conversationId: number, text: string): void {
    write(conversationId, { text })
  }

  function setMode(conversationId: number, mode: ReplyMode): void {
    write(conversationId, { mode })
  }

  /** After a send: the text goes, the mode stays. */
  function clearText(conversationId: number): void {
    write(conversationId, { text: '' })
  }

  function reset(): void {
    drafts.value = {}
    agentId.value = null
  }

  return { drafts, load, get, setText, setMode, clearText, reset }
})
