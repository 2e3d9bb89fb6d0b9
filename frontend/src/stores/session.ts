import { computed, ref } from 'vue'
import { defineStore } from 'pinia'
import { auth } from '@/api/client'
import { setCsrfFallback } from '@/api/http'
import { needsSecondStep, signIn } from '@/api/security'
import type { Agent, LoginResult } from '@/api/types'
import { changesDuringLoad } from './duringLoad'

/** Who is signed in. The server keeps the session in cookies; GET /auth/me restores it. */
export const useSessionStore = defineStore('session', () => {
  const me = ref<Agent | null>(null)
  const checked = ref(false)
  let checking: Promise<void> | null = null

  const isAdmin = computed(() => me.value?.role === 'admin')
  /** Supervisors and admins: they see the reports. */
  const isLead = computed(() => me.value?.role === 'admin' || me.value?.role === 'supervisor')
  const myId = computed(() => me.value?.id ?? null)
  /** The workspace's time zone: shifts, schedules and timesheet days are planned in it. */
  const workspaceZone = computed(() => me.value?.workspace_timezone ?? 'UTC')

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

  /** The second sign-in step's challenge while a code is due (2FA), else null. */
  const challenge = ref<string | null>(null)

  /** The first step: signed in (true), or a code is due next (false; see `challenge`). */
  async function login(email: string, password: string): Promise<boolean> {
    const answer = await signIn.login(email, password)
    if (needsSecondStep(answer)) {
      challenge.value = answer.challenge
      return false
    }
    await signedIn(answer)
    return true
  }

  /** The second step: a code from the authenticator app or a recovery code. */
  async function confirmCode(code: string): Promise<void> {
    if (!challenge.value) throw new Error('no sign-in in progress')
    await signedIn(await signIn.secondStep(challenge.value, code))
  }

  function cancelSecondStep(): void {
    challenge.value = null
  }

  /** Signed in. The answer describes the agent; /auth/me also says whether their role must
   * turn 2FA on first (then the router opens the security page and the workspace does not
   * start: the server refuses its requests and socket until then), so `me` is set once,
   * from it. */
  async function signedIn(result: LoginResult): Promise<void> {
    setCsrfFallback(result.csrf_token)
    challenge.value = null
    let agent: Agent = result.agent
    try {
      agent = await auth.me()
    } catch {
      // keep the sign-in's answer: the workspace's own requests will tell
    }
    me.value = agent
    checked.value = true
  }

  /** Read /auth/me again (after turning 2FA on or off). */
  /** A change to this operator that a frame brings (a status, a name) while `auth.me()` is
   * under way is put again on top of its answer, which may predate it (`duringLoad.ts`). */
  const changes = changesDuringLoad()

  async function refresh(): Promise<void> {
    await changes.during(async (replay) => {
      me.value = await auth.me()
      replay()
    })
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
  function updateMe(agent: Pick<Agent, 'id'> & Partial<Agent>): void {
    changes.noted(() => {
      if (me.value && agent.id === me.value.id) me.value = { ...me.value, ...agent }
    })
  }

  return {
    me,
    checked,
    challenge,
    isAdmin,
    isLead,
    myId,
    workspaceZone,
    ensureChecked,
    login,
    confirmCode,
    cancelSecondStep,
    refresh,
    logout,
    clear,
    updateMe,
  }
})
