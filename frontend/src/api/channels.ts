// Inboxes of every channel and their connection settings (src/otklik/channels/api.py,
// docs/channels.md). The server masks secrets in what it returns (MASK); a secret left out of an
// update, or sent back as the mask, keeps its stored value.
import type { InboxHealth } from '@/generated/events'
import { request } from './http'
import type { InboxFull, InboxSettingsFull } from './settings-types'
import type { Items } from './types'

export const CHANNELS = ['widget', 'email', 'telegram', 'api'] as const
export type ChannelName = (typeof CHANNELS)[number]

/** How the server shows a secret that is set. */
export const MASK = '********'

export type SmtpSecurity = 'starttls' | 'ssl' | 'none'
export type TelegramMode = 'polling' | 'webhook'

/** Where the IMAP poller is in the mailbox; written by the server only. */
export interface ImapState {
  account: string
  uidvalidity: number
  last_uid: number
  checked_on: string | null
}

/** EmailConfig of src/otklik/channels/email/config.py, as an admin sees it. */
export interface EmailConfig {
  address: string
  from_name: string
  imap_enabled: boolean
  imap_host: string
  imap_port: number
  imap_ssl: boolean
  imap_username: string
  imap_password: string
  imap_folder: string
  imap_since: string | null
  poll_seconds: number
  smtp_host: string
  smtp_port: number
  smtp_security: SmtpSecurity
  smtp_username: string
  smtp_password: string
  ingress_enabled: boolean
  ingress_host: string
  ingress_port: number
  imap_state?: ImapState | null
}

export interface TelegramConfig {
  bot_token: string
  mode: TelegramMode
  public_url: string | null
  api_base: string
  poll_timeout?: number
  webhook_secret?: string
}

export interface ApiChannelConfig {
  api_key: string
  webhook_url: string | null
  api_key_hash?: string
}

/** An inbox of any channel, with its configuration (secrets masked). */
export interface ChannelInbox extends Omit<InboxFull, 'channel'> {
  channel: ChannelName
  active: boolean
  /** Admins only: whether the channel works (channel health). */
  health?: InboxHealth | null
  config: Partial<EmailConfig & TelegramConfig & ApiChannelConfig> & Record<string, unknown>
}

export interface NewInbox {
  name: string
  channel: ChannelName
  team_id?: number | null
  config?: Record<string, unknown>
}

export interface InboxPatch {
  name?: string
  team_id?: number | null
  /** false: turned off — takes nothing new; its conversations can still be answered */
  active?: boolean
  settings?: Partial<InboxSettingsFull>
  /** Changed keys only; secrets left out are kept. */
  config?: Record<string, unknown>
}

export const channelInboxes = {
  list: () => request<Items<ChannelInbox>>('GET', '/inboxes'),
  create: (body: NewInbox) => request<ChannelInbox>('POST', '/inboxes', { body }),
  update: (id: number, body: InboxPatch) => request<ChannelInbox>('PATCH', `/inboxes/${id}`, { body }),
  /** Admins: an API inbox's key in clear, for the bridge's settings. */
  revealKey: (id: number) => request<{ api_key: string }>('GET', `/channels/api/inboxes/${id}/key`),
  /** Admins: a new key made by the server; the old one stops working at once. */
  rotateKey: (id: number) => request<{ api_key: string }>('POST', `/channels/api/inboxes/${id}/key`),
  /** Admins: a widget inbox's identity secret (null: none yet), for the site to sign users. */
  identitySecret: (id: number) => request<{ secret: string | null }>('GET', `/inboxes/${id}/identity-secret`),
  /** Admins: a new identity secret; signatures made with the old one are refused at once. */
  rotateIdentitySecret: (id: number) => request<{ secret: string }>('POST', `/inboxes/${id}/identity-secret`),
  /** Admins: the operators who answer the inbox (supervisors and agents see only their
   * inboxes' conversations; admins see every inbox). */
  members: (id: number) => request<InboxMembers>('GET', `/inboxes/${id}/members`),
  /** Admins: make exactly these operators the inbox's members. */
  setMembers: (id: number, agentIds: number[]) =>
    request<InboxMembers>('PUT', `/inboxes/${id}/members`, { body: { agent_ids: agentIds } }),
}

/** InboxMembers of src/otklik/channels/schemas.py. */
export interface InboxMembers {
  agent_ids: number[]
}
