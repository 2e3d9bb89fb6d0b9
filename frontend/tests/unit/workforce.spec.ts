import { describe, expect, it } from 'vitest'
import { hours, percent } from '@/components/workforce/format'
import en from '@/i18n/workforce.en'
import ru from '@/i18n/workforce.ru'
import { withWorkforce } from '@/i18n/workforce'

function keys(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    typeof inner === 'object' && inner !== null ? keys(inner as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  )
}

describe('workforce', () => {
  it('formats durations and shares', () => {
    expect(hours(0)).toBe('0:00')
    expect(hours(5 * 3600 + 7 * 60 + 20)).toBe('5:07')
    expect(percent(0.8361)).toBe('84 %')
    expect(percent(null)).toBe('—')
  })

  it('has the same strings in Russian and English, and merges presence and nav', () => {
    expect(keys(ru)).toEqual(keys(en))
    const merged = withWorkforce({ en: { presence: { online: 'Online' }, nav: {} }, ru: { presence: {}, nav: {} } })
    expect(merged.en).toMatchObject({ presence: { online: 'Online', break: 'On a break' }, nav: { workforce: 'Workforce' } })
    expect(merged.ru).toMatchObject({ presence: { break: 'Перерыв' }, nav: { workforce: 'Смены' } })
  })
})
