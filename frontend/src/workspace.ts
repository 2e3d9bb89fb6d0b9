// Start and stop everything that belongs to a signed-in operator.
import type { Agent } from '@/api/types'
import { useAgentsStore } from '@/stores/agents'
import { useChannelHealthStore } from '@/stores/channelHealth'
import { useContactsStore } from '@/stores/contacts'
import { useConversationsStore } from '@/stores/conversations'
import { useDraftsStore } from '@/stores/drafts'
import { useMentionsStore } from '@/stores/mentions'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore } from '@/stores/outbox'
import { useRealtimeStore } from '@/stores/realtime'
import { useReplySubjectStore } from '@/stores/replySubject'
import { useTeamAlertsStore } from '@/stores/teamAlerts'
import { useTypingStore } from '@/stores/typing'
import { useUploadsStore } from '@/stores/uploads'
import { resetConversationTools } from '@/stores/tools'

let bootedFor: number | null = null

export function bootWorkspace(me: Agent): void {
  if (bootedFor === me.id) return
  if (bootedFor !== null) teardownWorkspace()
  bootedFor = me.id
  useDraftsStore().load(me.id)
  useOutboxStore().load(me.id)
  void useAgentsStore()
    .load()
    .catch(() => undefined)
  void useChannelHealthStore()
    .load()
    .catch(() => undefined)
  void useMentionsStore().load()
  useRealtimeStore().start()
}

export function teardownWorkspace(): void {
  bootedFor = null
  useRealtimeStore().stop()
  useConversationsStore().reset()
  useMessagesStore().reset()
  useContactsStore().reset()
  useTypingStore().reset()
  useTeamAlertsStore().reset()
  useAgentsStore().reset()
  useChannelHealthStore().reset()
  useReplySubjectStore().reset()
  useMentionsStore().reset()
  resetConversationTools()
  // drafts and the outbox stay in localStorage for the next sign-in of the same operator
  useDraftsStore().reset()
  useOutboxStore().reset()
  useUploadsStore().reset()
}
