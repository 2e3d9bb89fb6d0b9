// Event frames added with routing and scripts (docs/api.md, "Live events"). Kept apart from
// types.ts so the conversation tools and the settings pages can extend them independently.
import type { AttributeEntity } from './attributes'
import type { Escalation } from './routing'
import type { Contact } from './types'

/** `canned_answer.changed`, `macro.changed`, `automation_rule.changed`: ids only, refetch. */
export interface ScriptChange {
  id: number
  scope: 'personal' | 'team' | 'global'
  owner_id: number | null
  team_id: number | null
  deleted: boolean
}

export type ToolEventFrame =
  | { id: number; type: 'conversation.escalated'; data: { escalation: Escalation } }
  | { id: number; type: 'conversation.handed_back'; data: { escalation: Escalation } }
  | { id: number; type: 'conversation.merged'; data: { from_id: number; into_id: number } }
  | { id: number; type: 'canned_answer.changed'; data: ScriptChange }
  | { id: number; type: 'canned_answers.imported'; data: { created: number; updated: number } }
  | { id: number; type: 'macro.changed'; data: ScriptChange }
  | { id: number; type: 'automation_rule.changed'; data: ScriptChange }
  | { id: number; type: 'contact.updated'; data: { contact: Contact } }
  | { id: number; type: 'attribute_definition.changed'; data: { id: number; entity: AttributeEntity; deleted: boolean } }
