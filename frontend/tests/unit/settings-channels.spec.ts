import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import { MASK, type ChannelInbox, type ChannelName } from '@/api/channels'
import ApiConnection from '@/components/settings/channels/ApiConnection.vue'
import { channelLabel } from '@/components/settings/channels/channelLabel'
import { configPayload, draftFor, TELEGRAM_API_BASE, type ApiDraft, type EmailDraft } from '@/components/settings/channels/drafts'
import NewInboxForm from '@/components/settings/channels/NewInboxForm.vue'
import { putSecret } from '@/components/settings/channels/secrets'
import SecretInput from '@/components/settings/channels/SecretInput.vue'
import InboxForm from '@/components/settings/InboxForm.vue'
import { i18n } from '@/i18n'
import { jsonResponse, mockFetch, type FetchCall } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
})

function opts() {
  return { global: { plugins: [pinia, i18n] }, attachTo: document.body }
}

const EMAIL_CONFIG = {
  address: 'support@example.com',
  from_name: 'Support',
  imap_enabled: true,
  imap_host: 'imap.example.com',
  imap_port: 993,
  imap_ssl: true,
  imap_username: 'support@example.com',
  imap_password: MASK,
  imap_folder: 'INBOX',
  imap_since: '2026-11-01',
  poll_seconds: 60,
  smtp_host: 'smtp.example.com',
  smtp_port: 587,
  smtp_security: 'starttls' as const,
  smtp_username: 'support@example.com',
  smtp_password: MASK,
  ingress_enabled: false,
  ingress_host: '127.0.0.1',
  ingress_port: 2525,
  imap_state: { account: 'support@example.com@imap.example.com:993/INBOX', uidvalidity: 7, last_uid: 42, checked_on: '2026-11-20' },
}

function inbox(channel: ChannelName, config: Record<string, unknown> = {}, id = 5): ChannelInbox {
  return {
    id,
    name: `My ${channel}`,
    channel,
    public_key: 'pk',
    active: true,
    team_id: null,
    settings: {
      color: '#1f6feb',
      title: '',
      greeting: '',
      position: 'right',
      language: 'auto',
      prechat: { name: 'optional', email: 'optional' },
      assignment: 'manual',
      offline_behavior: 'keep',
      skill_fallback_minutes: 5,
      working_hours: null,
      greeting_message: '',
      frame_origins: [],
      away_message: '',
    },
    config,
  }
}

describe('channelLabel', () => {
  it('names known channels in the UI language and others by their plugin name', () => {
    const g = i18n.global
    g.locale.value = 'ru'
    expect(channelLabel(g, 'email')).toBe(g.t('setup.channels.kinds.email'))
    expect(channelLabel(g, 'email')).not.toContain('setup.')
    expect(channelLabel(g, 'vk')).toBe('vk')
    g.locale.value = 'en'
  })
})

