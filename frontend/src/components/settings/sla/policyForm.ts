// The policy editor's form state and its conversion to and from the API's body: minutes typed
// per priority and target (empty: no such target), the conditions, the pauses.
import type { AttributeCondition, Policy, PolicyBody, PolicyKind, PolicyTargets, Priority } from '@/api/sla'

export const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low']
export const TARGETS_OF: Record<PolicyKind, (keyof PolicyTargets)[]> = {
  sla: ['first_response', 'next_response', 'resolution'],
  ola: ['response', 'resolution'],
}

export interface PolicyForm {
  name: string
  kind: PolicyKind
  position: number
  active: boolean
  calendarId: number | null
  inboxIds: number[]
  teamIds: number[]
  tags: string[]
  contactKey: string
  contactValue: string
  /** A conversation-attribute condition made through the API: kept as it is. */
  attribute: AttributeCondition | null
  /** priority → target → minutes as typed ('' for none; a number input's v-model gives numbers). */
  minutes: Record<Priority, Record<string, string | number>>
  pausePending: boolean
  pauseSnoozed: boolean
}

function emptyMinutes(): Record<Priority, Record<string, string | number>> {
  return { urgent: {}, high: {}, normal: {}, low: {} }
}

export function blankForm(kind: PolicyKind): PolicyForm {
  return {
    name: '',
    kind,
    position: 0,
    active: true,
    calendarId: null,
    inboxIds: [],
    teamIds: [],
    tags: [],
    contactKey: '',
    contactValue: '',
    attribute: null,
    minutes: emptyMinutes(),
    pausePending: true,
    pauseSnoozed: true,
  }
}

/** What an attribute's value typed as text means: true/false and numbers as such. */
export function parseValue(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === 'true') return true
  if (trimmed === 'false') return false
  if (trimmed !== '' && /^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  return trimmed
}

export function formOf(policy: Policy): PolicyForm {
  const minutes = emptyMinutes()
  for (const p of PRIORITIES) {
    for (const [target, value] of Object.entries(policy.targets[p] ?? {})) {
      minutes[p][target] = value === undefined ? '' : String(value)
    }
  }
  const contact = policy.conditions.contact_attribute
  return {
    name: policy.name,
    kind: policy.kind,
    position: policy.position,
    active: policy.active,
    calendarId: policy.calendar_id,
    inboxIds: [...(policy.conditions.inbox_ids ?? [])],
    teamIds: [...(policy.conditions.team_ids ?? [])],
    tags: [...(policy.conditions.tags ?? [])],
    contactKey: contact?.key ?? '',
    contactValue: contact === undefined || contact.value === null ? '' : String(contact.value),
    attribute: policy.conditions.attribute ?? null,
    minutes,
    pausePending: policy.pause_on.includes('pending'),
    pauseSnoozed: policy.pause_on.includes('snoozed'),
  }
}

export function bodyOf(form: PolicyForm): PolicyBody {
  const targets: PolicyBody['targets'] = {}
  for (const p of PRIORITIES) {
    const row: PolicyTargets = {}
    for (const target of TARGETS_OF[form.kind]) {
      const typed = String(form.minutes[p][target] ?? '').trim()
      if (typed !== '') row[target] = Number(typed)
    }
    if (Object.keys(row).length) targets[p] = row
  }
  const conditions: PolicyBody['conditions'] = {}
  if (form.inboxIds.length) conditions.inbox_ids = form.inboxIds
  if (form.teamIds.length) conditions.team_ids = form.teamIds
  if (form.tags.length) conditions.tags = form.tags
  if (form.attribute) conditions.attribute = form.attribute
  if (form.contactKey.trim()) {
    conditions.contact_attribute = { key: form.contactKey.trim(), value: parseValue(form.contactValue) }
  }
  const pause_on: PolicyBody['pause_on'] = []
  if (form.pausePending) pause_on.push('pending')
  if (form.pauseSnoozed) pause_on.push('snoozed')
  return {
    name: form.name.trim(),
    kind: form.kind,
    position: form.position,
    active: form.active,
    calendar_id: form.calendarId,
    conditions,
    targets,
    pause_on,
  }
}
