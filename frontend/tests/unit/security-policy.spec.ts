import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import TwoFactorPolicy from '@/components/settings/security/TwoFactorPolicy.vue'
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

describe('TwoFactorPolicy', () => {
  it('shows the roles the server enforces and saves the chosen ones', async () => {
    const { calls } = mockFetch({
      'GET /security-settings': () => ({ require_2fa_roles: ['admin'], require_2fa_roles_source: 'environment' }),
      'PUT /security-settings': (_url, init) => ({
        ...(JSON.parse(String(init.body)) as object),
        require_2fa_roles_source: 'workspace',
      }),
    })
    const w = mount(TwoFactorPolicy, opts())
    await flushPromises()
    const box = (role: string) => w.get(`[data-testid="two-factor-policy-${role}"]`).element as HTMLInputElement
    expect([box('admin').checked, box('supervisor').checked, box('agent').checked]).toEqual([true, false, false])
    expect(w.get('[data-testid="two-factor-policy-source"]').text()).toContain('OTKLIK_REQUIRE_2FA_ROLES')

    await w.get('[data-testid="two-factor-policy-agent"]').setValue(true)
    await w.get('[data-testid="two-factor-policy-supervisor"]').setValue(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.body).toEqual({ require_2fa_roles: ['admin', 'supervisor', 'agent'] })
    expect(w.get('[data-testid="two-factor-policy-saved"]').text()).toBe('Saved.')
    expect(w.get('[data-testid="two-factor-policy-source"]').text()).toBe('Saved in the workspace settings.')
    w.unmount()
  })

  it('explains why an admin without 2FA cannot require it of admins (ru)', async () => {
    i18n.global.locale.value = 'ru'
    mockFetch({
      'GET /security-settings': () => ({ require_2fa_roles: [], require_2fa_roles_source: 'workspace' }),
      'PUT /security-settings': () => jsonResponse(409, { error: { code: 'two_factor_first', message: 'Turn it on first.' } }),
    })
    const w = mount(TwoFactorPolicy, opts())
    await flushPromises()
    expect(w.text()).toContain('Двухфакторный вход для команды')
    await w.get('[data-testid="two-factor-policy-admin"]').setValue(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="two-factor-policy-error"]').text()).toBe(
      'Сначала включите двухфакторный вход себе, затем требуйте его для своей роли.',
    )
    expect((w.get('[data-testid="two-factor-policy-admin"]').element as HTMLInputElement).checked).toBe(true)
    w.unmount()
  })
})
