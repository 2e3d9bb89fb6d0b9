// Rule conditions as editable drafts: which operators and which kind of value each field
// takes (the whitelist of src/otklik/scripts/conditions.py), and the exact API shapes.
import type {
  AttributeDefinition,
  AttributeValue,
  Condition,
  ConditionField,
} from '@/api/settings-types'
import type { ConversationStatus, Priority } from '@/api/types'

export const MAX_CONDITIONS = 20

export const CONDITION_FIELDS: readonly ConditionField[] = [
  'text',
  'inbox',
  'channel',
  'language',
  'tag',
  'priority',
  'status',
  'contact_attribute',
  'business_hours',
  'survey_score',
  'survey_kind',
]

export const OPS: Readonly<Record<ConditionField, readonly string[]>> = {
  inbox: ['in', 'not_in'],
  channel: ['in', 'not_in'],
  text: ['contains', 'not_contains', 'matches'],
  language: ['in', 'not_in'],
  tag: ['has', 'has_not'],
  priority: ['in', 'not_in'],
  status: ['in', 'not_in'],
  contact_attribute: ['equals', 'not_equals', 'contains', 'is_set', 'is_not_set'],
  business_hours: ['inside', 'outside'],
  survey_score: ['lte', 'gte', 'eq'],
  survey_kind: ['in', 'not_in'],
}

/** What the value editor of a field looks like. */
export type ValueKind = 'choices' | 'text' | 'attribute' | 'none'

export function valueKind(field: ConditionField): ValueKind {
  switch (field) {
    case 'text':
    case 'tag':
    case 'survey_score':
      return 'text'
    case 'contact_attribute':
      return 'attribute'
    case 'business_hours':
      return 'none'
    default:
      return 'choices'
  }
}

/** Fixed choices of the list fields (inboxes come from the server). */
export const CHOICES: Readonly<Partial<Record<ConditionField, readonly string[]>>> = {
  channel: ['widget', 'email', 'telegram', 'api'],
  language: ['ru', 'en'],
  priority: ['low', 'normal', 'high', 'urgent'] satisfies Priority[],
  status: ['open', 'pending', 'snoozed', 'resolved'] satisfies ConversationStatus[],
  survey_kind: ['csat', 'nps', 'ces'],
}

/** How a contact attribute's value is typed in the editor. */
export type AttrKind = 'text' | 'number' | 'boolean'

export interface ConditionDraft {
  key: number
  field: ConditionField
  op: string
  /** The chosen values of a list field (inbox ids as strings). */
  values: string[]
  /** The value of `text` and `tag`. */
  text: string
  attrKey: string
  attrKind: AttrKind
  /** As typed: '42', 'true', 'gold'. */
  attrValue: string
}

let nextKey = 1

export function newCondition(field: ConditionField = 'text'): ConditionDraft {
  return { key: nextKey++, field, op: OPS[field][0]!, values: [], text: '', attrKey: '', attrKind: 'text', attrValue: '' }
}

/** Another field: its first operator; values that make no sense for it are dropped. */
export function changeField(d: ConditionDraft, field: ConditionField): ConditionDraft {
  if (field === d.field) return d
  const keepText = valueKind(field) === 'text' && valueKind(d.field) === 'text'
  return { ...d, field, op: OPS[field][0]!, values: [], text: keepText ? d.text : '' }
}

export function changeOp(d: ConditionDraft, op: string): ConditionDraft {
  if (!OPS[d.field].includes(op)) return d
  // "contains" looks inside text: a yes/no or number editor makes no sense there
  const attrKind = d.field === 'contact_attribute' && op === 'contains' ? 'text' : d.attrKind
  return { ...d, op, attrKind }
}

export function toggleValue(d: ConditionDraft, value: string, on: boolean): ConditionDraft {
  const values = on ? [...new Set([...d.values, value])] : d.values.filter((v) => v !== value)
  return { ...d, values }
}

