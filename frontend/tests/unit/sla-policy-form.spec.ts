import { describe, expect, it } from 'vitest'
import { blankForm, bodyOf, formOf, parseValue } from '@/components/settings/sla/policyForm'
import type { Policy } from '@/api/sla'

describe('SLA policy form', () => {
  it('sends only the targets typed, per priority, and the conditions chosen', () => {
    const form = blankForm('sla')
    form.name = ' VIP '
    form.minutes.urgent.first_response = '15'
    form.minutes.urgent.next_response = ''
    form.minutes.normal.resolution = 480 // a number input's v-model
    form.tags = ['vip']
    form.contactKey = 'plan'
    form.contactValue = 'enterprise'
    form.pauseSnoozed = false
    expect(bodyOf(form)).toEqual({
      name: 'VIP',
      kind: 'sla',
      position: 0,
      active: true,
      calendar_id: null,
      conditions: { tags: ['vip'], contact_attribute: { key: 'plan', value: 'enterprise' } },
      targets: { urgent: { first_response: 15 }, normal: { resolution: 480 } },
      pause_on: ['pending'],
    })
  })

  it('an OLA form sends its own targets only', () => {
    const form = blankForm('ola')
    form.name = '2nd line'
    form.minutes.high.response = '30'
    form.minutes.high.first_response = '5' // not a target of an OLA: ignored
    form.teamIds = [4]
    expect(bodyOf(form).targets).toEqual({ high: { response: 30 } })
    expect(bodyOf(form).conditions).toEqual({ team_ids: [4] })
  })

  it('reads a policy back as it was saved', () => {
    const policy: Policy = {
      id: 3,
      name: 'Gold',
      kind: 'sla',
      position: 2,
      active: false,
      calendar_id: 7,
      conditions: { inbox_ids: [1], contact_attribute: { key: 'vip', value: true }, attribute: { key: 'x', value: 1 } },
      targets: { low: { resolution: 600 } },
      pause_on: ['snoozed'],
    }
    const { id: _id, ...body } = policy
    expect(bodyOf(formOf(policy))).toEqual(body)
  })

  it('reads attribute values typed as text', () => {
    expect(parseValue('true')).toBe(true)
    expect(parseValue('42')).toBe(42)
    expect(parseValue(' gold ')).toBe('gold')
  })
})
