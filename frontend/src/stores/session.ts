import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { auth } from '@/api/client'
import { setCsrfFallback } from '@/api/http'
import type { Agent } from '@/api/types'

/** Who is signed in. The server keeps the session in cookies; GET /auth/me restores it. */
export const useSessionStore = defineStore('session', () => {
  const me = ref<Agent | null>(null)
  const checked = ref(false)
  let checking: Promise<void> | null = null

  const isAdmin = computed(() => me.value?.role === 'admin')
  const myId = computed(() => me.value?.id ?? null)

  async function ensureChecked(): Promise<void> {
    if (checked.value) return
    checking ??= (async () => {
      try {
        me.value = await auth.me()
      } catch {
        me.value = null
      } finally {
        checked.value = true
        checking = null
      }
    })()
    await checking
  }

  async function login(email: string, password: string): Promise<Agent> {
    const result = await auth.login(email, password)
    setCsrfFallback(result.csrf_token)
    me.value = result.agent
    checked.value = true
    return result.agent
  }

  async function logout(): Promise<void> {
    try {
      await auth.logout()
    } catch {
      // the session is dropped locally either way
    }
    clear()
  }

  function clear(): void {
    me.value = null
    setCsrfFallback(null)
  }

  /** Apply an agent.updated event or a status change when it concerns us. */
  function updateMe(agent: Agent): void {
    if (me.value && agent.id === me.value.id) me.value = agent
  }

  return { me, checked, isAdmin, myId, ensureChecked, login, logout, clear, updateMe }
})
