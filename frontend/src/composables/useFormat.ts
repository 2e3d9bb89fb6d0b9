import { useI18n } from 'vue-i18n'
import * as f from '@/utils/format'

/** Date helpers bound to the current UI locale (the time zone is the browser's). */
export function useFormat() {
  const { locale, t } = useI18n()
  return {
    time: (v: string | Date) => f.formatTime(v, locale.value),
    dateTime: (v: string | Date) => f.formatDateTime(v, locale.value),
    listTime: (v: string | Date, now: Date) => f.formatListTime(v, locale.value, now),
    duration: (ms: number) => f.formatDuration(ms, locale.value),
    size: (bytes: number) => {
      const { value, unit } = f.formatSize(bytes, locale.value)
      return t(`files.size.${unit}`, { n: value })
    },
    day: (v: string | Date, now: Date) => {
      const rel = f.relativeDay(v, now)
      if (rel === 'today') return t('time.today')
      if (rel === 'yesterday') return t('time.yesterday')
      return f.formatDay(v, locale.value)
    },
  }
}
