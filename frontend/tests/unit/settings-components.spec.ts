import { beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, RouterLinkStub, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import type { Component } from 'vue'
import type { AgentRouting as AgentRoutingShape, WorkingHours } from '@/api/settings-types'
import type { ActionDraft } from '@/components/settings/actions/actions'
import ActionListEditor from '@/components/settings/actions/ActionListEditor.vue'
import AgentRouting from '@/components/settings/AgentRouting.vue'
import CannedCsv from '@/components/settings/canned/CannedCsv.vue'
import CannedEditor from '@/components/settings/canned/CannedEditor.vue'
import WorkingHoursEditor from '@/components/settings/inbox/WorkingHoursEditor.vue'
import RuleEditor from '@/components/settings/rules/RuleEditor.vue'
import TeamEditor from '@/components/settings/TeamEditor.vue'
import { i18n } from '@/i18n'
import { useSessionStore } from '@/stores/session'
import { jsonResponse, mockFetch } from './helpers'

const XSS = '<img src=x onerror=alert(1)>'
let pinia: Pinia

function opts() {
  return { global: { plugins: [pinia, i18n], stubs: { RouterLink: RouterLinkStub } } }
}

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  i18n.global.locale.value = 'en'
  useSessionStore().me = {
    id: 1,
    email: 'admin@example.com',
    name: 'Admin',
    role: 'admin',
    languages: ['en'],
    status: 'online',
    active: true,
    team_ids: [],
  }
})

/** Mount with a working v-model (the test plays the parent). */
function withModel<T>(component: Component, value: T, props: Record<string, unknown> = {}): VueWrapper {
  const mountAny = mount as (c: Component, o: Record<string, unknown>) => VueWrapper
  const w: VueWrapper = mountAny(component, {
    props: {
      ...props,
      modelValue: value,
      'onUpdate:modelValue': (v: T) => void w.setProps({ modelValue: v }),
    },
    attachTo: document.body,
    ...opts(),
  })
  return w
}

describe('WorkingHoursEditor', () => {
  it('switches on with a default week, edits a range, shows problems, switches off keeping the days', async () => {
    const w = withModel<WorkingHours | null>(WorkingHoursEditor, null)
    expect(w.find('[data-testid="hours-off"]').exists()).toBe(true)
    await w.get('[data-testid="hours-enabled"]').setValue(true)
    const model = () => (w.props() as { modelValue: unknown }).modelValue as WorkingHours
    expect(model().enabled).toBe(true)
    expect(w.findAll('[data-testid="hours-day-mon"] [data-testid="hours-range"]')).toHaveLength(1)
    expect(w.find('[data-testid="hours-day-sat"] [data-testid="hours-closed"]').exists()).toBe(true)

    await w.get('[data-testid="hours-day-sat"] [data-testid="hours-add"]').trigger('click')
    expect(model().days.sat).toEqual([['09:00', '18:00']])
    await w.get('[data-testid="hours-day-mon"] [data-testid="hours-to"]').setValue('08:00')
    expect(model().days.mon).toEqual([['09:00', '08:00']])
    expect(w.get('[data-testid="hours-day-mon"] [data-testid="hours-problem"]').text()).toBe('Must start before it ends.')

    await w.get('[data-testid="hours-enabled"]').setValue(false)
    expect(model().enabled).toBe(false)
    expect(model().days.sat).toEqual([['09:00', '18:00']])
    w.unmount()
  })
})

describe('ActionListEditor', () => {
  it('adds typed actions, reorders and removes them', async () => {
    mockFetch({ 'GET /canned-answers': () => ({ items: [] }) })
    const w = withModel<ActionDraft[]>(ActionListEditor, [], { kind: 'macro', scope: 'personal', teamId: null })
    const model = () => (w.props() as { modelValue: unknown }).modelValue as ActionDraft[]
    await w.get('[data-testid="action-add-type"]').setValue('add_tags')
    await w.get('[data-testid="action-add"]').trigger('click')
    const tagInput = w.get('[data-testid="action-tags-input"]')
    await tagInput.setValue('Refund')
    await tagInput.trigger('keydown', { key: 'Enter' })
    expect(model()[0]!.tags).toEqual(['refund'])

    await w.get('[data-testid="action-add-type"]').setValue('set_priority')
    await w.get('[data-testid="action-add"]').trigger('click')
    await w.get('[data-testid="action-priority"]').setValue('urgent')
    expect(model().map((a) => a.type)).toEqual(['add_tags', 'set_priority'])
    expect(model()[1]!.priority).toBe('urgent')
    // run_macro is for rules only
    expect(w.findAll('[data-testid="action-add-type"] option').map((o) => o.attributes('value'))).not.toContain('run_macro')

    await w.findAll('[data-testid="action-up"]')[1]!.trigger('click')
    expect(model().map((a) => a.type)).toEqual(['set_priority', 'add_tags'])
    expect(w.findAll('[data-testid="action-item"]').map((li) => li.attributes('data-action-type'))).toEqual([
      'set_priority',
      'add_tags',
    ])
    await w.findAll('[data-testid="action-remove"]')[0]!.trigger('click')
    expect(model().map((a) => a.type)).toEqual(['add_tags'])
    w.unmount()
  })
})

