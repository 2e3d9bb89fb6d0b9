// Sign-out drops what the conversation tools cached for the previous operator.
import { useAttributeDefinitionsStore } from './attributeDefinitions'
import { useBulkStore } from './bulk'
import { useCannedAnswersStore } from './cannedAnswers'
import { useEscalationsStore } from './escalations'
import { useMacrosStore } from './macros'

export function resetConversationTools(): void {
  useBulkStore().clear()
  useCannedAnswersStore().reset()
  useEscalationsStore().reset()
  useMacrosStore().reset()
  useAttributeDefinitionsStore().reset()
}
