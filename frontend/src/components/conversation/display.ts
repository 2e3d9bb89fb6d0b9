import type { Attachment } from '@/api/attachments'
import type { DeliveryStatus } from '@/api/delivery'
import type { AuthorType, Message } from '@/api/types'
import type { MailView } from '@/generated/events'
import type { OutboxItem } from '@/stores/outbox'

/** How far our own message got to the Otklik server (the outbox). */
export type Delivery = 'sending' | 'queued' | 'sent' | 'failed'

/** A message as the conversation view shows it: from the server or still in our outbox. */
export interface DisplayMessage {
  key: string
  id: number | null
  conversationId: number
  clientMsgId: string | null
  authorType: AuthorType
  authorName: string | null
  own: boolean
  private: boolean
  text: string
  createdAt: string
  delivery: Delivery | null
  error: string | null
  attachments: Attachment[]
  /** how far a public reply got through its channel to the customer (not in the widget) */
  channelDelivery: DeliveryStatus | null
  channelError: string | null
  /** mail only: forwarded mails, the full original, notes, a returned reply */
  mail: MailView | null
}

export function fromMessage(m: Message, myId: number | null): DisplayMessage {
  const own = m.author_type === 'agent' && myId !== null && m.author_id === myId
  return {
    key: `m${m.id}`,
    id: m.id,
    conversationId: m.conversation_id,
    clientMsgId: m.client_msg_id,
    authorType: m.author_type,
    authorName: m.author_name,
    own,
    private: m.private,
    text: m.text,
    createdAt: m.created_at,
    delivery: own ? 'sent' : null,
    error: null,
    attachments: m.attachments,
    channelDelivery: m.private ? null : m.delivery_status,
    // A returned reply says why in its own mark (MessageMail), not twice.
    channelError: m.mail?.not_delivered ? null : m.delivery_error,
    mail: m.mail ?? null,
  }
}

export function fromOutbox(item: OutboxItem, myName: string | null, online: boolean): DisplayMessage {
  return {
    key: `c${item.client_msg_id}`,
    id: null,
    conversationId: item.conversation_id,
    clientMsgId: item.client_msg_id,
    authorType: 'agent',
    authorName: myName,
    own: true,
    private: item.private,
    text: item.text,
    createdAt: item.created_at,
    delivery: item.state === 'failed' ? 'failed' : item.state === 'queued' && !online ? 'queued' : 'sending',
    error: item.error,
    attachments: item.attachments,
    channelDelivery: null,
    channelError: null,
    mail: null,
  }
}

/** Server messages, then what is still pending, without showing one message twice. */
export function buildTimeline(
  messages: Message[],
  pending: OutboxItem[],
  myId: number | null,
  myName: string | null,
  online: boolean,
): DisplayMessage[] {
  const confirmed = new Set(messages.map((m) => m.client_msg_id).filter((x): x is string => !!x))
  const out = messages.map((m) => fromMessage(m, myId))
  for (const p of pending) if (!confirmed.has(p.client_msg_id)) out.push(fromOutbox(p, myName, online))
  return out
}
