import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import type { SessionInfo, TwoFactorStatus } from '@/api/security'
import PasswordChange from '@/components/settings/security/PasswordChange.vue'
import SessionList from '@/components/settings/security/SessionList.vue'
import TwoFactorSettings from '@/components/settings/security/TwoFactorSettings.vue'
import ApiTokensSettings from '@/components/settings/tokens/ApiTokensSettings.vue'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import LoginView from '@/views/LoginView.vue'
import { jsonResponse, mockFetch } from './helpers'

let pinia: Pinia

function opts() {
  return { global: { plugins: [pinia, i18n], stubs: { RouterLink: RouterLinkStub } } }
}

const AGENT = {
  id: 7,
  email: 'olga@example.com',
  name: 'Olga',
  role: 'agent' as const,
  languages: ['ru'],
  status: 'online' as const,
  active: true,
  team_ids: [],
}

function session(id: number, current: boolean, ua: string | null): SessionInfo {
  const at = '2026-12-04T09:00:00Z'
  return { id, created_at: at, last_seen_at: at, expires_at: at, ip: '10.0.0.5', user_agent: ua, current }
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

describe('LoginView', () => {
  async function mountLogin() {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/login', component: LoginView },
        { path: '/', component: { template: '<div />' } },
      ],
    })
    await router.push('/login')
    const w = mount(LoginView as Component, { global: { plugins: [pinia, i18n, router] } })
    return { w, router }
  }

  it('asks for a code as a second step when the account uses 2FA, then signs in', async () => {
    const { calls } = mockFetch({
      'POST /auth/login': () => ({ two_factor_required: true, challenge: 'chal-1' }),
      'POST /auth/login/2fa': (_url, init) => {
        const body = JSON.parse(String(init?.body))
        if (body.code !== '123456') return jsonResponse(401, { error: { code: 'invalid_code', message: 'x' } })
        return { token: 't', csrf_token: 'c', agent: AGENT }
      },
    })
    const { w, router } = await mountLogin()
    await w.get('[data-testid="login-email"]').setValue('olga@example.com')
    await w.get('[data-testid="login-password"]').setValue('a-long-password')
    await w.get('[data-testid="login-form"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="login-form"]').exists()).toBe(false)
    expect(w.text()).toContain('authenticator app')

    await w.get('[data-testid="login-code"]').setValue('000000')
    await w.get('[data-testid="login-code-form"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="login-error"]').text()).toBe('That code is not right, or it was used already.')

    await w.get('[data-testid="login-code"]').setValue('123456')
    await w.get('[data-testid="login-code-form"]').trigger('submit')
    await flushPromises()
    expect(useSessionStore().me?.email).toBe('olga@example.com')
    expect(router.currentRoute.value.path).toBe('/')
    expect(calls.filter((c) => c.path === '/auth/login/2fa').map((c) => c.body)).toEqual([
      { challenge: 'chal-1', code: '000000' },
      { challenge: 'chal-1', code: '123456' },
    ])
  })

  it('goes back to the password when the challenge expired', async () => {
    mockFetch({
      'POST /auth/login': () => ({ two_factor_required: true, challenge: 'old' }),
      'POST /auth/login/2fa': () => jsonResponse(401, { error: { code: 'challenge_expired', message: 'x' } }),
    })
    const { w } = await mountLogin()
    await w.get('[data-testid="login-email"]').setValue('olga@example.com')
    await w.get('[data-testid="login-password"]').setValue('a-long-password')
    await w.get('[data-testid="login-form"]').trigger('submit')
    await flushPromises()
    await w.get('[data-testid="login-code"]').setValue('123456')
    await w.get('[data-testid="login-code-form"]').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="login-form"]').exists()).toBe(true)
    expect(w.get('[data-testid="login-error"]').text()).toContain('took too long')
  })
})

