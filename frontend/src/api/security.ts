// One's own sign-in security (password, sessions, two-factor) and the admins' API tokens.
import { request } from './http'
import type { Agent, Items, LoginResult } from './types'

export interface TwoFactorChallenge {
  two_factor_required: true
  challenge: string
}

export type LoginAnswer = LoginResult | TwoFactorChallenge

export function needsSecondStep(answer: LoginAnswer): answer is TwoFactorChallenge {
  return 'two_factor_required' in answer && answer.two_factor_required === true
}

export interface SessionInfo {
  id: number
  created_at: string
  last_seen_at: string
  expires_at: string
  ip: string | null
  user_agent: string | null
  current: boolean
}

export interface TwoFactorStatus {
  enabled: boolean
  enabled_at: string | null
  recovery_codes_left: number
  required: boolean
}

export interface TwoFactorSetup {
  secret: string
  otpauth_uri: string
}

export type TokenScope = 'read' | 'write' | 'admin'

export interface ApiToken {
  id: number
  name: string
  prefix: string
  scope: TokenScope
  agent_id: number
  created_at: string
  expires_at: string | null
  last_used_at: string | null
  revoked_at: string | null
}

export interface NewApiToken {
  name: string
  scope: TokenScope
  expires_in_days: number | null
}

/** The QR code of the secret being enrolled: an image served by us (no inline markup). */
export const TWO_FACTOR_QR_URL = '/api/v1/auth/2fa/qr.svg'

export const signIn = {
  login: (email: string, password: string) =>
    request<LoginAnswer>('POST', '/auth/login', { body: { email, password }, quiet401: true }),
  secondStep: (challenge: string, code: string) =>
    request<LoginResult>('POST', '/auth/login/2fa', { body: { challenge, code }, quiet401: true }),
}

export const security = {
  changePassword: (current_password: string, new_password: string) =>
    request<void>('POST', '/auth/password', { body: { current_password, new_password } }),
  sessions: () => request<Items<SessionInfo>>('GET', '/auth/sessions'),
  revokeSession: (id: number) => request<void>('DELETE', `/auth/sessions/${id}`),
  revokeOthers: () => request<Items<SessionInfo>>('POST', '/auth/sessions/revoke-others'),
  twoFactor: () => request<TwoFactorStatus>('GET', '/auth/2fa'),
  beginSetup: () => request<TwoFactorSetup>('POST', '/auth/2fa/setup'),
  enable: (code: string) => request<{ recovery_codes: string[] }>('POST', '/auth/2fa/enable', { body: { code } }),
  newRecoveryCodes: (password: string) =>
    request<{ recovery_codes: string[] }>('POST', '/auth/2fa/recovery-codes', { body: { password } }),
  disable: (password: string) => request<void>('POST', '/auth/2fa/disable', { body: { password } }),
}

export type Role = 'admin' | 'supervisor' | 'agent'

/** The workspace's security settings (admins). */
export interface SecuritySettings {
  require_2fa_roles: Role[]
  /** `environment`: OTKLIK_REQUIRE_2FA_ROLES decides until an admin saves the setting. */
  require_2fa_roles_source: 'workspace' | 'environment'
}

export const workspaceSecurity = {
  get: () => request<SecuritySettings>('GET', '/security-settings'),
  save: (roles: Role[]) => request<SecuritySettings>('PUT', '/security-settings', { body: { require_2fa_roles: roles } }),
}

export const agentSecurity = {
  resetTwoFactor: (agentId: number) => request<Agent>('DELETE', `/agents/${agentId}/2fa`),
  signOut: (agentId: number) => request<void>('POST', `/agents/${agentId}/sign-out`),
}

export const apiTokens = {
  list: () => request<Items<ApiToken>>('GET', '/api-tokens'),
  create: (body: NewApiToken) => request<ApiToken & { token: string }>('POST', '/api-tokens', { body }),
  revoke: (id: number) => request<ApiToken>('DELETE', `/api-tokens/${id}`),
}
