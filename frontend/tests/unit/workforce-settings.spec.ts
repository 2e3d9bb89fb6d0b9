import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import WorkforceSettingsPanel from '@/components/workforce/WorkforceSettingsPanel.vue'
import { i18n } from '@/i18n'
import { jsonResponse, mockFetch } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

function opts() {
  return { global: { plugins: [pinia, i18n] }, attachTo: document.body }
}

const OFF = { schedule_status: false, shift_end_grace_minutes: 15, shift_end_limit_minutes: 60 }

describe('WorkforceSettingsPanel', () => {
  it('shows the saved settings and saves statuses by schedule with their minutes', async () => {
    const { calls } = mockFetch({
      'GET /workforce/settings': () => OFF,
      'PUT /workforce/settings': (_url, init) => JSON.parse(String(init.body)) as object,
    })
    const w = mount(WorkforceSettingsPanel, opts())
    await flushPromises()
    const grace = w.get('[data-testid="workforce-grace"]').element as HTMLInputElement
    expect((w.get('[data-testid="workforce-schedule-status"]').element as HTMLInputElement).checked).toBe(false)
    expect(grace.disabled).toBe(true)
    await w.get('[data-testid="workforce-schedule-status"]').setValue(true)
    expect(grace.disabled).toBe(false)
    await w.get('[data-testid="workforce-grace"]').setValue('10')
    await w.get('[data-testid="workforce-limit"]').setValue('90')
    await w.get('form').trigger('submit')
    await flushPromises()
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.body).toEqual({ schedule_status: true, shift_end_grace_minutes: 10, shift_end_limit_minutes: 90 })
    expect(w.get('[data-testid="workforce-settings-saved"]').text()).toBe('Saved.')
    w.unmount()
  })

  it('says why the server refused (ru)', async () => {
    i18n.global.locale.value = 'ru'
    mockFetch({
      'GET /workforce/settings': () => ({ ...OFF, schedule_status: true }),
      'PUT /workforce/settings': () =>
        jsonResponse(422, { error: { code: 'invalid', message: 'shift_end_limit_minutes must not be below shift_end_grace_minutes' } }),
    })
    const w = mount(WorkforceSettingsPanel, opts())
    await flushPromises()
    expect(w.text()).toContain('Статусы следуют графику смен')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="workforce-settings-error"]').text()).toContain('shift_end_limit_minutes')
    expect(w.find('[data-testid="workforce-settings-saved"]').exists()).toBe(false)
    w.unmount()
  })
})
