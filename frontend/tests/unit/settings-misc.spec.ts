import { describe, expect, it } from 'vitest'
import { addTags, removeTag, splitTags } from '@/components/settings/common/tags'
import { canEdit, scopesFor } from '@/components/settings/common/permissions'
import { moveRule, nextPosition, sortRules } from '@/components/settings/rules/order'
import { openToEveryone, sectionOf, sectionsFor } from '@/components/settings/sections'
import type { Agent } from '@/api/types'

const agent = (id: number, role: Agent['role']): Agent => ({
  id,
  email: `${id}@x`,
  name: `A${id}`,
  role,
  languages: [],
  status: 'online',
  active: true,
  team_ids: [],
})

describe('tag lists', () => {
  it('split at commas, trimmed, lower case when asked, no duplicates, limited', () => {
    expect(splitTags(' Refund, VIP ,,', { lower: true })).toEqual(['refund', 'vip'])
    expect(addTags(['refund'], 'refund, billing')).toEqual(['refund', 'billing'])
    expect(addTags(['a'], 'b, c, d', { max: 2 })).toEqual(['a', 'b'])
    expect(addTags([], 'x'.repeat(60), { maxLength: 50 })[0]).toHaveLength(50)
    expect(removeTag(['a', 'b'], 'a')).toEqual(['b'])
  })
})

describe('scopes and permissions', () => {
  it('mirror scripts/scopes.py', () => {
    expect(scopesFor('agent')).toEqual(['personal'])
    expect(scopesFor('supervisor')).toEqual(['personal', 'team'])
    expect(scopesFor('admin')).toEqual(['personal', 'team', 'global'])
    const admin = agent(1, 'admin')
    const sup = agent(2, 'supervisor')
    const op = agent(3, 'agent')
    expect([admin, sup, op].map((a) => canEdit(a, { scope: 'global', owner_id: null }))).toEqual([true, false, false])
    expect([admin, sup, op].map((a) => canEdit(a, { scope: 'team', owner_id: null }))).toEqual([true, true, false])
    expect([admin, sup, op].map((a) => canEdit(a, { scope: 'personal', owner_id: 3 }))).toEqual([false, false, true])
    expect(canEdit(null, { scope: 'personal', owner_id: 3 })).toBe(false)
  })
})

describe('rule order', () => {
  it('sorts by position then id; moving renumbers in tens, sending only changes', () => {
    const rules = [
      { id: 3, position: 0 },
      { id: 1, position: 0 },
      { id: 2, position: 0 },
    ]
    expect(sortRules(rules).map((r) => r.id)).toEqual([1, 2, 3])
    // move the last (id 3) up: 1, 3, 2
    expect(moveRule(rules, 2, -1)).toEqual([
      { id: 3, position: 10 },
      { id: 2, position: 20 },
    ])
    expect(moveRule(rules, 0, -1)).toEqual([])
    expect(moveRule(rules, 2, 1)).toEqual([])
    expect(nextPosition(rules)).toBe(10)
    expect(nextPosition([])).toBe(0)
  })
})

describe('settings sections', () => {
  it('operators and supervisors get canned answers, macros, the knowledge base and their own security', () => {
    expect(sectionsFor(false)).toEqual(['canned', 'macros', 'kb', 'security'])
    expect(sectionsFor(true)).toHaveLength(13)
    expect(sectionOf(undefined, true)).toBe('agents')
    expect(sectionOf('rules', false)).toBe('canned')
    expect(sectionOf('macros', false)).toBe('macros')
    expect(sectionOf('webhooks', false)).toBe('canned')
    expect(sectionOf('webhooks', true)).toBe('webhooks')
    expect(openToEveryone('canned')).toBe(true)
    expect(openToEveryone('rules')).toBe(false)
    expect(openToEveryone('security')).toBe(true)
    expect(openToEveryone('tokens')).toBe(false)
    expect(openToEveryone(undefined)).toBe(false)
  })
})