/** Does the operator take a value (contact attributes: is_set / is_not_set do not)? */
export function needsValue(d: ConditionDraft): boolean {
  if (d.field === 'contact_attribute') return ['equals', 'not_equals', 'contains'].includes(d.op)
  return valueKind(d.field) !== 'none'
}

export function attrKindOf(definition: AttributeDefinition | undefined): AttrKind {
  if (definition?.type === 'number') return 'number'
  if (definition?.type === 'boolean') return 'boolean'
  return 'text'
}

/** Pick the attribute key; its definition (if any) decides how the value is typed. */
export function changeAttrKey(d: ConditionDraft, key: string, definitions: AttributeDefinition[]): ConditionDraft {
  const definition = definitions.find((a) => a.entity === 'contact' && a.key === key)
  const attrKind = d.op === 'contains' ? 'text' : definition ? attrKindOf(definition) : d.attrKind
  const attrValue = attrKind === d.attrKind ? d.attrValue : attrKind === 'boolean' ? 'true' : ''
  return { ...d, attrKey: key, attrKind, attrValue }
}

export function attrValueOf(d: ConditionDraft): AttributeValue {
  if (!needsValue(d)) return null
  if (d.attrKind === 'boolean') return d.attrValue === 'true'
  if (d.attrKind === 'number') {
    const n = Number(d.attrValue.trim())
    return d.attrValue.trim() !== '' && Number.isFinite(n) ? n : d.attrValue
  }
  return d.attrValue
}

export function fromCondition(c: Condition): ConditionDraft {
  const draft: ConditionDraft = { ...newCondition(c.field), op: c.op }
  switch (c.field) {
    case 'inbox':
      return { ...draft, values: c.value.map(String) }
    case 'channel':
    case 'language':
    case 'priority':
    case 'status':
      return { ...draft, values: [...c.value] }
    case 'text':
    case 'tag':
      return { ...draft, text: c.value }
    case 'survey_score':
      return { ...draft, text: String(c.value) }
    case 'survey_kind':
      return { ...draft, values: [...c.value] }
    case 'contact_attribute': {
      const kind: AttrKind = typeof c.value === 'boolean' ? 'boolean' : typeof c.value === 'number' ? 'number' : 'text'
      return { ...draft, attrKey: c.key, attrKind: kind, attrValue: c.value === null ? '' : String(c.value) }
    }
    case 'business_hours':
      return draft
  }
}

/** The API shape; the server checks the rest and its 422 names the condition. */
export function toCondition(d: ConditionDraft): Condition {
  const op = d.op as never
  switch (d.field) {
    case 'inbox':
      return { field: 'inbox', op, value: d.values.map(Number) }
    case 'channel':
    case 'language':
      return { field: d.field, op, value: [...d.values] }
    case 'priority':
      return { field: 'priority', op, value: d.values as Priority[] }
    case 'status':
      return { field: 'status', op, value: d.values as ConversationStatus[] }
    case 'text':
    case 'tag':
      return { field: d.field, op, value: d.text }
    case 'contact_attribute':
      return { field: 'contact_attribute', key: d.attrKey.trim(), op, value: attrValueOf(d) }
    case 'business_hours':
      return { field: 'business_hours', op }
    case 'survey_score':
      // a score the server refuses (not 0–10) comes back as a 422 naming the condition
      return { field: 'survey_score', op, value: d.text.trim() === '' ? -1 : Number(d.text) }
    case 'survey_kind':
      return { field: 'survey_kind', op, value: d.values as ('csat' | 'nps' | 'ces')[] }
  }
}

export function addCondition(list: ConditionDraft[], field: ConditionField = 'text'): ConditionDraft[] {
  return list.length >= MAX_CONDITIONS ? list : [...list, newCondition(field)]
}

export function removeCondition(list: ConditionDraft[], index: number): ConditionDraft[] {
  return list.filter((_, i) => i !== index)
}

export function replaceCondition(list: ConditionDraft[], index: number, d: ConditionDraft): ConditionDraft[] {
  return list.map((c, i) => (i === index ? d : c))
}
