// Form drafts of each channel's connection settings, and the `config` a form sends.
// A draft starts from what the server shows (secrets masked, so their drafts start empty:
// "keep"); the payload holds the channel's editable keys, never what the server maintains
// itself (the e-mail poller's `imap_state`, the API key's hash, Telegram's webhook secret).
import type { ChannelInbox, ChannelName, SmtpSecurity, TelegramMode } from '@/api/channels'
import { putSecret, type SecretDraft } from './secrets'

/** A number input's value: '' while the field is empty. */
type NumberDraft = number | ''

export const TELEGRAM_API_BASE = 'https://api.telegram.org'

export interface EmailDraft {
  kind: 'email'
  address: string
  from_name: string
  imap_enabled: boolean
  imap_host: string
  imap_port: NumberDraft
  imap_ssl: boolean
  imap_username: string
  imap_password: SecretDraft
  imap_folder: string
  /** 'YYYY-MM-DD' or '' (only new mail) */
  imap_since: string
  poll_seconds: NumberDraft
  smtp_host: string
  smtp_port: NumberDraft
  smtp_security: SmtpSecurity
  smtp_username: string
  smtp_password: SecretDraft
  ingress_enabled: boolean
  ingress_host: string
  ingress_port: NumberDraft
}

export interface TelegramDraft {
  kind: 'telegram'
  bot_token: SecretDraft
  mode: TelegramMode
  public_url: string
  api_base: string
}

export interface ApiDraft {
  kind: 'api'
  webhook_url: string
}

export interface WidgetDraft {
  kind: 'widget'
}

export type ConfigDraft = EmailDraft | TelegramDraft | ApiDraft | WidgetDraft

type Config = ChannelInbox['config']

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback)
const num = (v: unknown, fallback: number): NumberDraft => (typeof v === 'number' ? v : fallback)
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback)

/** The draft of a channel's settings: from an inbox's config, or the server's defaults. */
export function draftFor(channel: ChannelName, config: Config = {}): ConfigDraft {
  switch (channel) {
    case 'email':
      return {
        kind: 'email',
        address: str(config.address),
        from_name: str(config.from_name),
        imap_enabled: bool(config.imap_enabled, true),
        imap_host: str(config.imap_host),
        imap_port: num(config.imap_port, 993),
        imap_ssl: bool(config.imap_ssl, true),
        imap_username: str(config.imap_username),
        imap_password: '',
        imap_folder: str(config.imap_folder, 'INBOX'),
        imap_since: str(config.imap_since),
        poll_seconds: num(config.poll_seconds, 60),
        smtp_host: str(config.smtp_host),
        smtp_port: num(config.smtp_port, 587),
        smtp_security: (str(config.smtp_security, 'starttls') as SmtpSecurity),
        smtp_username: str(config.smtp_username),
        smtp_password: '',
        ingress_enabled: bool(config.ingress_enabled, false),
        ingress_host: str(config.ingress_host, '127.0.0.1'),
        ingress_port: num(config.ingress_port, 2525),
      }
    case 'telegram':
      return {
        kind: 'telegram',
        bot_token: '',
        mode: config.mode === 'webhook' ? 'webhook' : 'polling',
        public_url: str(config.public_url),
        api_base: str(config.api_base, TELEGRAM_API_BASE),
      }
    case 'api':
      return { kind: 'api', webhook_url: str(config.webhook_url) }
    default:
      return { kind: 'widget' }
  }
}

/** Numbers left empty are left out: the server's default on create, the stored value on update. */
function putNumber(body: Record<string, unknown>, key: string, value: NumberDraft): void {
  if (value !== '' && Number.isFinite(value)) body[key] = value
}

function emailConfig(d: EmailDraft): Record<string, unknown> {
  const body: Record<string, unknown> = {
    address: d.address.trim(),
    from_name: d.from_name.trim(),
    imap_enabled: d.imap_enabled,
    imap_host: d.imap_host.trim(),
    imap_ssl: d.imap_ssl,
    imap_username: d.imap_username.trim(),
    imap_folder: d.imap_folder.trim() || 'INBOX',
    imap_since: d.imap_since || null,
    smtp_host: d.smtp_host.trim(),
    smtp_security: d.smtp_security,
    smtp_username: d.smtp_username.trim(),
    ingress_enabled: d.ingress_enabled,
    ingress_host: d.ingress_host.trim(),
  }
  putNumber(body, 'imap_port', d.imap_port)
  putNumber(body, 'poll_seconds', d.poll_seconds)
  putNumber(body, 'smtp_port', d.smtp_port)
  putNumber(body, 'ingress_port', d.ingress_port)
  putSecret(body, 'imap_password', d.imap_password)
  putSecret(body, 'smtp_password', d.smtp_password)
  return body
}

function telegramConfig(d: TelegramDraft): Record<string, unknown> {
  const body: Record<string, unknown> = { mode: d.mode, api_base: d.api_base.trim() || TELEGRAM_API_BASE }
  // polling needs no public URL: the stored one (if any) is left as it is
  if (d.mode === 'webhook') body.public_url = d.public_url.trim()
  putSecret(body, 'bot_token', d.bot_token)
  return body
}

/** The `config` to send for a draft (none for the widget, which has settings instead). */
export function configPayload(draft: ConfigDraft): Record<string, unknown> | undefined {
  switch (draft.kind) {
    case 'email':
      return emailConfig(draft)
    case 'telegram':
      return telegramConfig(draft)
    case 'api':
      return { webhook_url: draft.webhook_url.trim() }
    default:
      return undefined
  }
}
