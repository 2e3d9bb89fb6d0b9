// Apply one event of the log to the stores. Every branch is idempotent (upserts by id), so a
// replayed event or an event that overlaps an HTTP fetch does no harm.
import type { Conversation, EventFrame, Message } from '@/api/types'
import { i18n } from '@/i18n'
import { useConversationsStore } from '@/stores/conversations'
import { useMessagesStore } from '@/stores/messages'
import { useNotificationsStore } from '@/stores/notifications'
import { useOutboxStore } from '@/stores/outbox'
import { useSessionStore } from '@/stores/session'
import { useSurveysStore } from '@/stores/surveys'
import { useTypingStore } from '@/stores/typing'
import { applyToolEvent } from './apply-tools'

export function applyEvent(frame: EventFrame): void {
  const conversations = useConversationsStore()
  switch (frame.type) {
    case 'conversation.created':
    case 'conversation.updated':
      conversations.receive(frame.data.conversation)
      conversations.scheduleCounts()
      break
    case 'message.created': {
      const { message, conversation } = frame.data
      useMessagesStore().receive(message)
      useOutboxStore().confirm(message)
      conversations.receive(conversation)
      conversations.scheduleCounts()
      useTypingStore().clearAuthor(conversation.id, message.author_type, message.author_id)
      onIncoming(conversation, message)
      break
    }
    case 'message.updated':
      useMessagesStore().update(frame.data.message)
      break
    case 'survey.sent':
    case 'survey.responded':
      useSurveysStore().upsert(frame.data.survey)
      break
    default:
      applyToolEvent(frame)
      break
  }
}

function pageIsWatched(): boolean {
  if (typeof document === 'undefined') return false
  return document.visibilityState === 'visible' && document.hasFocus()
}

/** A customer wrote: mark read if the operator is looking at it, otherwise alert them. */
function onIncoming(conv: Conversation, msg: Message): void {
  if (msg.author_type !== 'contact') return
  const conversations = useConversationsStore()
  const myId = useSessionStore().myId
  const isActive = conversations.activeId === conv.id
  if (isActive && pageIsWatched()) {
    void conversations.markRead(conv.id)
    return
  }
  const concernsMe = conv.assignee_id === null || conv.assignee_id === myId
  if (!concernsMe) return
  const name = conv.contact.name ?? conv.contact.email ?? i18n.global.t('contact.anonymous')
  useNotificationsStore().notify(conv, msg, i18n.global.t('notifications.newMessage', { name }))
}
