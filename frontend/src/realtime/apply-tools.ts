// Events of routing, scripts, contacts, attribute definitions and the team calendar → store updates. Idempotent like apply.ts: an escalation is
// upserted by id, the others only drop caches or refetch.
import type { ToolEventFrame } from '@/api/events'
import { i18n } from '@/i18n'
import { useAttributeDefinitionsStore } from '@/stores/attributeDefinitions'
import { useCannedAnswersStore } from '@/stores/cannedAnswers'
import { useChannelHealthStore } from '@/stores/channelHealth'
import { useContactsStore } from '@/stores/contacts'
import { useConversationsStore } from '@/stores/conversations'
import { useEscalationsStore } from '@/stores/escalations'
import { useMacrosStore } from '@/stores/macros'
import { useTeamAlertsStore } from '@/stores/teamAlerts'
import { useMentionsStore } from '@/stores/mentions'
import { useSlaStore } from '@/stores/sla'
import { useToastStore } from '@/stores/toasts'
import { afterMerge } from '@/stores/triage'
import { useUiStore } from '@/stores/ui'
import { useWorkforceStore } from '@/stores/workforce'

export function applyToolEvent(frame: ToolEventFrame): void {
  switch (frame.type) {
    case 'conversation.escalated':
      useEscalationsStore().receive(frame.data.escalation)
      useTeamAlertsStore().receive(frame.data.escalation)
      break
    case 'conversation.handed_back':
      useEscalationsStore().receive(frame.data.escalation)
      break
    case 'conversation.merged':
      onMerged(frame.data.from_id, frame.data.into_id)
      break
    case 'canned_answer.changed':
    case 'canned_answers.imported':
      useCannedAnswersStore().invalidate()
      break
    case 'macro.changed':
      useMacrosStore().invalidate()
      break
    case 'contact.updated':
      useContactsStore().receive(frame.data.contact)
      break
    case 'attribute_definition.changed':
      useAttributeDefinitionsStore().invalidate()
      break
    case 'channel.health_changed':
      useChannelHealthStore().receive(frame.data.health)
      break
    case 'mention.created':
      useMentionsStore().receive(frame.data.mention)
      break
    case 'mentions.read':
      useMentionsStore().applyRead(frame.data.agent_id, frame.data.ids)
      break
    case 'sla.breached':
    case 'sla.warning':
      // The chip turns at once; a list filtered by SLA state is asked again (once per burst).
      void useSlaStore().add([frame.data.conversation_id])
      useConversationsStore().scheduleSlaRefetch()
      break
    case 'workforce.schedule_changed':
      useWorkforceStore().scheduleChanged()
      break
    case 'workforce.request_changed':
      useWorkforceStore().requestChanged()
      break
    default:
      break
  }
}

/** The conversation on screen was merged into another one: follow it there. */
function onMerged(fromId: number, intoId: number): void {
  void afterMerge(fromId, intoId)
  if (useConversationsStore().activeId !== fromId) return
  useToastStore().push(i18n.global.t('tools.merge.movedTo', { from: fromId, into: intoId }))
  useUiStore().requestOpen(intoId)
}
