import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { fromMessage } from '@/components/conversation/display'
import MessageItem from '@/components/conversation/MessageItem.vue'
import { applyLocale, i18n } from '@/i18n'
import { makeMessage } from './helpers'

let pinia: Pinia

beforeEach(() => {
  pinia = createPinia()
  setActivePinia(pinia)
  applyLocale('en')
})

afterEach(() => applyLocale('en'))

function render(over: Parameters<typeof makeMessage>[0]) {
  return mount(MessageItem, {
    props: { message: fromMessage(makeMessage(over), 1) },
    global: { plugins: [pinia, i18n] },
  })
}

describe('mail on a message', () => {
  it('shows a forwarded mail inline and the full original one click away', async () => {
    const wrapper = render({
      text: 'Пересылаю письмо от курьера.',
      mail: {
        original: 'Пересылаю письмо от курьера.\n\n> старая цитата',
        forwarded: [
          { sender: 'Курьер <courier@delivery.example>', subject: 'Доставка перенесена', date: null, text: 'Доставка 27 ноября.' },
        ],
        notes: ['signed'],
        not_delivered: null,
        automatic: null,
      },
    })
    expect(wrapper.get('[data-testid="message-text"]').text()).toBe('Пересылаю письмо от курьера.')
    expect(wrapper.get('[data-testid="forwarded-from"]').text()).toBe('Курьер <courier@delivery.example>')
    expect(wrapper.get('[data-testid="forwarded-subject"]').text()).toBe('Доставка перенесена')
    expect(wrapper.get('[data-testid="forwarded-text"]').text()).toBe('Доставка 27 ноября.')
    expect(wrapper.get('[data-testid="mail-note"]').text()).toContain('does not check the signature')
    expect(wrapper.find('[data-testid="mail-original"]').exists()).toBe(false)
    await wrapper.get('[data-testid="mail-original-toggle"]').trigger('click')
    expect(wrapper.get('[data-testid="mail-original"]').text()).toContain('> старая цитата')
    expect(wrapper.get('[data-testid="mail-original-toggle"]').text()).toBe('Hide the full original')
  })

  it('marks a returned reply "not delivered" with the reason, in Russian too', async () => {
    const over = {
      author_type: 'agent' as const,
      author_id: 1,
      delivery_status: 'failed' as const,
      delivery_error: 'not delivered: 550 5.1.1 User unknown',
      mail: { original: null, forwarded: [], notes: [], not_delivered: '550 5.1.1 User unknown', automatic: null },
    }
    const wrapper = render(over)
    expect(wrapper.get('[data-testid="mail-not-delivered"]').text()).toBe('Not delivered: 550 5.1.1 User unknown')
    // The reason is said once, by the mark; the delivery state still offers a retry.
    expect(wrapper.find('[data-testid="delivery-error"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="delivery-retry"]').exists()).toBe(true)
    applyLocale('ru')
    await wrapper.vm.$nextTick()
    expect(wrapper.get('[data-testid="mail-not-delivered"]').text()).toBe('Не доставлено: 550 5.1.1 User unknown')
  })

  it('has no mail block on a chat message', () => {
    const wrapper = render({ text: 'hello' })
    expect(wrapper.find('[data-testid="message-mail"]').exists()).toBe(false)
  })
})