describe('CannedEditor', () => {
  it('shows the 422 next to the form and keeps what was typed', async () => {
    const { calls } = mockFetch({
      'POST /canned-answers': () =>
        jsonResponse(422, { error: { code: 'validation_error', message: 'text: unknown variable contcat.name' } }),
    })
    const w = mount(CannedEditor, { props: { answer: null, categories: [] }, ...opts() })
    await w.get('[data-testid="canned-shortcut-input"]').setValue('/Hello')
    await w.get('[data-testid="canned-title-input"]').setValue(XSS)
    await w.get('[data-testid="canned-text-input"]').setValue('Hi {{contcat.name}}')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toEqual({
      shortcut: '/Hello',
      title: XSS,
      text: 'Hi {{contcat.name}}',
      category: null,
      scope: 'personal',
      team_id: null,
    })
    expect(w.get('[data-testid="canned-error"]').text()).toBe('text: unknown variable contcat.name')
    expect((w.get('[data-testid="canned-text-input"]').element as HTMLTextAreaElement).value).toBe('Hi {{contcat.name}}')
    expect((w.get('[data-testid="canned-title-input"]').element as HTMLInputElement).value).toBe(XSS)
    expect(w.emitted('saved')).toBeUndefined()
  })

  it('inserts a variable at the cursor', async () => {
    mockFetch({})
    const w = mount(CannedEditor, { props: { answer: null, categories: [] }, attachTo: document.body, ...opts() })
    const box = w.get('[data-testid="canned-text-input"]')
    await box.setValue('Hello !')
    ;(box.element as HTMLTextAreaElement).setSelectionRange(6, 6)
    await w.findAll('[data-testid="variable-insert"]')[0]!.trigger('click')
    expect((box.element as HTMLTextAreaElement).value).toBe('Hello {{contact.name}}!')
    w.unmount()
  })
})

describe('CannedCsv', () => {
  it('uploads the raw file with the conflict choice and shows the result or the rows that are wrong', async () => {
    let answer: Response = jsonResponse(200, { created: 2, updated: 0, skipped: 1 })
    const { calls } = mockFetch({ 'POST /canned-answers/import': () => answer })
    const w = mount(CannedCsv, { props: { scope: '' }, ...opts() })
    expect(w.get('[data-testid="canned-export"]').attributes('href')).toBe('/api/v1/canned-answers/export')

    await w.get('form').trigger('submit')
    expect(w.get('[data-testid="canned-import-error"]').text()).toBe('Choose a CSV file first.')

    const file = new File(['shortcut,title,text\nhi,Hi,Hello\n'], 'answers.csv', { type: 'text/csv' })
    const input = w.get('[data-testid="canned-import-file"]')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await w.get('[data-testid="canned-import-conflict"]').setValue('update')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.url.searchParams.get('on_conflict')).toBe('update')
    expect(calls[0]!.headers['Content-Type']).toBe('text/csv')
    expect(w.get('[data-testid="canned-import-result"]').text()).toBe('Imported: 2 created, 0 updated, 1 skipped.')
    expect(w.emitted('imported')).toHaveLength(1)

    answer = jsonResponse(422, { error: { code: 'validation_error', message: 'row 3: title: Field required' } })
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="canned-import-error"]').text()).toBe('row 3: title: Field required')
    expect(w.find('[data-testid="canned-import-result"]').exists()).toBe(false)
  })
})

