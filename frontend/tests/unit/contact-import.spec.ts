import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ImportWizard from '@/components/crm/ImportWizard.vue'
import { guessField, headerColumns } from '@/api/contactImports'
import { i18n } from '@/i18n'
import { mockFetch } from './helpers'

beforeEach(() => {
  i18n.global.locale.value = 'en'
})
afterEach(() => vi.unstubAllGlobals())

describe('contact import', () => {
  it('reads the header of a comma or semicolon file and guesses fields', () => {
    expect(headerColumns('\ufeffName;Email;"Phone"\r')).toEqual(['Name', 'Email', 'Phone'])
    expect(headerColumns('name,e-mail,Plan')).toEqual(['name', 'e-mail', 'Plan'])
    expect(['Name', 'E-mail', 'Phones', 'Plan'].map((c) => guessField(c))).toEqual(['name', 'email', 'phones', ''])
  })

  it('maps the columns, runs a dry run and shows its counts and each row error', async () => {
    const done = {
      id: 3,
      state: 'done',
      dry_run: true,
      filename: 'c.csv',
      mapping: {},
      total: 2,
      done: 2,
      created: 1,
      updated: 0,
      unchanged: 0,
      failed: 1,
      errors: [{ row: 2, column: 'Email', message: "'x' is not an email address" }],
      created_at: '',
      finished_at: '',
    }
    const { calls, fn } = mockFetch({
      'POST /contacts/imports': () => ({ ...done, state: 'queued', done: 0 }),
      'GET /contacts/imports/3': () => done,
    })
    const w = mount(ImportWizard, { global: { plugins: [i18n] }, attachTo: document.body })
    const input = w.get('[data-testid="import-file"]')
    const file = new File(['Name;Email;Plan\nAnna;a@x.example;gold\nB;x;\n'], 'c.csv', { type: 'text/csv' })
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await vi.waitFor(() => w.get('[data-testid="import-map-Plan"]'))
    await w.get('[data-testid="import-map-Plan"]').setValue('attribute:plan')
    await w.get('[data-testid="import-dry-run"]').trigger('click')
    await flushPromises()
    const form = calls[0]!
    expect([form.method, form.path]).toEqual(['POST', '/contacts/imports'])
    const sent = fn.mock.calls[0]![1]!.body as FormData
    expect(JSON.parse(String(sent.get('mapping')))).toEqual({ Name: 'name', Email: 'email', Plan: 'attribute:plan' })
    expect(sent.get('dry_run')).toBe('true')
    expect(w.get('[data-testid="import-result"]').text()).toBe(
      'Would create 1, update 0; unchanged 0; rows with errors 1.',
    )
    expect(w.get('[data-testid="import-errors"]').text()).toContain("'x' is not an email address")
    i18n.global.locale.value = 'ru'
    await flushPromises()
    expect(w.get('[data-testid="import-dry-run"]').text()).toBe('Проверить (без записи)')
    w.unmount()
  })

  it('reads an XLSX file\'s columns from the server and imports companies', async () => {
    const queued = {
      id: 4,
      state: 'done',
      kind: 'companies',
      dry_run: false,
      filename: 'firms.xlsx',
      mapping: {},
      total: 1,
      done: 1,
      created: 1,
      updated: 0,
      unchanged: 0,
      failed: 0,
      errors: [],
      created_at: '',
      finished_at: '',
    }
    const { calls, fn } = mockFetch({
      'POST /contacts/imports/columns': () => ({ columns: ['Company', 'Website', 'id'] }),
      'POST /contacts/imports': () => queued,
      'GET /contacts/imports/4': () => queued,
    })
    const w = mount(ImportWizard, { global: { plugins: [i18n] }, attachTo: document.body })
    await w.get('[data-testid="import-kind-companies"]').setValue(true)
    const input = w.get('[data-testid="import-file"]')
    const file = new File(['PK'], 'firms.xlsx')
    Object.defineProperty(input.element, 'files', { value: [file] })
    await input.trigger('change')
    await vi.waitFor(() => w.get('[data-testid="import-map-Website"]'))
    expect(calls[0]!.path).toBe('/contacts/imports/columns')
    const options = w.findAll('[data-testid="import-map-Company"] option').map((o) => o.attributes('value'))
    expect(options).toEqual(['', 'name', 'domains', 'external_id', 'attribute:company'])
    await w.get('[data-testid="import-run"]').trigger('click')
    await flushPromises()
    const sent = fn.mock.calls[1]![1]!.body as FormData
    expect(sent.get('kind')).toBe('companies')
    expect(JSON.parse(String(sent.get('mapping')))).toEqual({ Company: 'name', Website: 'domains', id: 'external_id' })
    expect(w.get('[data-testid="import-result"]').text()).toBe(
      'Created 1, updated 0; unchanged 0; rows with errors 0.',
    )
    w.unmount()
  })
})
