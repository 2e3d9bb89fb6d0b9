import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { isNetworkError, errorMessage } from '@/api/http'
import { useToastStore } from '@/stores/toasts'

/**
 * Busy flag and the error of one form or dialog: the server's message (a 422 names the field)
 * is shown next to it, and it keeps what was typed because nothing is reset on failure.
 * `describe` words the errors a form knows better (a taken e-mail, a wrong password); it
 * answers null for the others.
 */
export function useSubmit(describe?: (err: unknown) => string | null) {
  const { t } = useI18n()
  const busy = ref(false)
  const error = ref<string | null>(null)

  /** Run `work`; true when it succeeded, false when its error is now shown. */
  async function run(work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      await work()
      return true
    } catch (err) {
      error.value = describe?.(err) ?? (isNetworkError(err) ? t('setup.networkError') : errorMessage(err))
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run }
}

/**
 * The same for an action without a form of its own (a button in a row): a failure is told
 * in a toast, «Не удалось: …», and the row stays as it was.
 */
export function useToastedAction() {
  const { t } = useI18n()
  const toasts = useToastStore()
  const { busy, error, run: attempt } = useSubmit()

  async function run(work: () => Promise<unknown>): Promise<boolean> {
    const ok = await attempt(work)
    if (!ok && error.value) toasts.push(t('errors.action', { message: error.value }), 'error')
    return ok
  }

  return { busy, run }
}