describe('PasswordChange', () => {
  it('checks the repeat, shows the server’s reasons in the UI language, clears on success', async () => {
    i18n.global.locale.value = 'ru'
    let answer: Response | undefined = jsonResponse(403, { error: { code: 'invalid_credentials', message: 'x' } })
    const { calls } = mockFetch({ 'POST /auth/password': () => answer ?? new Response(null, { status: 204 }) })
    const w = mount(PasswordChange as Component, opts())
    await w.get('[data-testid="password-current"]').setValue('old-password')
    await w.get('[data-testid="password-new"]').setValue('brand-new-secret')
    await w.get('[data-testid="password-repeat"]').setValue('brand-new-secreT')
    await w.get('form').trigger('submit')
    expect(w.get('[data-testid="password-error"]').text()).toBe('Новые пароли не совпадают.')
    expect(calls).toHaveLength(0)

    await w.get('[data-testid="password-repeat"]').setValue('brand-new-secret')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="password-error"]').text()).toBe('Текущий пароль неверный.')

    answer = jsonResponse(422, { error: { code: 'weak_password', message: 'x' } })
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="password-error"]').text()).toContain('не короче 12 символов')

    answer = undefined
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.find('[data-testid="password-error"]').exists()).toBe(false)
    expect(w.get('[data-testid="password-changed"]').text()).toContain('Остальные ваши сеансы завершены')
    expect((w.get('[data-testid="password-current"]').element as HTMLInputElement).value).toBe('')
    expect(calls.at(-1)?.body).toEqual({ current_password: 'old-password', new_password: 'brand-new-secret' })
    expect(w.emitted('changed')).toHaveLength(1)
  })
})

describe('SessionList', () => {
  it('lists my sessions, ends one after a confirmation, and signs out everywhere else', async () => {
    let items = [session(1, true, 'Firefox on Linux'), session(2, false, 'Safari on iPhone'), session(3, false, null)]
    const { calls } = mockFetch({
      'GET /auth/sessions': () => ({ items }),
      'DELETE /auth/sessions/*': (url) => {
        const id = Number(url.pathname.split('/').pop())
        items = items.filter((s) => s.id !== id)
        return new Response(null, { status: 204 })
      },
      'POST /auth/sessions/revoke-others': () => {
        items = items.filter((s) => s.current)
        return { items }
      },
    })
    const w = mount(SessionList as Component, opts())
    await flushPromises()
    const rows = w.findAll('[data-testid="session-row"]')
    expect(rows.map((r) => r.text())).toEqual([
      expect.stringContaining('Firefox on Linux'),
      expect.stringContaining('Safari on iPhone'),
      expect.stringContaining('Unknown device'),
    ])
    expect(rows[0]!.text()).toContain('This session')
    expect(rows[0]!.find('[data-testid="session-revoke"]').exists()).toBe(false)

    await rows[1]!.get('[data-testid="session-revoke"]').trigger('click')
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false) // asks first
    await rows[1]!.get('[data-testid="session-revoke-confirm"]').trigger('click')
    await flushPromises()
    expect(calls.find((c) => c.method === 'DELETE')?.path).toBe('/auth/sessions/2')
    expect(w.findAll('[data-testid="session-row"]')).toHaveLength(2)

    await w.get('[data-testid="sessions-revoke-others"]').trigger('click')
    await w.get('[data-testid="sessions-revoke-others-confirm"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="session-row"]')).toHaveLength(1)
    expect(w.find('[data-testid="sessions-revoke-others"]').exists()).toBe(false)
  })
})