describe('secrets', () => {
  it('an untouched secret is left out, the mask goes back as the mask, typed text as typed, null removes', () => {
    const body: Record<string, unknown> = {}
    putSecret(body, 'untouched', '')
    putSecret(body, 'blank', '   ')
    putSecret(body, 'masked', MASK)
    putSecret(body, 'typed', 'new-secret')
    putSecret(body, 'removed', null)
    expect(body).toEqual({ masked: MASK, typed: 'new-secret', removed: '' })
  })

  it('SecretInput shows that a secret is stored, replaces it when typed, removes and keeps it again', async () => {
    let value: string | null = ''
    const mountAny = mount as (c: Component, o: Record<string, unknown>) => VueWrapper
    const w: VueWrapper = mountAny(SecretInput, {
      props: {
        label: 'Password',
        testid: 'pw',
        isSet: true,
        clearable: true,
        modelValue: value,
        'onUpdate:modelValue': (v: string | null) => {
          value = v
          void w.setProps({ modelValue: v })
        },
      },
      ...opts(),
    })
    const input = w.get('[data-testid="pw-input"]')
    expect(input.attributes('type')).toBe('password')
    expect(input.attributes('placeholder')).toBe('••••••••')
    expect(input.attributes('required')).toBeUndefined()
    expect(w.get('[data-testid="pw-stored"]').text()).toContain('Leave blank to keep it.')
    await input.setValue('hunter2')
    expect(value).toBe('hunter2')
    await w.get('[data-testid="pw-remove"]').trigger('click')
    expect(value).toBeNull()
    expect(w.find('[data-testid="pw-input"]').exists()).toBe(false)
    expect(w.get('[data-testid="pw-removing"]').text()).toContain('Will be removed when you save.')
    await w.get('[data-testid="pw-undo"]').trigger('click')
    expect(value).toBe('')
    w.unmount()
  })

  it('SecretInput for a secret not stored yet: no dots, required when asked', () => {
    const w = mount(SecretInput, {
      props: { label: 'Token', testid: 'tok', isSet: false, required: true, modelValue: '' },
      ...opts(),
    })
    const input = w.get('[data-testid="tok-input"]')
    expect(input.attributes('placeholder')).toBe('')
    expect(input.attributes('required')).toBeDefined()
    expect(w.find('[data-testid="tok-stored"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('config payloads', () => {
  it('email: stored passwords stay out, imap_state is never sent, typed values are', () => {
    const draft = draftFor('email', EMAIL_CONFIG) as EmailDraft
    expect(draft.imap_password).toBe('')
    expect(draft.imap_since).toBe('2026-11-01')
    const unchanged = configPayload(draft)!
    expect(unchanged).not.toHaveProperty('imap_password')
    expect(unchanged).not.toHaveProperty('smtp_password')
    expect(unchanged).not.toHaveProperty('imap_state')
    expect(unchanged).toMatchObject({
      address: 'support@example.com',
      imap_host: 'imap.example.com',
      imap_port: 993,
      imap_since: '2026-11-01',
      smtp_security: 'starttls',
      ingress_enabled: false,
    })

    draft.smtp_password = 'fresh'
    draft.imap_since = ''
    draft.poll_seconds = ''
    draft.smtp_security = 'ssl'
    const changed = configPayload(draft)!
    expect(changed.smtp_password).toBe('fresh')
    expect(changed).not.toHaveProperty('imap_password')
    expect(changed.imap_since).toBeNull()
    expect(changed).not.toHaveProperty('poll_seconds')
    expect(changed.smtp_security).toBe('ssl')
  })

  it('email: a new inbox starts from the server defaults', () => {
    expect(configPayload(draftFor('email'))).toEqual({
      address: '',
      from_name: '',
      imap_enabled: true,
      imap_host: '',
      imap_port: 993,
      imap_ssl: true,
      imap_username: '',
      imap_folder: 'INBOX',
      imap_since: null,
      poll_seconds: 60,
      smtp_host: '',
      smtp_port: 587,
      smtp_security: 'starttls',
      smtp_username: '',
      ingress_enabled: false,
      ingress_host: '127.0.0.1',
      ingress_port: 2525,
    })
  })

  it('telegram: the token only when typed, the public URL only for webhook mode, the default API server', () => {
    const draft = draftFor('telegram', { bot_token: MASK, mode: 'polling', public_url: 'https://old.example', api_base: TELEGRAM_API_BASE })
    expect(configPayload(draft)).toEqual({ mode: 'polling', api_base: TELEGRAM_API_BASE })
    if (draft.kind !== 'telegram') throw new Error('telegram draft expected')
    draft.mode = 'webhook'
    draft.public_url = ' https://support.example.com '
    draft.api_base = ''
    draft.bot_token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    expect(configPayload(draft)).toEqual({
      mode: 'webhook',
      public_url: 'https://support.example.com',
      api_base: TELEGRAM_API_BASE,
      bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    })
  })

  it('api: the replies webhook only (the key is generated and kept by the server); widget: no config', () => {
    expect(configPayload(draftFor('api', { api_key: MASK, webhook_url: 'https://bridge.example/x', api_key_hash: 'h' }))).toEqual({
      webhook_url: 'https://bridge.example/x',
    })
    expect(configPayload(draftFor('widget'))).toBeUndefined()
  })
})

describe('InboxForm', () => {
  // The form also loads the inbox's members (InboxMembers, its own resource): look at the saves.
  const patches = (calls: FetchCall[]) => calls.filter((c) => c.method === 'PATCH')

  it('turns an inbox off and says what that means', async () => {
    const { calls } = mockFetch({
      'PATCH /inboxes/5': (_url, init) => ({ ...inbox('api', { api_key: MASK }), ...(JSON.parse(String(init.body)) as object) }),
    })
    const w = mount(InboxForm, { props: { inbox: inbox('api', { api_key: MASK }) }, ...opts() })
    expect(w.get('[data-testid="inbox-active-hint"]').text()).toContain('New messages come in')
    await w.get('[data-testid="inbox-active"]').setValue(false)
    expect(w.get('[data-testid="inbox-active-hint"]').text()).toContain('Turned off')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect((patches(calls)[0]!.body as { active: boolean }).active).toBe(false)
    w.unmount()
  })

  it('an email inbox: connection fields instead of the widget look; untouched passwords are not sent', async () => {
    const { calls } = mockFetch({
      'PATCH /inboxes/5': (_url, init) => {
        const body = JSON.parse(String(init.body)) as { config: Record<string, unknown> }
        return inbox('email', { ...EMAIL_CONFIG, ...body.config, smtp_password: MASK, imap_password: MASK })
      },
    })
    const w = mount(InboxForm, { props: { inbox: inbox('email', EMAIL_CONFIG) }, ...opts() })
    expect(w.find('[data-testid="inbox-color"]').exists()).toBe(false)
    expect(w.find('[data-testid="embed-snippet"]').exists()).toBe(false)
    expect(w.find('[data-testid="inbox-routing"]').exists()).toBe(true)
    expect(w.get('[data-testid="email-imap-state"]').text()).toContain('UID 42')
    expect(w.get('[data-testid="email-imap-state"]').text()).toContain('2026-11-20')
    expect((w.get('[data-testid="email-imap-since"]').element as HTMLInputElement).value).toBe('2026-11-01')
    expect(w.get('[data-testid="email-imap-password-input"]').attributes('placeholder')).toBe('••••••••')

    await w.get('[data-testid="email-from-name"]').setValue('Help desk')
    await w.get('form').trigger('submit')
    await flushPromises()
    const first = patches(calls)[0]!.body as { config: Record<string, unknown> }
    expect(first.config.from_name).toBe('Help desk')
    expect(first.config).not.toHaveProperty('imap_password')
    expect(first.config).not.toHaveProperty('smtp_password')
    expect(first.config).not.toHaveProperty('imap_state')
    expect(w.get('[data-testid="inbox-save-message"]').text()).toBe('Saved.')

    await w.get('[data-testid="email-smtp-password-input"]').setValue('new-smtp-pass')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect((patches(calls)[1]!.body as { config: Record<string, unknown> }).config.smtp_password).toBe('new-smtp-pass')
    w.unmount()
  })

  it('shows the server’s validation error next to the form and keeps what was typed', async () => {
    mockFetch({
      'PATCH /inboxes/5': () =>
        jsonResponse(422, { error: { code: 'validation_error', message: 'config: webhook mode needs public_url' } }),
    })
    const w = mount(InboxForm, {
      props: { inbox: inbox('telegram', { bot_token: MASK, mode: 'polling', api_base: TELEGRAM_API_BASE }) },
      ...opts(),
    })
    await w.get('[data-testid="telegram-mode"]').setValue('webhook')
    expect(w.find('[data-testid="telegram-public-url"]').exists()).toBe(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="inbox-save-message"]').text()).toContain('webhook mode needs public_url')
    expect((w.get('[data-testid="telegram-mode"]').element as HTMLSelectElement).value).toBe('webhook')
    w.unmount()
  })

  it('a widget inbox keeps its look fields and snippet, and sends no config', async () => {
    const { calls } = mockFetch({ 'PATCH /inboxes/5': () => inbox('widget') })
    const w = mount(InboxForm, { props: { inbox: inbox('widget') }, ...opts() })
    expect(w.find('[data-testid="inbox-color"]').exists()).toBe(true)
    expect(w.find('[data-testid="embed-snippet"]').exists()).toBe(true)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(patches(calls)[0]!.body).not.toHaveProperty('config')
    w.unmount()
  })
})

describe('NewInboxForm', () => {
  it('creates a Telegram inbox with the channel’s fields; a refusal is shown and nothing is emitted', async () => {
    let answer: Response = jsonResponse(422, {
      error: { code: 'validation_error', message: 'config: webhook mode needs public_url' },
    })
    const { calls } = mockFetch({ 'POST /inboxes': () => answer })
    const w = mount(NewInboxForm, { ...opts() })
    expect(w.find('[data-testid="telegram-connection"]').exists()).toBe(false)
    await w.get('[data-testid="inbox-create-name"]').setValue('Bot')
    await w.get('[data-testid="inbox-create-channel"]').setValue('telegram')
    expect(w.find('[data-testid="telegram-connection"]').exists()).toBe(true)
    await w.get('[data-testid="telegram-token-input"]').setValue('123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ')
    await w.get('[data-testid="telegram-mode"]').setValue('webhook')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toEqual({
      name: 'Bot',
      channel: 'telegram',
      config: { mode: 'webhook', public_url: '', api_base: TELEGRAM_API_BASE, bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ' },
    })
    expect(w.get('[data-testid="inbox-create-error"]').text()).toContain('webhook mode needs public_url')
    expect(w.emitted('created')).toBeUndefined()

    answer = jsonResponse(201, inbox('telegram', { bot_token: MASK, mode: 'webhook' }, 9))
    await w.get('[data-testid="telegram-public-url"]').setValue('https://support.example.com')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect((calls[1]!.body as { config: Record<string, unknown> }).config.public_url).toBe('https://support.example.com')
    expect((w.emitted('created')![0]![0] as ChannelInbox).id).toBe(9)
    w.unmount()
  })

  it('a widget inbox is created without config', async () => {
    const { calls } = mockFetch({ 'POST /inboxes': () => jsonResponse(201, inbox('widget', {}, 3)) })
    const w = mount(NewInboxForm, { ...opts() })
    await w.get('[data-testid="inbox-create-name"]').setValue('Site')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toEqual({ name: 'Site', channel: 'widget' })
    w.unmount()
  })
})

describe('ApiConnection', () => {
  it('keeps the key hidden until revealed, from the admin reveal endpoint', async () => {
    const { calls } = mockFetch({ 'GET /channels/api/inboxes/7/key': () => ({ api_key: 'otk_secret-key-value-0123456789' }) })
    const api = inbox('api', { api_key: MASK, webhook_url: null }, 7)
    const w = mount(ApiConnection, { props: { inbox: api, modelValue: draftFor('api', api.config) as ApiDraft }, ...opts() })
    const key = w.get('[data-testid="api-key"]')
    expect(key.attributes('type')).toBe('password')
    expect((key.element as HTMLInputElement).value).not.toContain('otk_')
    expect(calls).toHaveLength(0)
    expect(w.get('[data-testid="api-endpoints"]').text()).toContain('/api/v1/channels/api/messages')
    expect(w.get('[data-testid="api-endpoints"]').text()).toContain('X-Otklik-Inbox-Key')

    await w.get('[data-testid="api-key-reveal"]').trigger('click')
    await flushPromises()
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /channels/api/inboxes/7/key'])
    expect(w.get('[data-testid="api-key"]').attributes('type')).toBe('text')
    expect((w.get('[data-testid="api-key"]').element as HTMLInputElement).value).toBe('otk_secret-key-value-0123456789')
    expect(w.get('[data-testid="api-key-reveal"]').text()).toBe('Hide')
    await w.get('[data-testid="api-key-reveal"]').trigger('click')
    expect(w.get('[data-testid="api-key"]').attributes('type')).toBe('password')
    w.unmount()
  })

  it('makes a new key only after a second click, and shows it', async () => {
    const { calls } = mockFetch({ 'POST /channels/api/inboxes/7/key': () => ({ api_key: 'otk_brand-new-key-0123456789abc' }) })
    const api = inbox('api', { api_key: MASK, webhook_url: null }, 7)
    const w = mount(ApiConnection, { props: { inbox: api, modelValue: draftFor('api', api.config) as ApiDraft }, ...opts() })
    await w.get('[data-testid="api-key-rotate"]').trigger('click')
    expect(calls).toHaveLength(0)
    expect(w.get('[data-testid="api-key-rotate-question"]').text()).toContain('Replace the key?')
    await w.get('[data-testid="api-key-rotate-confirm"]').trigger('click')
    await flushPromises()
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /channels/api/inboxes/7/key'])
    expect(w.find('[data-testid="api-key-rotate-question"]').exists()).toBe(false)
    expect(w.get('[data-testid="api-key"]').attributes('type')).toBe('text')
    expect((w.get('[data-testid="api-key"]').element as HTMLInputElement).value).toBe('otk_brand-new-key-0123456789abc')
    w.unmount()
  })
})
