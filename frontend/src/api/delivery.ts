// What a channel (email, Telegram, an API bridge…) said about an operator's reply.
import { request } from './http'
import type { Message } from './types'

/** null: the widget, where the customer reads the conversation itself. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed'

/** Send a failed reply through its channel again; answers the message, `pending` again. */
export function retryDelivery(conversationId: number, messageId: number): Promise<Message> {
  return request<Message>('POST', `/conversations/${conversationId}/messages/${messageId}/retry`)
}
