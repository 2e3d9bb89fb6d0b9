import { describe, expect, it } from 'vitest'
import type { AttributeDefinition, Condition } from '@/api/settings-types'
import {
  CONDITION_FIELDS,
  MAX_CONDITIONS,
  OPS,
  addCondition,
  changeAttrKey,
  changeField,
  changeOp,
  fromCondition,
  needsValue,
  newCondition,
  removeCondition,
  toCondition,
  toggleValue,
  valueKind,
} from '@/components/settings/rules/conditions'

const definition = (key: string, type: AttributeDefinition['type'], options: string[] = []): AttributeDefinition => ({
  id: key.length,
  entity: 'contact',
  key,
  label: key,
  type,
  options,
  created_at: '2026-01-01T00:00:00Z',
})

describe('condition drafts', () => {
  it('round-trip every condition shape of scripts/conditions.py', () => {
    const conditions: Condition[] = [
      { field: 'inbox', op: 'in', value: [1, 2] },
      { field: 'channel', op: 'not_in', value: ['widget'] },
      { field: 'text', op: 'contains', value: 'refund' },
      { field: 'text', op: 'matches', value: '^re(fund|turn)' },
      { field: 'language', op: 'in', value: ['ru'] },
      { field: 'tag', op: 'has_not', value: 'vip' },
      { field: 'priority', op: 'in', value: ['high', 'urgent'] },
      { field: 'status', op: 'not_in', value: ['resolved'] },
      { field: 'contact_attribute', key: 'plan', op: 'equals', value: 'gold' },
      { field: 'contact_attribute', key: 'seats', op: 'not_equals', value: 10 },
      { field: 'contact_attribute', key: 'trial', op: 'equals', value: false },
      { field: 'contact_attribute', key: 'plan', op: 'is_set', value: null },
      { field: 'business_hours', op: 'outside' },
    ]
    expect(conditions.map((c) => toCondition(fromCondition(c)))).toEqual(conditions)
  })

  it('every field has its operators; a new condition starts with the first', () => {
    for (const field of CONDITION_FIELDS) {
      expect(OPS[field].length).toBeGreaterThan(0)
      expect(newCondition(field).op).toBe(OPS[field][0])
    }
    expect(valueKind('inbox')).toBe('choices')
    expect(valueKind('text')).toBe('text')
    expect(valueKind('contact_attribute')).toBe('attribute')
    expect(valueKind('business_hours')).toBe('none')
  })

  it('a field change resets the operator and drops values of another kind', () => {
    let d = toggleValue(newCondition('priority'), 'high', true)
    d = changeOp(d, 'not_in')
    const moved = changeField(d, 'status')
    expect(moved).toMatchObject({ field: 'status', op: 'in', values: [] })
    const text = { ...newCondition('text'), text: 'refund' }
    expect(changeField(text, 'tag')).toMatchObject({ field: 'tag', op: 'has', text: 'refund' })
    expect(changeField(text, 'inbox')).toMatchObject({ field: 'inbox', op: 'in', text: '' })
    expect(changeField(text, 'text')).toBe(text)
  })

  it('an operator of another field is refused', () => {
    const d = newCondition('text')
    expect(changeOp(d, 'in')).toBe(d)
  })

  it('list values toggle without duplicates; inbox ids are numbers in the API', () => {
    let d = newCondition('inbox')
    d = toggleValue(toggleValue(toggleValue(d, '3', true), '5', true), '3', true)
    expect(toCondition(d)).toEqual({ field: 'inbox', op: 'in', value: [3, 5] })
    expect(toCondition(toggleValue(d, '3', false))).toEqual({ field: 'inbox', op: 'in', value: [5] })
  })

  it('contact attributes: typed by their definition; is_set takes no value; contains is text', () => {
    const defs = [definition('seats', 'number'), definition('trial', 'boolean'), definition('plan', 'list', ['gold'])]
    let d = changeAttrKey(newCondition('contact_attribute'), 'seats', defs)
    expect(d.attrKind).toBe('number')
    d = { ...d, attrValue: '12' }
    expect(toCondition(d)).toEqual({ field: 'contact_attribute', key: 'seats', op: 'equals', value: 12 })

    d = changeAttrKey(d, 'trial', defs)
    expect(d).toMatchObject({ attrKind: 'boolean', attrValue: 'true' })
    expect(toCondition({ ...d, attrValue: 'false' })).toMatchObject({ value: false })

    const isSet = changeOp(d, 'is_set')
    expect(needsValue(isSet)).toBe(false)
    expect(toCondition(isSet)).toEqual({ field: 'contact_attribute', key: 'trial', op: 'is_set', value: null })

    const contains = changeOp(changeAttrKey(d, 'seats', defs), 'contains')
    expect(contains.attrKind).toBe('text')
    expect(toCondition({ ...contains, attrValue: '1' })).toMatchObject({ op: 'contains', value: '1' })

    // a key without a definition keeps the kind chosen so far
    expect(changeAttrKey(newCondition('contact_attribute'), 'unknown', defs).attrKind).toBe('text')
  })

  it('add and remove, at most twenty', () => {
    let list = addCondition(addCondition([], 'text'), 'tag')
    expect(list.map((c) => c.field)).toEqual(['text', 'tag'])
    list = removeCondition(list, 0)
    expect(list.map((c) => c.field)).toEqual(['tag'])
    for (let i = 0; i < 30; i++) list = addCondition(list)
    expect(list).toHaveLength(MAX_CONDITIONS)
  })
})
