import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { isNetworkError, errorMessage } from '@/api/http'

/**
 * Busy flag and the error of one form: the server's message (a 422 names the field) is shown
 * next to the form, and the form keeps what was typed because nothing is reset on failure.
 */
export function useSubmit() {
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
      error.value = isNetworkError(err) ? t('setup.networkError') : errorMessage(err)
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run }
}
