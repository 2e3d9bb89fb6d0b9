import { describe, expect, it } from 'vitest'
import type { Action, CannedAnswer } from '@/api/settings-types'
import {
  MAX_ACTIONS,
  actionTypesFor,
  addAction,
  cannedChoices,
  changeStatus,
  changeType,
  fromAction,
  moveAction,
  newAction,
  removeAction,
  toAction,
} from '@/components/settings/actions/actions'

describe('action drafts', () => {
  it('round-trip every action shape of scripts/actions.py', () => {
    const actions: Action[] = [
      { type: 'add_tags', tags: ['refund', 'vip'] },
      { type: 'remove_tags', tags: ['spam'] },
      { type: 'set_priority', priority: 'high' },
      { type: 'assign_agent', agent_id: 7 },
      { type: 'assign_agent', agent_id: null },
      { type: 'assign_team', team_id: 3 },
      { type: 'set_status', status: 'resolved' },
      { type: 'set_status', status: 'snoozed', snooze_minutes: 90 },
      { type: 'send_message', text: 'Hi {{contact.name}}' },
      { type: 'send_canned', canned_answer_id: 12 },
      { type: 'add_note', text: 'VIP' },
      { type: 'escalate', to_team_id: null, reason: 'billing', hand_back: true },
      { type: 'run_macro', macro_id: 4 },
    ]
    expect(actions.map((a) => toAction(fromAction(a)))).toEqual(actions)
  })

  it('a type switch keeps what was typed; the API shape keeps only that type’s fields', () => {
    let d = { ...newAction('send_message'), text: 'Thanks!' }
    d = changeType(d, 'add_note')
    expect(toAction(d)).toEqual({ type: 'add_note', text: 'Thanks!' })
    d = changeType(d, 'set_priority')
    expect(toAction(d)).toEqual({ type: 'set_priority', priority: 'high' })
    expect(toAction(changeType(d, 'send_message'))).toEqual({ type: 'send_message', text: 'Thanks!' })
  })

  it('snooze minutes go with "snoozed" only, with a default', () => {
    const d = newAction('set_status')
    expect(toAction(d)).toEqual({ type: 'set_status', status: 'resolved' })
    const snoozed = changeStatus(d, 'snoozed')
    expect(toAction(snoozed)).toEqual({ type: 'set_status', status: 'snoozed', snooze_minutes: 60 })
    expect(toAction(changeStatus({ ...snoozed, snooze_minutes: 15 }, 'open'))).toEqual({ type: 'set_status', status: 'open' })
  })

  it('escalation reasons are trimmed', () => {
    expect(toAction({ ...newAction('escalate'), reason: '  needs billing ', to_team_id: 2 })).toEqual({
      type: 'escalate',
      to_team_id: 2,
      reason: 'needs billing',
      hand_back: false,
    })
  })

  it('add, move, remove; at most twenty; moves out of range are no-ops', () => {
    let list = addAction(addAction(addAction([], 'add_tags'), 'set_priority'), 'add_note')
    expect(list.map((a) => a.type)).toEqual(['add_tags', 'set_priority', 'add_note'])
    list = moveAction(list, 2, -1)
    expect(list.map((a) => a.type)).toEqual(['add_tags', 'add_note', 'set_priority'])
    list = moveAction(list, 0, 1)
    expect(list.map((a) => a.type)).toEqual(['add_note', 'add_tags', 'set_priority'])
    expect(moveAction(list, 0, -1)).toBe(list)
    expect(moveAction(list, 2, 1)).toBe(list)
    list = removeAction(list, 1)
    expect(list.map((a) => a.type)).toEqual(['add_note', 'set_priority'])
    expect(new Set(list.map((a) => a.key)).size).toBe(2)

    let full = list
    for (let i = 0; i < 30; i++) full = addAction(full, 'add_note')
    expect(full).toHaveLength(MAX_ACTIONS)
  })

  it('run_macro is offered to rules only', () => {
    expect(actionTypesFor('rule')).toContain('run_macro')
    expect(actionTypesFor('macro')).not.toContain('run_macro')
  })
})

describe('canned answers an action may send', () => {
  const answer = (id: number, scope: CannedAnswer['scope'], team_id: number | null, owner_id: number | null) =>
    ({ id, shortcut: `a${id}`, title: '', text: '', category: null, scope, team_id, owner_id }) as CannedAnswer
  const all = [
    answer(1, 'global', null, null),
    answer(2, 'team', 5, null),
    answer(3, 'team', 6, null),
    answer(4, 'personal', null, 9),
    answer(5, 'personal', null, 10),
  ]
  const ids = (list: CannedAnswer[]) => list.map((a) => a.id)
  const base = { myId: 9, myTeamIds: [5], teamId: null }

  it('rules and global macros: global answers only', () => {
    expect(ids(cannedChoices(all, { ...base, kind: 'rule', scope: 'personal' }))).toEqual([1])
    expect(ids(cannedChoices(all, { ...base, kind: 'macro', scope: 'global' }))).toEqual([1])
  })

  it('a team macro: global and its team’s', () => {
    expect(ids(cannedChoices(all, { ...base, kind: 'macro', scope: 'team', teamId: 6 }))).toEqual([1, 3])
  })

  it('a personal macro: global, my teams’ and my own', () => {
    expect(ids(cannedChoices(all, { ...base, kind: 'macro', scope: 'personal' }))).toEqual([1, 2, 4])
  })
})
