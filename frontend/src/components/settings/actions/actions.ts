// The action list of a macro or an automation rule, as an editable draft.
//
// A draft carries every field any action type may have, so switching the type keeps what was
// typed (the text of "send a message" survives a switch to "add a note"); toAction() keeps
// only the fields of the chosen type, in the exact shapes of src/otklik/scripts/actions.py.
import type { Action, ActionType, CannedAnswer, Scope } from '@/api/settings-types'
import type { ConversationStatus, Priority } from '@/api/types'

export type ActionKind = 'macro' | 'rule'
export const MAX_ACTIONS = 20
export const DEFAULT_SNOOZE_MINUTES = 60

export const ACTION_TYPES: readonly ActionType[] = [
  'add_tags',
  'remove_tags',
  'set_priority',
  'assign_agent',
  'assign_team',
  'set_status',
  'send_message',
  'send_canned',
  'add_note',
  'escalate',
  'send_survey',
  'run_macro',
]

/** run_macro is for rules only (a macro cannot run another macro). */
export function actionTypesFor(kind: ActionKind): ActionType[] {
  return ACTION_TYPES.filter((type) => kind === 'rule' || type !== 'run_macro')
}

export interface ActionDraft {
  /** Stable identity for v-for while actions are reordered. */
  key: number
  type: ActionType
  tags: string[]
  priority: Priority
  agent_id: number | null
  team_id: number | null
  status: ConversationStatus
  snooze_minutes: number | null
  text: string
  canned_answer_id: number | null
  to_team_id: number | null
  reason: string
  hand_back: boolean
  macro_id: number | null
  survey_kind: 'csat' | 'nps' | 'ces'
}

let nextKey = 1

export function newAction(type: ActionType = 'add_tags'): ActionDraft {
  return {
    key: nextKey++,
    type,
    tags: [],
    priority: 'high',
    agent_id: null,
    team_id: null,
    status: 'resolved',
    snooze_minutes: null,
    text: '',
    canned_answer_id: null,
    to_team_id: null,
    reason: '',
    hand_back: false,
    macro_id: null,
    survey_kind: 'csat',
  }
}

export function fromAction(action: Action): ActionDraft {
  const draft = newAction(action.type)
  switch (action.type) {
    case 'add_tags':
    case 'remove_tags':
      return { ...draft, tags: [...action.tags] }
    case 'set_priority':
      return { ...draft, priority: action.priority }
    case 'assign_agent':
      return { ...draft, agent_id: action.agent_id }
    case 'assign_team':
      return { ...draft, team_id: action.team_id }
    case 'set_status':
      return { ...draft, status: action.status, snooze_minutes: action.snooze_minutes ?? null }
    case 'send_message':
    case 'add_note':
      return { ...draft, text: action.text }
    case 'send_canned':
      return { ...draft, canned_answer_id: action.canned_answer_id }
    case 'escalate':
      return { ...draft, to_team_id: action.to_team_id, reason: action.reason, hand_back: action.hand_back }
    case 'send_survey':
      return { ...draft, survey_kind: action.kind }
    case 'run_macro':
      return { ...draft, macro_id: action.macro_id }
  }
}

/**
 * The API shape of a draft. Missing references (no canned answer picked…) are sent as they
 * are: the server's 422 names the action and the field, and nothing typed is lost.
 */
export function toAction(d: ActionDraft): Action {
  switch (d.type) {
    case 'add_tags':
    case 'remove_tags':
      return { type: d.type, tags: d.tags }
    case 'set_priority':
      return { type: d.type, priority: d.priority }
    case 'assign_agent':
      return { type: d.type, agent_id: d.agent_id }
    case 'assign_team':
      return { type: d.type, team_id: d.team_id }
    case 'set_status':
      return d.status === 'snoozed'
        ? { type: d.type, status: d.status, snooze_minutes: d.snooze_minutes ?? DEFAULT_SNOOZE_MINUTES }
        : { type: d.type, status: d.status }
    case 'send_message':
    case 'add_note':
      return { type: d.type, text: d.text }
    case 'send_canned':
      return { type: d.type, canned_answer_id: d.canned_answer_id as number }
    case 'escalate':
      return { type: d.type, to_team_id: d.to_team_id, reason: d.reason.trim(), hand_back: d.hand_back }
    case 'send_survey':
      return { type: d.type, kind: d.survey_kind }
    case 'run_macro':
      return { type: d.type, macro_id: d.macro_id as number }
  }
}

export function changeType(d: ActionDraft, type: ActionType): ActionDraft {
  return { ...d, type }
}

export function changeStatus(d: ActionDraft, status: ConversationStatus): ActionDraft {
  const snooze = status === 'snoozed' ? (d.snooze_minutes ?? DEFAULT_SNOOZE_MINUTES) : d.snooze_minutes
  return { ...d, status, snooze_minutes: snooze }
}

export function addAction(list: ActionDraft[], type: ActionType): ActionDraft[] {
  return list.length >= MAX_ACTIONS ? list : [...list, newAction(type)]
}

export function removeAction(list: ActionDraft[], index: number): ActionDraft[] {
  return list.filter((_, i) => i !== index)
}

/** Move one action up (delta −1) or down (+1); out of range is a no-op. */
export function moveAction(list: ActionDraft[], index: number, delta: number): ActionDraft[] {
  const target = index + delta
  if (index < 0 || index >= list.length || target < 0 || target >= list.length) return list
  const next = [...list]
  const [moved] = next.splice(index, 1)
  next.splice(target, 0, moved!)
  return next
}

export function replaceAction(list: ActionDraft[], index: number, draft: ActionDraft): ActionDraft[] {
  return list.map((d, i) => (i === index ? draft : d))
}

export interface CannedContext {
  kind: ActionKind
  /** The scope of the macro being edited (rules are global). */
  scope: Scope
  teamId: number | null
  myId: number | null
  myTeamIds: number[]
}

/**
 * The canned answers an action may send: everyone who can run the macro or rule must be able
 * to see them (src/otklik/scripts/macros.py, _canned_keys).
 */
export function cannedChoices(all: CannedAnswer[], ctx: CannedContext): CannedAnswer[] {
  const scope: Scope = ctx.kind === 'rule' ? 'global' : ctx.scope
  return all.filter((a) => {
    if (a.scope === 'global') return true
    if (scope === 'global') return false
    if (scope === 'team') return a.scope === 'team' && a.team_id === ctx.teamId
    if (a.scope === 'personal') return a.owner_id === ctx.myId
    return a.team_id !== null && ctx.myTeamIds.includes(a.team_id)
  })
}