describe('RuleEditor', () => {
  it('sends trigger, typed conditions and actions in the API shapes; minutes only for time triggers', async () => {
    const { calls } = mockFetch({
      'GET /canned-answers': () => ({ items: [] }),
      'GET /macros': () => ({ items: [] }),
      'GET /inboxes': () => ({ items: [] }),
      'GET /attribute-definitions': () => ({ items: [] }),
      'POST /automation-rules': (_url, init) => ({
        id: 5,
        position: 0,
        created_at: '',
        updated_at: '',
        ...JSON.parse(String(init.body)),
      }),
    })
    const w = mount(RuleEditor, { props: { rule: null, position: 30 }, attachTo: document.body, ...opts() })
    await flushPromises()
    expect(w.get('[data-testid="rule-tester"]').text()).toContain('Save the rule to test it.')
    await w.get('[data-testid="rule-name"]').setValue('Refunds')
    await w.get('[data-testid="rule-trigger"]').setValue('no_operator_reply')
    expect(w.find('[data-testid="rule-minutes"]').exists()).toBe(true)
    await w.get('[data-testid="rule-minutes"]').setValue(15)
    await w.get('[data-testid="condition-add-field"]').setValue('text')
    await w.get('[data-testid="condition-add"]').trigger('click')
    await w.get('[data-testid="condition-text"]').setValue('refund')
    await w.get('[data-testid="condition-add-field"]').setValue('priority')
    await w.get('[data-testid="condition-add"]').trigger('click')
    const priority = w.findAll('[data-testid="condition-item"]')[1]!
    await priority.get('[data-testid="condition-op"]').setValue('not_in')
    await priority.findAll('[data-testid="condition-choice"]')[3]!.setValue(true)
    await w.get('[data-testid="action-add-type"]').setValue('add_tags')
    await w.get('[data-testid="action-add"]').trigger('click')
    await w.get('[data-testid="action-tags-input"]').setValue('refund,')
    await w.get('[data-testid="action-tags-input"]').trigger('input')
    await w.get('form').trigger('submit')
    await flushPromises()
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.body).toEqual({
      name: 'Refunds',
      enabled: true,
      trigger: { type: 'no_operator_reply', minutes: 15 },
      match: 'all',
      conditions: [
        { field: 'text', op: 'contains', value: 'refund' },
        { field: 'priority', op: 'not_in', value: ['urgent'] },
      ],
      actions: [{ type: 'add_tags', tags: ['refund'] }],
      position: 30,
    })
    expect(w.get('[data-testid="rule-editor"]').attributes('data-rule-id')).toBe('5')
    expect(w.find('[data-testid="rule-test-conversation"]').exists()).toBe(true)

    await w.get('[data-testid="rule-trigger"]').setValue('conversation_created')
    expect(w.find('[data-testid="rule-minutes"]').exists()).toBe(false)
    w.unmount()
  })
})

describe('routing fields of operators and teams', () => {
  const agent = {
    id: 4,
    email: 'a@example.com',
    name: 'Anna',
    role: 'agent' as const,
    languages: [],
    status: 'online' as const,
    active: true,
    team_ids: [],
    max_concurrent: 5,
    skills: ['billing'],
  }

  it('a reload or a presence event does not wipe what is being typed; saved values are taken', async () => {
    const { calls } = mockFetch({ 'PATCH /agents/4': (_u, init) => ({ ...agent, ...JSON.parse(String(init.body)) }) })
    const w = mount(AgentRouting, { props: { agent }, ...opts() })
    await w.get('[data-testid="agent-max-concurrent"]').setValue('9')
    await w.setProps({ agent: { ...agent, status: 'away' as const } })
    expect((w.get('[data-testid="agent-max-concurrent"]').element as HTMLInputElement).value).toBe('9')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(calls[0]!.body).toEqual({ max_concurrent: 9, skills: ['billing'] })

    // nothing edited: a change made elsewhere shows up
    const fresh = mount(AgentRouting, { props: { agent }, ...opts() })
    const changed: AgentRoutingShape = { ...agent, max_concurrent: 12 }
    await fresh.setProps({ agent: changed })
    expect((fresh.get('[data-testid="agent-max-concurrent"]').element as HTMLInputElement).value).toBe('12')
    expect(fresh.find('[data-testid="agent-routing-save"]').exists()).toBe(false)
  })

  it('a team keeps a chosen escalation target across a reload of the teams', async () => {
    mockFetch({})
    const team = { id: 1, name: 'First', agent_ids: [], line: 1, escalates_to_id: null }
    const w = mount(TeamEditor, { props: { team }, ...opts() })
    await w.get('[data-testid="team-line-select"]').setValue('2')
    await w.setProps({ team: { ...team } })
    expect((w.get('[data-testid="team-line-select"]').element as HTMLSelectElement).value).toBe('2')
    expect(w.get('[data-testid="team-save"]').attributes('disabled')).toBeUndefined()
  })
})