describe('TwoFactorSettings', () => {
  it('enrols: QR code from our server, a confirmation code, recovery codes shown once', async () => {
    let status: TwoFactorStatus = { enabled: false, enabled_at: null, recovery_codes_left: 0, required: false }
    const codes = Array.from({ length: 10 }, (_, i) => `abcd-efgh-jk${i}m`)
    const { calls } = mockFetch({
      'GET /auth/2fa': () => status,
      'POST /auth/2fa/setup': () => ({ secret: 'JBSWY3DPEHPK3PXP', otpauth_uri: 'otpauth://totp/x' }),
      'POST /auth/2fa/enable': (_url, init) => {
        if (JSON.parse(String(init?.body)).code !== '654321') {
          return jsonResponse(422, { error: { code: 'invalid_code', message: 'x' } })
        }
        status = { enabled: true, enabled_at: '2026-12-04T09:00:00Z', recovery_codes_left: 10, required: false }
        return { recovery_codes: codes }
      },
    })
    const w = mount(TwoFactorSettings as Component, opts())
    await flushPromises()
    expect(w.get('[data-testid="two-factor-state"]').text()).toContain('Off')
    await w.get('[data-testid="two-factor-start"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="two-factor-qr"]').attributes('src')).toMatch(/^\/api\/v1\/auth\/2fa\/qr\.svg/)
    expect(w.get('[data-testid="two-factor-secret"]').text()).toBe('JBSWY3DPEHPK3PXP')

    await w.get('[data-testid="two-factor-code"]').setValue('111111')
    await w.get('[data-testid="two-factor-confirm"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="two-factor-error"]').text()).toContain('phone’s clock')

    await w.get('[data-testid="two-factor-code"]').setValue('654321')
    await w.get('[data-testid="two-factor-confirm"]').trigger('submit')
    await flushPromises()
    expect(w.findAll('[data-testid="recovery-code"]').map((c) => c.text())).toEqual(codes)
    expect(w.get('[data-testid="two-factor-state"]').text()).toContain('10 recovery codes left')
    expect(w.emitted('changed')).toHaveLength(1)

    await w.get('[data-testid="recovery-done"]').trigger('click')
    expect(w.find('[data-testid="recovery-codes"]').exists()).toBe(false) // never shown again
    expect(w.find('[data-testid="two-factor-disable"]').exists()).toBe(true)
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /auth/2fa/enable')
  })

  it('turning off asks for the password, and is not offered when the role requires 2FA', async () => {
    let status: TwoFactorStatus = { enabled: true, enabled_at: '2026-12-04T09:00:00Z', recovery_codes_left: 1, required: false }
    mockFetch({
      'GET /auth/2fa': () => status,
      'POST /auth/2fa/disable': (_url, init) => {
        if (JSON.parse(String(init?.body)).password !== 'right-password') {
          return jsonResponse(403, { error: { code: 'invalid_credentials', message: 'x' } })
        }
        status = { enabled: false, enabled_at: null, recovery_codes_left: 0, required: false }
        return new Response(null, { status: 204 })
      },
    })
    const w = mount(TwoFactorSettings as Component, opts())
    await flushPromises()
    expect(w.get('[data-testid="two-factor-state"]').text()).toContain('One recovery code left')
    expect(w.get('[data-testid="two-factor-disable"]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid="two-factor-password"]').setValue('wrong')
    await w.get('[data-testid="two-factor-disable"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="two-factor-error"]').text()).toBe('The password is wrong.')
    await w.get('[data-testid="two-factor-password"]').setValue('right-password')
    await w.get('[data-testid="two-factor-disable"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="two-factor-state"]').text()).toContain('Off')

    status = { enabled: true, enabled_at: '2026-12-04T09:00:00Z', recovery_codes_left: 3, required: true }
    const required = mount(TwoFactorSettings as Component, opts())
    await flushPromises()
    expect(required.find('[data-testid="two-factor-disable"]').exists()).toBe(false)
    expect(required.text()).toContain('Required for your role')
  })
})

describe('ApiTokensSettings', () => {
  it('creates a token shown once, lists tokens without it, revokes after a confirmation', async () => {
    vi.stubGlobal('navigator', { clipboard: { writeText: vi.fn() } })
    const row = {
      id: 1,
      name: 'CRM',
      prefix: 'otk_abcdef',
      scope: 'write' as const,
      agent_id: 1,
      created_at: '2026-12-04T09:00:00Z',
      expires_at: null,
      last_used_at: null,
      revoked_at: null as string | null,
    }
    let items: (typeof row)[] = []
    const { calls } = mockFetch({
      'GET /api-tokens': () => ({ items }),
      'POST /api-tokens': () => {
        items = [row]
        return { ...row, token: 'otk_abcdefSECRET' }
      },
      'DELETE /api-tokens/*': () => {
        items = [{ ...row, revoked_at: '2026-12-04T10:00:00Z' }]
        return items[0]
      },
    })
    const w = mount(ApiTokensSettings as Component, opts())
    await flushPromises()
    expect(w.text()).toContain('No API tokens yet.')
    await w.get('[data-testid="token-name"]').setValue('CRM')
    await w.get('[data-testid="token-scope"]').setValue('write')
    await w.get('[data-testid="token-expiry"]').setValue('0')
    await w.get('[data-testid="token-create-form"]').trigger('submit')
    await flushPromises()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'CRM', scope: 'write', expires_in_days: null })
    expect(w.get('[data-testid="token-value"]').text()).toBe('otk_abcdefSECRET')
    const listed = w.get('[data-testid="token-row"]').text()
    expect(listed).toContain('Read and write')
    expect(listed).toContain('Does not expire')
    expect(listed).toContain('Never')
    expect(listed).not.toContain('SECRET')
    await w.get('[data-testid="token-done"]').trigger('click')
    expect(w.find('[data-testid="token-value"]').exists()).toBe(false)

    await w.get('[data-testid="token-revoke"]').trigger('click')
    await w.get('[data-testid="token-revoke-confirm"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="token-row"]').text()).toContain('Revoked')
    vi.unstubAllGlobals()
  })
})
