import { beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { Pinia } from 'pinia'
import type { Component } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import InboxesSettings from '@/components/settings/InboxesSettings.vue'
import KbSettings from '@/components/settings/kb/KbSettings.vue'
import { i18n } from '@/i18n'
import { flush, heldAnswer, mockFetch, signedIn } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = signedIn()
})

function listed(id: number, name: string) {
  return { id, name, channel: 'widget', active: true, health: null, config: {}, settings: { color: '#336699' } }
}

async function mountPage(page: Component = InboxesSettings) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/settings/:section', component: { template: '<div />' } }] })
  await router.push('/settings/inboxes')
  const w = mount(page, {
    global: { plugins: [pinia, i18n, router], stubs: { InboxForm: true } },
    attachTo: document.body,
  })
  return { w, router }
}

describe('settings pages with a route, while their list loads', () => {
  it('offers "new" once the inboxes are in, and keeps one made while a reload is under way', async () => {
    const first = heldAnswer()
    const reload = heldAnswer()
    let lists = 0
    mockFetch({
      'GET /agents': () => ({ items: [] }),
      'GET /teams': () => ({ items: [] }),
      'GET /inboxes': () => (++lists === 1 ? first.route() : reload.route()),
      'POST /inboxes': () => listed(2, 'Support mail'),
    })
    const { w, router } = await mountPage()
    await flush()
    expect(w.find('[data-testid="inbox-new"]').exists()).toBe(false)
    expect(w.text()).not.toContain(i18n.global.t('settings.inboxes.empty'))
    first.release({ items: [listed(1, 'Site')] })
    await flush()
    // The admins' banner links here again: a reload, read before the inbox below was made.
    await router.push('/settings/inboxes?inbox=1')
    await flush()
    await w.get('[data-testid="inbox-new"]').trigger('click')
    await w.get('[data-testid="inbox-create-name"]').setValue('Support mail')
    await w.get('[data-testid="inbox-create-form"]').trigger('submit')
    await flush()
    reload.release({ items: [listed(1, 'Site')] })
    await flush()
    expect(w.findAll('[data-testid="inbox-item"]').map((i) => i.attributes('data-inbox-id'))).toEqual(['1', '2'])
    w.unmount()
  })

  it('knowledge base: the articles of the filter chosen last are shown, not a slower earlier answer', async () => {
    const unfiltered = heldAnswer()
    const article = (id: number, title: string, status: string) => ({ id, language: 'en', slug: `a-${id}`, title, status, internal: false, category_id: null, updated_at: '2026-12-04T10:00:00Z' })
    mockFetch({
      'GET /kb/categories': () => ({ items: [] }),
      'GET /kb/articles': (url) => (url.searchParams.get('status') === 'draft' ? { items: [article(2, 'Refunds (draft)', 'draft')] } : unfiltered.route()),
    })
    const { w } = await mountPage(KbSettings)
    await flush()
    expect(w.text()).not.toContain(i18n.global.t('kb.noCategories'))
    await w.get(`select[aria-label="${i18n.global.t('kb.status')}"]`).setValue('draft')
    await flush()
    unfiltered.release({ items: [article(1, 'Delivery times', 'published')] })
    await flush()
    expect(w.findAll('[data-testid="kb-article"]').map((a) => a.text())).toEqual([expect.stringContaining('Refunds (draft)')])
    expect(w.text()).toContain(i18n.global.t('kb.noCategories'))
    w.unmount()
  })
})
